"""The push worker: SQS batches of campaign recipients become LINE sends, with partial batch responses."""

from __future__ import annotations

import random
import threading

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.domain.campaigns import SendBatch
from daifuku.domain.push_worker import AcceptedPushes, PushWorker, RetryLater
from daifuku.domain.scenarios import is_scenario_step_batch
from daifuku.settings import SendQueueSettings, settings_as
from daifuku.tracing import function_tracer
from daifuku.wiring import Wiring, current_wiring
from functions.segment_send.scenario_steps import deliver_steps

logger = Logger(service="segment_send")
tracer = function_tracer("segment_send")
metrics = Metrics(namespace="Daifuku", service="segment_send")
# A throttled batch comes back after 2, 4, 8… seconds (plus jitter), well before the queue's
# visibility timeout; after the queue's maxReceiveCount it goes to the DLQ.
MAX_BACKOFF_SECONDS = 60


# The worker of this execution environment. Lambda runs one invocation per environment at a time, so
# per thread is per environment; the local stack's concurrent invocations are threads, and each then
# paces itself as a separate environment would.
_environment = threading.local()
# The pushes LINE accepted here, for the retries of throttled batches (shared by the local threads:
# whichever environment a retry reaches, what LINE accepted stays accepted).
_accepted_pushes = AcceptedPushes()


def push_worker() -> PushWorker:
    worker: PushWorker | None = getattr(_environment, "worker", None)
    if worker is None:
        # Its own wiring (its own table resource): the local stack's threads are environments here.
        wiring = current_wiring()
        worker = _environment.worker = new_push_worker(
            wiring.sibling(settings_as(wiring.settings, SendQueueSettings))
        )
    return worker


def new_push_worker(wiring: Wiring) -> PushWorker:
    return PushWorker(
        records=wiring.table.campaigns(),
        line=wiring.paced_line(wiring.line(timeout_seconds=5)),
        timezone=wiring.timezone,
        clock=wiring.clock,
        conversations=wiring.table.conversations(),
        tracked_links=wiring.table.tracked_links,
        link_codes=wiring.link_codes,
        accepted=_accepted_pushes,
    )


def fresh_cap(worker: PushWorker) -> PushWorker:
    """The worker with the shop's frequency cap as it is now (its rules are read once per batch)."""
    worker.cap = current_wiring().table.frequency_cap()
    return worker


@tracer.capture_method
def deliver(record: SQSRecord) -> None:
    if is_scenario_step_batch(record.body):
        deliver_scenario_steps(record)
        return
    batch = SendBatch.model_validate_json(record.body)
    try:
        outcomes = fresh_cap(push_worker()).deliver(batch)
    except RetryLater as later:
        retry_later(record)
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


def retry_later(record: SQSRecord) -> None:
    """Bring the message back after a backoff that grows with its receive count."""
    attempt = int(record.attributes.approximate_receive_count or 1)
    backoff = min(MAX_BACKOFF_SECONDS, 2**attempt) + random.randint(0, 2)
    current_wiring().send_queue.retry_later(record.receipt_handle, backoff)


def deliver_scenario_steps(record: SQSRecord) -> None:
    """Due scenario steps (the scenario schedule puts them on the same queue)."""
    try:
        counts = deliver_steps(record.body)
    except RetryLater as later:
        retry_later(record)
        logger.info("scenario steps retried later", extra={"reason": str(later)})
        raise
    logger.info("scenario steps delivered", extra=counts)


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    # A processor per invocation: it keeps the batch's successes and failures, and the local stack
    # runs several invocations of this module at once (on Lambda a container runs one at a time).
    processor = BatchProcessor(event_type=EventType.SQS)
    return process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)
