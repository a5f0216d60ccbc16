"""The push worker: SQS batches of campaign recipients become LINE sends, with partial batch responses."""

from __future__ import annotations

import random
import threading
from functools import cache
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.adapters.campaign_table import CampaignTable
from daifuku.adapters.line_api import LineMessagingClient
from daifuku.adapters.line_credentials import load_line_credentials
from daifuku.adapters.send_queue import SendQueue
from daifuku.domain.campaigns import SendBatch
from daifuku.domain.push_worker import PushWorker, RetryLater
from daifuku.domain.send_pacing import PacedLineSender
from daifuku.settings import current_settings

logger = Logger(service="segment_send")
tracer = Tracer(service="segment_send")
metrics = Metrics(namespace="Daifuku", service="segment_send")
# A throttled batch comes back after 2, 4, 8… seconds (plus jitter), well before the queue's
# visibility timeout; after the queue's maxReceiveCount it goes to the DLQ.
MAX_BACKOFF_SECONDS = 60


# The worker of this execution environment. Lambda runs one invocation per environment at a time, so
# per thread is per environment; the local stack's concurrent invocations are threads, and each then
# paces itself as a separate environment would.
_environment = threading.local()


def push_worker() -> PushWorker:
    worker: PushWorker | None = getattr(_environment, "worker", None)
    if worker is None:
        worker = _environment.worker = new_push_worker()
    return worker


def new_push_worker() -> PushWorker:
    import boto3

    settings = current_settings()
    credentials = load_line_credentials(settings.line_secret_id)
    line = LineMessagingClient.for_channel(credentials.channel_access_token, settings, timeout_seconds=5)
    paced = PacedLineSender.sharing(
        line,
        push_per_second=settings.send_push_per_second,
        multicast_per_second=settings.send_multicast_per_second,
        workers=settings.send_max_concurrency,
    )
    table = boto3.resource("dynamodb").Table(settings.table_name)
    return PushWorker(records=CampaignTable(table), line=paced, timezone=ZoneInfo(settings.shop_timezone))


@cache
def send_queue() -> SendQueue:
    queue_url = current_settings().send_queue_url
    assert queue_url, "DAIFUKU_SEND_QUEUE_URL is not set"
    return SendQueue(queue_url)


@tracer.capture_method
def deliver(record: SQSRecord) -> None:
    batch = SendBatch.model_validate_json(record.body)
    try:
        outcomes = push_worker().deliver(batch)
    except RetryLater as later:
        attempt = int(record.attributes.approximate_receive_count or 1)
        backoff = min(MAX_BACKOFF_SECONDS, 2**attempt) + random.randint(0, 2)
        send_queue().retry_later(record.receipt_handle, backoff)
        logger.info(
            "send batch retried later",
            extra={"campaign_id": batch.campaign_id, "batch_no": batch.batch_no, "reason": str(later)},
        )
        raise
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome.value] = counts.get(outcome.value, 0) + 1
    logger.info(
        "send batch delivered", extra={"campaign_id": batch.campaign_id, "batch_no": batch.batch_no, **counts}
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    # A processor per invocation: it keeps the batch's successes and failures, and the local stack
    # runs several invocations of this module at once (on Lambda a container runs one at a time).
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)
