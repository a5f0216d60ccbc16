"""Connect: the queue of outgoing events and forwarded webhook requests, its DLQ, and the delivery
function (`functions/connect_delivery`) that POSTs them to the owner's other systems."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Duration
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs
from constructs import Construct

from infra.connect_queue_policy import (
    CONNECT_BATCH_SIZE,
    CONNECT_DELIVERY_TIMEOUT_SECONDS,
    CONNECT_MAX_CONCURRENCY,
    CONNECT_MAX_RECEIVE_COUNT,
    CONNECT_VISIBILITY_TIMEOUT_SECONDS,
)
from infra.constructs.daifuku_function import DaifukuFunction
from infra.queue_polling_grants import allow_switching


class ConnectDelivery(Construct):
    """The connect queue and DLQ, and the delivery worker with its retry backoff."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        layer: lambda_.ILayerVersion,
        settings: Mapping[str, str],
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
            visibility_timeout=Duration.seconds(CONNECT_VISIBILITY_TIMEOUT_SECONDS),
            dead_letter_queue=sqs.DeadLetterQueue(
                queue=self.dead_letter_queue, max_receive_count=CONNECT_MAX_RECEIVE_COUNT
            ),
        )
        self.worker = DaifukuFunction(
            self,
            "DeliveryWorker",
            name="connect_delivery",
            description="Daifuku: outgoing events and forwarded webhooks, POSTed to the shop's other systems",
            layer=layer,
            settings=settings,
            timeout=Duration.seconds(CONNECT_DELIVERY_TIMEOUT_SECONDS),
        )
        # The worker sets a failed message's visibility timeout itself (its backoff).
        self.worker.add_environment({"connect_queue_url": self.queue.queue_url})
        self.queue.grant_consume_messages(self.worker.function)
        # Switched on by whoever enqueues (and while webhooks are forwarded), off by the minute schedule.
        self.event_source = event_sources.SqsEventSource(
            self.queue,
            batch_size=CONNECT_BATCH_SIZE,
            max_concurrency=CONNECT_MAX_CONCURRENCY,
            report_batch_item_failures=True,
        )
        self.worker.function.add_event_source(self.event_source)

    def allow_sending(self, function: DaifukuFunction) -> None:
        """Let `function` put events or forwarded webhooks on the queue and start the worker's polling
        of it, and tell it where the queue is."""
        self.queue.grant_send_messages(function.function)
        function.add_environment({"connect_queue_url": self.queue.queue_url})
        allow_switching(function, self.event_source, self.queue, "connect_queue_polling_id")

    def allow_settling(self, function: DaifukuFunction) -> None:
        """Let the minute schedule switch the polling off once the queue is empty (and read whether
        webhooks are forwarded, from the table)."""
        function.add_environment({"connect_queue_url": self.queue.queue_url})
        allow_switching(function, self.event_source, self.queue, "connect_queue_polling_id", settles=True)
