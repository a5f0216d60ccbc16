"""The campaign planner: a campaign's one-time schedule fires, and its batches go on the send queue."""

from __future__ import annotations

from datetime import UTC, datetime

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.adapters.campaign_table import CampaignTable
from daifuku.adapters.line_api import LineMessagingClient
from daifuku.adapters.line_credentials import load_line_credentials
from daifuku.adapters.member_table import MemberTable
from daifuku.adapters.send_queue import SendQueue
from daifuku.domain.campaign_planning import start_campaign
from daifuku.domain.campaigns import QuotaWouldBeExceeded
from daifuku.models.schedule_events import CampaignStartTrigger
from daifuku.settings import current_settings

logger = Logger(service="campaign_planner")
tracer = Tracer(service="campaign_planner")
metrics = Metrics(namespace="Daifuku", service="campaign_planner")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    settings = current_settings()
    trigger = CampaignStartTrigger.model_validate(event)
    credentials = load_line_credentials(settings.line_secret_id)
    line = LineMessagingClient.for_channel(credentials.channel_access_token, settings)
    assert settings.send_queue_url, "DAIFUKU_SEND_QUEUE_URL is not set"
    records = CampaignTable(MemberTable(settings.table_name).table)
    try:
        started = start_campaign(
            trigger.campaign_id, records, line, SendQueue(settings.send_queue_url), datetime.now(UTC)
        )
    except QuotaWouldBeExceeded as refused:
        logger.warning("campaign refused", extra={"campaign_id": trigger.campaign_id, "reason": str(refused)})
        return {"campaign_id": trigger.campaign_id, "status": "failed", "reason": str(refused)}
    logger.info(
        "campaign started", extra=started.model_dump(mode="json") | {"items_read": records.items_read}
    )
    return started.model_dump(mode="json") | {"items_read": records.items_read}
