"""The send pipeline: planners put SendJobs on a queue, the push worker sends them at a bounded rate."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.constructs.daifuku_function import DaifukuFunction
from infra.queue_polling_grants import allow_switching
from infra.send_queue_policy import (
    PUSH_WORKER_TIMEOUT_SECONDS,
    SEND_BATCH_SIZE,
    SEND_MAX_RECEIVE_COUNT,
    SEND_VISIBILITY_TIMEOUT_SECONDS,
)

MAX_RECEIVE_COUNT = SEND_MAX_RECEIVE_COUNT
WORKER_TIMEOUT = Duration.seconds(PUSH_WORKER_TIMEOUT_SECONDS)
VISIBILITY_TIMEOUT = Duration.seconds(SEND_VISIBILITY_TIMEOUT_SECONDS)
BATCH_SIZE = SEND_BATCH_SIZE


class SendPipeline(Construct):
    """The send queue, its dead-letter queue, and the push worker (`functions/segment_send`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        layer: lambda_.ILayerVersion,
        settings: Mapping[str, str],
        max_concurrency: int,
        push_per_second: float,
        multicast_per_second: float,
    ):
        super().__init__(scope, construct_id)
        self.dead_letter_queue = sqs.Queue(
            self,
            "DeadLetterQueue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            retention_period=Duration.days(14),
        )
        self.queue = sqs.Queue(
            self,
            "Queue",
            encryption=sqs.QueueEncryption.SQS_MANAGED,
            enforce_ssl=True,
            visibility_timeout=VISIBILITY_TIMEOUT,
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=MAX_RECEIVE_COUNT
            ),
        )
        self.worker = DaifukuFunction(
            self,
            "PushWorker",
            name="segment_send",
            description="Daifuku push worker: send jobs from the queue become LINE pushes and multicasts",
            layer=layer,
            settings=settings,
            timeout=WORKER_TIMEOUT,
        )
        # The worker shortens a throttled message's visibility timeout itself (backoff with jitter).
        self.worker.add_environment({"send_queue_url": self.queue.queue_url})
        # Each worker keeps to rate / max_concurrency, so all of them together keep to the rate.
        self.worker.add_environment(
            {
                "send_max_concurrency": str(max_concurrency),
                "send_push_per_second": str(push_per_second),
                "send_multicast_per_second": str(multicast_per_second),
            }
        )
        # max_concurrency bounds the workers running at once, and with them the rate of LINE API calls.
        # Switched on by whoever enqueues and off by the minute schedule once the queue is empty.
        self.event_source = event_sources.SqsEventSource(
            self.queue,
            batch_size=BATCH_SIZE,
            max_concurrency=max_concurrency,
            report_batch_item_failures=True,
        )
        self.worker.function.add_event_source(self.event_source)

    def allow_planning(self, planner: DaifukuFunction, *, settles_polling: bool = False) -> None:
        """Let `planner` put send jobs on the queue and start the worker's polling of it, and tell it
        where the queue is; with `settles_polling` (the minute schedule), also switch the polling off."""
        self.queue.grant_send_messages(planner.function)
        planner.add_environment({"send_queue_url": self.queue.queue_url})
        allow_switching(
            planner, self.event_source, self.queue, "send_queue_polling_id", settles=settles_polling
        )
