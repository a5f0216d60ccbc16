"""Outgoing events onto the connect queue (adapters/sqs_queue.py): one message per subscribed endpoint,
for the delivery function (functions/connect_delivery)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from daifuku.domain.connect_delivery import EventDelivery, WebhookForward
from daifuku.domain.shop_events import EventEndpoint, ShopEvent

if TYPE_CHECKING:
    from daifuku.adapters.sqs_queue import SqsQueue

log = logging.getLogger("daifuku.connect")


class QueuedShopEvents:
    """The ShopEventEmitter of the functions: one message per endpoint that subscribed to the event.

    Emitting never fails the change it reports (that change is already written): a queue that refuses
    is logged as an error, with the event's id and type (never its fields) for the operator."""

    def __init__(self, endpoints: Callable[[], list[EventEndpoint]], queue: SqsQueue):
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
