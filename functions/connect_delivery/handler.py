"""The connect delivery worker: each SQS message is one outgoing event for one endpoint, or one webhook
request to pass on to the shop's other LINE tool. A receiver that fails or does not answer in time gets
the message again after a backoff; after the queue's maxReceiveCount it waits in the DLQ."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.adapters.outgoing_http import UrllibPoster
from daifuku.domain.connect_delivery import (
    CONNECT_MESSAGE,
    ConnectDeliverer,
    DeliverLater,
    DeliveryDropped,
    retry_delay_seconds,
)
from daifuku.settings import ConnectQueueSettings, settings_as
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring

logger = Logger(service="connect_delivery")
tracer = function_tracer("connect_delivery")
metrics = Metrics(namespace="Daifuku", service="connect_delivery")


@tracer.capture_method
def deliver(record: SQSRecord) -> None:
    wiring = current_wiring()
    settings = settings_as(wiring.settings, ConnectQueueSettings)
    message = CONNECT_MESSAGE.validate_json(record.body)
    attempt = int(record.attributes.approximate_receive_count or 1)
    # The real clock, not the wiring's: the signed timestamp is checked against the receiver's clock.
    deliverer = ConnectDeliverer(UrllibPoster(), wiring.table.connect)
    try:
        outcome = deliverer.deliver(message, attempt)
    except DeliveryDropped:
        logger.info("connect message dropped: its endpoint was removed", extra={"kind": message.kind})
        return
    except DeliverLater as later:
        backoff = retry_delay_seconds(
            attempt, settings.connect_retry_base_seconds, settings.connect_retry_max_seconds
        )
        queue = wiring.connect_queue
        assert queue is not None  # ConnectQueueSettings: the queue's URL is set
        queue.retry_later(record.receipt_handle, backoff)
        logger.info(
            "connect message retried later",
            extra={"kind": message.kind, "attempt": attempt, "backoff": backoff, "reason": str(later)},
        )
        raise
    logger.info(
        "connect message delivered",
        extra={"kind": message.kind, "target": outcome.target, "attempt": attempt, "status": outcome.status},
    )


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    # A failed delivery is an answer (its message comes back after its backoff), not a failed invocation.
    processor = BatchProcessor(event_type=EventType.SQS, raise_on_entire_batch_failure=False)
    return process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)
