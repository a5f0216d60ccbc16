"""The birth-month campaign: the monthly run and the daily catch-up, started by EventBridge Scheduler.

The daily catch-up run also sends the coupon expiry reminders (domain.coupon_reminders)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.adapters.campaign_table import CampaignTable
from daifuku.adapters.line_api import LineMessagingClient
from daifuku.adapters.line_credentials import load_line_credentials
from daifuku.adapters.send_queue import SendQueue
from daifuku.adapters.staff_table import StaffTable
from daifuku.domain.birth_month import (
    birth_month_campaign_period,
    start_birth_month_campaign,
    start_birth_month_catch_up,
)
from daifuku.domain.campaigns import QuotaWouldBeExceeded
from daifuku.domain.coupon_reminders import remind_expiring_coupons
from daifuku.models.schedule_events import BirthMonthTrigger
from daifuku.models.shop import ShopConfig
from daifuku.settings import current_settings

logger = Logger(service="birthday_scheduler")
tracer = Tracer(service="birthday_scheduler")
metrics = Metrics(namespace="Daifuku", service="birthday_scheduler")
CATCH_UP_SOURCE = "birth-month-catch-up"


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    settings = current_settings()
    trigger = BirthMonthTrigger.model_validate(event)
    period = birth_month_campaign_period(trigger.fired_at, settings.shop_timezone)
    members = StaffTable(settings.table_name)
    credentials = load_line_credentials(settings.line_secret_id)
    line = LineMessagingClient.for_channel(credentials.channel_access_token, settings)
    assert settings.send_queue_url, "DAIFUKU_SEND_QUEUE_URL is not set"
    records = CampaignTable(members.table)
    queue = SendQueue(settings.send_queue_url)
    shop, now = members.load_shop_config(), datetime.now(UTC)
    run = "catch_up" if event.get("source") == CATCH_UP_SOURCE else "monthly"
    reminders: list[dict] = []
    if run == "catch_up":
        today = trigger.fired_at.astimezone(ZoneInfo(settings.shop_timezone)).date()
        reminders = send_coupon_reminders(today, shop, now, members, records, line, queue)
    try:
        if run == "catch_up":
            started = start_birth_month_catch_up(
                period, shop, records, line, queue, now, settings.shop_timezone
            )
        else:
            started = start_birth_month_campaign(period, shop, records, line, queue, now)
    except QuotaWouldBeExceeded as refused:
        logger.warning("birth-month campaign refused", extra={"year_month": period, "reason": str(refused)})
        return {
            "year_month": period,
            "run": run,
            "status": "refused",
            "needed": refused.needed,
            "remaining": refused.remaining,
            "coupon_reminders": reminders,
        }
    if started is None:
        return {"year_month": period, "run": run, "status": "nothing_to_do", "coupon_reminders": reminders}
    result = {
        "year_month": period,
        "run": run,
        "items_read": records.items_read,
        "coupon_reminders": reminders,
    } | started.model_dump(mode="json")
    if started.reason == "already started":
        result["status"] = "already_started"
    logger.info("birth-month campaign", extra=result)
    return result


def send_coupon_reminders(
    today: date,
    shop: ShopConfig,
    now: datetime,
    members: StaffTable,
    records: CampaignTable,
    line: LineMessagingClient,
    queue: SendQueue,
) -> list[dict]:
    """Today's expiry reminders; refused over the quota (logged) without stopping the birth-month run."""
    try:
        started = remind_expiring_coupons(today, shop, members, records, line, queue, now)
    except QuotaWouldBeExceeded as refused:
        logger.warning("coupon reminders refused", extra={"reason": str(refused)})
        return [{"status": "refused", "needed": refused.needed, "remaining": refused.remaining}]
    reminders = [start.model_dump(mode="json") for start in started]
    logger.info("coupon reminders", extra={"campaigns": reminders})
    return reminders
