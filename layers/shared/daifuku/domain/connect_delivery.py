"""The connect queue's messages and their delivery: outgoing events to the owner's endpoints, and LINE's
webhook requests passed on to the shop's other LINE tool.

One message per endpoint and event (or per forwarded webhook request), so a slow or failing receiver
holds back only its own messages. A failed POST raises `DeliverLater`: the message comes back after a
backoff (`retry_delay_seconds`), and after the queue's maxReceiveCount it waits in the DLQ. Every attempt
is written to the target's delivery log, which the owner reads in 設定.

Pure domain: HTTP and the table come in through the ports below (functions/connect_delivery wires them).
"""

from __future__ import annotations

import base64
import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Annotated, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from daifuku.clock import system_clock
from daifuku.domain.shop_events import EventEndpoint, ShopEvent, signed_headers

# The receiver's answer is waited for this long: a slow receiver delays only its own message.
DELIVERY_TIMEOUT_SECONDS = 5
FORWARDING_TARGET = "forwarding"  # the delivery log of the webhook forwarding
LINE_SIGNATURE_HEADER = "X-Line-Signature"


class EventDelivery(BaseModel):
    """One event for one endpoint. The endpoint (URL, secret, scope) is read when it is delivered, so
    the secret never sits in the queue and a removed endpoint receives nothing more."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: Literal["event"] = "event"
    endpoint_id: str
    event: ShopEvent


class WebhookForward(BaseModel):
    """One webhook request LINE sent, to pass on unchanged: the body's bytes and LINE's signature."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: Literal["forward"] = "forward"
    forward_id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    url: str
    body_base64: str
    line_signature: str | None
    received_at: datetime

    @classmethod
    def of(cls, url: str, body: bytes, line_signature: str | None, received_at: datetime) -> WebhookForward:
        return cls(
            url=url,
            body_base64=base64.b64encode(body).decode(),
            line_signature=line_signature,
            received_at=received_at,
        )

    @property
    def body(self) -> bytes:
        return base64.b64decode(self.body_base64)


ConnectMessage = Annotated[EventDelivery | WebhookForward, Field(discriminator="kind")]
CONNECT_MESSAGE: TypeAdapter[EventDelivery | WebhookForward] = TypeAdapter(ConnectMessage)


class DeliveryAttempt(BaseModel):
    """One POST, as the owner sees it in the delivery log (no body: it may hold personal fields)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    target: str  # an endpoint id, or FORWARDING_TARGET
    message_id: str  # the event id, or the forwarded request's id
    what: str  # the event type, or "webhook"
    attempt: int
    at: datetime
    status: int  # the receiver's HTTP status; 0 when it did not answer in time
    delivered: bool
    error: str | None = None


class HttpPoster(Protocol):
    def post(self, url: str, body: bytes, headers: dict[str, str], timeout_seconds: float) -> int:
        """The receiver's HTTP status; 0 when it did not answer (timeout, refused, TLS)."""


class ConnectRecords(Protocol):
    def event_endpoint(self, endpoint_id: str) -> EventEndpoint | None: ...

    def record_delivery_attempt(self, attempt: DeliveryAttempt) -> None: ...


class DeliverLater(Exception):
    """The receiver did not take the message: try again after a backoff."""


class DeliveryDropped(Exception):
    """Nothing to deliver any more (the endpoint was removed): the message is done."""


def retry_delay_seconds(attempt: int, base_seconds: float, max_seconds: float) -> int:
    """base, 2×base, 4×base… up to max, with up to a tenth more of jitter, so that the messages that
    failed together do not all come back together."""
    delay = min(max_seconds, base_seconds * 2 ** max(0, attempt - 1))
    return max(1, round(delay + random.uniform(0, delay / 10)))


@dataclass
class ConnectDeliverer:
    http: HttpPoster
    records: ConnectRecords
    clock: Callable[[], datetime] = field(default=system_clock)

    def deliver(self, message: EventDelivery | WebhookForward, attempt: int) -> DeliveryAttempt:
        """POST the message once; DeliverLater when the receiver did not answer with a 2xx."""
        if isinstance(message, EventDelivery):
            endpoint = self.records.event_endpoint(message.endpoint_id)
            if endpoint is None:
                raise DeliveryDropped(message.endpoint_id)
            event = message.event
            body = event.payload(include_personal=endpoint.include_personal)
            timestamp = int(self._now().timestamp())
            headers = signed_headers(event, endpoint.secret, timestamp, body)
            url, target, message_id, what = endpoint.url, endpoint.endpoint_id, event.id, event.type.value
        else:
            body = message.body
            headers = {"Content-Type": "application/json; charset=utf-8"}
            if message.line_signature is not None:
                headers[LINE_SIGNATURE_HEADER] = message.line_signature
            url, target, message_id, what = message.url, FORWARDING_TARGET, message.forward_id, "webhook"
        status = self.http.post(url, body, headers, DELIVERY_TIMEOUT_SECONDS)
        delivered = 200 <= status < 300
        outcome = DeliveryAttempt(
            target=target,
            message_id=message_id,
            what=what,
            attempt=attempt,
            at=self._now(),
            status=status,
            delivered=delivered,
            error=None if delivered else ("no answer" if status == 0 else f"HTTP {status}"),
        )
        self.records.record_delivery_attempt(outcome)
        if not delivered:
            raise DeliverLater(outcome.error)
        return outcome

    def _now(self) -> datetime:
        return self.clock()
