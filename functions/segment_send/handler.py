"""The push worker: SQS batches of campaign recipients become LINE sends, with partial batch responses."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.utilities.batch import BatchProcessor, EventType, process_partial_response
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.models.send_job import SendJob

logger = Logger(service="segment_send")
tracer = Tracer(service="segment_send")
metrics = Metrics(namespace="Daifuku", service="segment_send")
processor = BatchProcessor(event_type=EventType.SQS)


def deliver(record: SQSRecord) -> None:
    job = SendJob.model_validate_json(record.body)
    logger.info("send job received", extra={"campaign_id": job.campaign_id, "recipients": len(job.user_ids)})


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(event=event, record_handler=deliver, processor=processor, context=context)
