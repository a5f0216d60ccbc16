"""The birth-month campaign: the monthly run and the daily catch-up, started by EventBridge Scheduler.

Both schedules invoke this function; the schedule's `source` names the run (`RUNS`, one dispatch
table). The daily catch-up run also sends the coupon expiry reminders (domain.coupon_reminders)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.adapters.dynamodb.campaigns import CampaignRepository
from daifuku.domain.birth_month import (
    birth_month_campaign_period,
    start_birth_month_campaign,
    start_birth_month_catch_up,
)
from daifuku.domain.campaign_planning import CampaignStart
from daifuku.domain.campaigns import QuotaWouldBeExceeded
from daifuku.domain.coupon_reminders import remind_expiring_coupons
from daifuku.domain.member_numbers import complete_stale_reservations
from daifuku.models.schedule_events import BirthMonthTrigger
from daifuku.models.shop import ShopConfig
from daifuku.settings import SendQueueSettings, current_settings
from daifuku.tracing import function_tracer
from daifuku.wiring import Wiring, current_wiring

logger = Logger(service="birthday_scheduler")
tracer = function_tracer("birthday_scheduler")
metrics = Metrics(namespace="Daifuku", service="birthday_scheduler")


@dataclass(frozen=True)
class RunContext:
    wiring: Wiring
    records: CampaignRepository
    period: str
    shop: ShopConfig
    now: datetime


def start_monthly(run: RunContext) -> CampaignStart | None:
    """The 1st of the month: the month's campaign to every member born in it."""
    wiring = run.wiring
    return start_birth_month_campaign(
        run.period, run.shop, run.records, wiring.line(), wiring.send_queue, run.now
    )


def start_catch_up(run: RunContext) -> CampaignStart | None:
    """Every day: the members who registered since the last run."""
    wiring = run.wiring
    return start_birth_month_catch_up(
        run.period,
        run.shop,
        run.records,
        wiring.line(),
        wiring.send_queue,
        run.now,
        wiring.settings.shop_timezone,
    )


@dataclass(frozen=True)
class ScheduledRun:
    name: str
    start: Callable[[RunContext], CampaignStart | None]
    sends_coupon_reminders: bool = False


# The schedule's `source` → its run; an invocation without a known source is the monthly run.
MONTHLY = ScheduledRun("monthly", start_monthly)
RUNS = {
    "birth-month-schedule": MONTHLY,
    "birth-month-catch-up": ScheduledRun("catch_up", start_catch_up, sends_coupon_reminders=True),
}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    settings = current_settings(SendQueueSettings)  # refuses to start without the send queue
    wiring = current_wiring()
    trigger = BirthMonthTrigger.model_validate(event)
    period = birth_month_campaign_period(trigger.fired_at, settings.shop_timezone)
    scheduled = RUNS.get(str(event.get("source")), MONTHLY)
    run = RunContext(
        wiring,
        wiring.table.campaigns(),
        period,
        wiring.table.shop_config.load_shop_config(),
        wiring.clock(),
    )
    reminders: list[dict] = []
    if scheduled.sends_coupon_reminders:
        reminders = send_coupon_reminders(trigger.fired_at.astimezone(wiring.timezone).date(), run)
        # The daily run is also the repair of member numbers whose writer died after reserving them.
        repaired = complete_stale_reservations(wiring.table.members, run.shop.member_number_format, run.now)
        if repaired:
            logger.warning("member numbers completed by the repair", extra={"count": len(repaired)})
    try:
        started = scheduled.start(run)
    except QuotaWouldBeExceeded as refused:
        logger.warning("birth-month campaign refused", extra={"year_month": period, "reason": str(refused)})
        return {
            "year_month": period,
            "run": scheduled.name,
            "status": "refused",
            "needed": refused.needed,
            "remaining": refused.remaining,
            "coupon_reminders": reminders,
        }
    if started is None:
        return {
            "year_month": period,
            "run": scheduled.name,
            "status": "nothing_to_do",
            "coupon_reminders": reminders,
        }
    result = {
        "year_month": period,
        "run": scheduled.name,
        "items_read": run.records.items_read,
        "coupon_reminders": reminders,
    } | started.model_dump(mode="json")
    if started.reason == "already started":
        result["status"] = "already_started"
    logger.info("birth-month campaign", extra=result)
    return result


def send_coupon_reminders(today: date, run: RunContext) -> list[dict]:
    """Today's expiry reminders; refused over the quota (logged) without stopping the birth-month run."""
    wiring = run.wiring
    try:
        started = remind_expiring_coupons(
            today, run.shop, wiring.table.coupons, run.records, wiring.line(), wiring.send_queue, run.now
        )
    except QuotaWouldBeExceeded as refused:
        logger.warning("coupon reminders refused", extra={"reason": str(refused)})
        return [{"status": "refused", "needed": refused.needed, "remaining": refused.remaining}]
    reminders = [start.model_dump(mode="json") for start in started]
    logger.info("coupon reminders", extra={"campaigns": reminders})
    return reminders
