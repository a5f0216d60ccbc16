"""The owner's side of connecting the shop: the webhook forwarding and the outgoing-event endpoints
(設定 → 連携), and their delivery logs.

Pure domain behind the `ConnectSettingsStore` port (adapters/dynamodb/connect.py).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from daifuku.clock import system_clock
from daifuku.domain.connect_delivery import DeliveryAttempt
from daifuku.domain.errors import EventEndpointNotFound, TooManyEventEndpoints
from daifuku.domain.shop_events import (
    EventEndpoint,
    check_outgoing_url,
    new_endpoint_id,
    new_endpoint_secret,
)
from daifuku.models.connect import MAX_EVENT_ENDPOINTS, EventEndpointRequest, ForwardingRequest

DELIVERY_LOG_LENGTH = 50


class Forwarding(BaseModel):
    """Where LINE's webhook requests are passed on (None: nowhere), and whether Daifuku stays silent."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    url: str | None = None
    silent: bool = False


class ConnectSettingsStore(Protocol):
    def forwarding(self) -> Forwarding: ...

    def save_forwarding(self, forwarding: Forwarding) -> None: ...

    def event_endpoints(self) -> list[EventEndpoint]: ...

    def add_event_endpoint(self, endpoint: EventEndpoint) -> None: ...

    def remove_event_endpoint(self, endpoint_id: str) -> bool:
        """False when there was no such endpoint."""

    def delivery_attempts(self, target: str, limit: int) -> list[DeliveryAttempt]:
        """The latest attempts first."""


@dataclass
class ConnectDesk:
    store: ConnectSettingsStore
    own_hosts: frozenset[str]  # Daifuku's own API: never a target (a loop)
    allow_loopback_http: bool = False  # the local stack's test receivers
    clock: Callable[[], datetime] = field(default=system_clock)

    def set_forwarding(self, request: ForwardingRequest) -> Forwarding:
        url = request.url.strip() if request.url else None
        if url:
            url = check_outgoing_url(url, self.own_hosts, allow_loopback_http=self.allow_loopback_http)
        forwarding = Forwarding(url=url or None, silent=request.silent)
        self.store.save_forwarding(forwarding)
        return forwarding

    def add_endpoint(self, owner: str, request: EventEndpointRequest) -> EventEndpoint:
        """The new endpoint, with its secret: the only time the secret is shown."""
        url = check_outgoing_url(request.url, self.own_hosts, allow_loopback_http=self.allow_loopback_http)
        if len(self.store.event_endpoints()) >= MAX_EVENT_ENDPOINTS:
            raise TooManyEventEndpoints
        endpoint = EventEndpoint(
            endpoint_id=new_endpoint_id(),
            name=request.name,
            url=url,
            events=tuple(dict.fromkeys(request.events)),
            include_personal=request.include_personal,
            secret=new_endpoint_secret(),
            created_at=self.clock(),
            created_by=owner,
        )
        self.store.add_event_endpoint(endpoint)
        return endpoint

    def remove_endpoint(self, endpoint_id: str) -> None:
        if not self.store.remove_event_endpoint(endpoint_id):
            raise EventEndpointNotFound(endpoint_id)

    def deliveries(self, target: str) -> list[DeliveryAttempt]:
        """`target`: an endpoint's id or "forwarding"."""
        return self.store.delivery_attempts(target, DELIVERY_LOG_LENGTH)
