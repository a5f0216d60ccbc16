"""The monthly birth-month campaign, started by an EventBridge Scheduler schedule."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.adapters.campaign_table import CampaignTable
from daifuku.adapters.line_api import LineMessagingClient
from daifuku.adapters.line_credentials import load_line_credentials
from daifuku.adapters.member_table import MemberTable
from daifuku.adapters.send_queue import SendQueue
from daifuku.domain.birth_month import birth_month_campaign_period, start_birth_month_campaign
from daifuku.domain.campaigns import QuotaWouldBeExceeded
from daifuku.models.schedule_events import BirthMonthTrigger
from daifuku.settings import current_settings

logger = Logger(service="birthday_scheduler")
tracer = Tracer(service="birthday_scheduler")
metrics = Metrics(namespace="Daifuku", service="birthday_scheduler")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    settings = current_settings()
    trigger = BirthMonthTrigger.model_validate(event)
    period = birth_month_campaign_period(trigger.fired_at, settings.shop_timezone)
    members = MemberTable(settings.table_name)
    credentials = load_line_credentials(settings.line_secret_id)
    line = LineMessagingClient(
        credentials.channel_access_token.get_secret_value(),
        settings.line_api_endpoint,
        settings.line_data_api_endpoint,
    )
    assert settings.send_queue_url, "DAIFUKU_SEND_QUEUE_URL is not set"
    try:
        plan = start_birth_month_campaign(
            period,
            members.load_shop_config(),
            CampaignTable(members.table),
            line,
            SendQueue(settings.send_queue_url),
            datetime.now(UTC),
        )
    except QuotaWouldBeExceeded as refused:
        logger.warning("birth-month campaign refused", extra={"year_month": period, "reason": str(refused)})
        return {
            "year_month": period,
            "status": "refused",
            "needed": refused.needed,
            "remaining": refused.remaining,
        }
    if plan is None:
        logger.info("birth-month campaign already started", extra={"year_month": period})
        return {"year_month": period, "status": "already_started"}
    logger.info(
        "birth-month campaign started",
        extra={"year_month": period, "recipients": len(plan.recipients), "batches": len(plan.batches)},
    )
    return {"year_month": period, "status": "sending", "recipients": len(plan.recipients)}
