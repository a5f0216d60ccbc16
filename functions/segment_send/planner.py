"""The campaign planner: a campaign's one-time schedule fires, and its batches go on the send queue."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.domain.ab_tests import TooFewRecipients
from daifuku.domain.campaign_planning import start_campaign
from daifuku.domain.campaigns import QuotaWouldBeExceeded
from daifuku.models.schedule_events import CampaignStartTrigger
from daifuku.settings import SendQueueSettings, current_settings
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring

logger = Logger(service="campaign_planner")
tracer = function_tracer("campaign_planner")
metrics = Metrics(namespace="Daifuku", service="campaign_planner")


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    current_settings(SendQueueSettings)  # refuses to start without the send queue
    wiring = current_wiring()
    trigger = CampaignStartTrigger.model_validate(event)
    records = wiring.table.campaigns()
    try:
        started = start_campaign(
            trigger.campaign_id, records, wiring.line(), wiring.send_queue, wiring.clock()
        )
    except (QuotaWouldBeExceeded, TooFewRecipients) as refused:
        logger.warning("campaign refused", extra={"campaign_id": trigger.campaign_id, "reason": str(refused)})
        return {"campaign_id": trigger.campaign_id, "status": "failed", "reason": str(refused)}
    logger.info(
        "campaign started", extra=started.model_dump(mode="json") | {"items_read": records.items_read}
    )
    return started.model_dump(mode="json") | {"items_read": records.items_read}
