"""The SQS connect queue: outgoing events (one message per endpoint) and forwarded webhook requests, for
the delivery function (functions/connect_delivery)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from daifuku.domain.connect_delivery import EventDelivery, WebhookForward
from daifuku.domain.shop_events import EventEndpoint, ShopEvent

if TYPE_CHECKING:
    from daifuku.adapters.queue_polling import QueuePolling

log = logging.getLogger("daifuku.connect")


class ConnectQueue:
    def __init__(
        self, queue_url: str, session: Any = None, client: Any = None, polling: QueuePolling | None = None
    ):
        self._queue_url = queue_url
        self._session = session
        self._client = client
        self._polling = polling  # started after each enqueue

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = (self._session or boto3).client("sqs")
        return self._client

    def enqueue(self, messages: list[EventDelivery | WebhookForward]) -> None:
        for start in range(0, len(messages), 10):
            chunk = messages[start : start + 10]
            answer = self.client.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(n), "MessageBody": m.model_dump_json()} for n, m in enumerate(chunk)],
            )
            if answer.get("Failed"):
                raise RuntimeError(f"SQS refused {len(answer['Failed'])} connect messages")
        if messages and self._polling is not None:
            self._polling.start()

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """Bring a message back after `seconds` (its backoff) rather than the queue's visibility timeout."""
        self.client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )


class QueuedShopEvents:
    """The ShopEventEmitter of the functions: one message per endpoint that subscribed to the event.

    Emitting never fails the change it reports (that change is already written): a queue that refuses
    is logged as an error, with the event's id and type (never its fields) for the operator."""

    def __init__(self, endpoints: Callable[[], list[EventEndpoint]], queue: ConnectQueue):
        self._endpoints = endpoints
        self._queue = queue

    def emit(self, event: ShopEvent) -> None:
        try:
            messages: list[EventDelivery | WebhookForward] = [
                EventDelivery(endpoint_id=endpoint.endpoint_id, event=event)
                for endpoint in self._endpoints()
                if endpoint.wants(event.type)
            ]
            if messages:
                self._queue.enqueue(messages)
        except Exception:
            log.exception("outgoing event not queued", extra={"event_id": event.id, "event_type": event.type})
