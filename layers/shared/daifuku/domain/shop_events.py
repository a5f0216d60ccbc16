"""Outgoing events: what happened in the shop, told to the owner's other systems (a POS, an EC site).

A `ShopEvent` is raised at the point where the thing happened, through the `ShopEventEmitter` port the
service object holds (one line per emission point); the adapter (adapters/connect_queue.py) puts one
message per subscribed endpoint on the connect queue, and the delivery function POSTs it, signed, with
retries. Personal fields travel only to endpoints whose scope allows them.

Signature: `X-Daifuku-Signature: v1=<hex HMAC-SHA256(secret, "<timestamp>." + body)>`, with the
timestamp (Unix seconds) in `X-Daifuku-Timestamp`; a receiver recomputes it over the raw body and
refuses a timestamp more than a few minutes old (a replay).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import uuid
from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field

from daifuku.domain.errors import InvalidOutgoingUrl

SIGNATURE_HEADER = "X-Daifuku-Signature"
TIMESTAMP_HEADER = "X-Daifuku-Timestamp"
EVENT_TYPE_HEADER = "X-Daifuku-Event"
EVENT_ID_HEADER = "X-Daifuku-Event-Id"
SIGNATURE_VERSION = "v1"


class ShopEventType(StrEnum):
    MEMBER_REGISTERED = "member.registered"
    MEMBER_DELETED = "member.deleted"
    VISIT_RECORDED = "visit.recorded"
    POINTS_CHANGED = "points.changed"
    COUPON_REDEEMED = "coupon.redeemed"
    FRIEND_BLOCKED = "friend.blocked"


class ShopEvent(BaseModel):
    """One thing that happened: `data` goes to every subscribed endpoint, `personal` (name, phone,
    birthday, LINE name) only to an endpoint whose scope includes personal fields."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    id: str = Field(default_factory=lambda: uuid.uuid4().hex)
    type: ShopEventType
    occurred_at: datetime
    user_id: str
    member_no: str | None = None
    data: dict[str, Any] = Field(default_factory=dict)
    personal: dict[str, Any] = Field(default_factory=dict)

    def payload(self, *, include_personal: bool) -> bytes:
        """The JSON body an endpoint receives."""
        body: dict[str, Any] = {
            "id": self.id,
            "type": self.type.value,
            "occurred_at": self.occurred_at.isoformat(),
            "member": {"user_id": self.user_id, "member_no": self.member_no},
            "data": self.data,
        }
        if include_personal:
            body["member"] |= self.personal
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()


class ShopEventEmitter(Protocol):
    def emit(self, event: ShopEvent) -> None:
        """Hand the event to every endpoint that subscribed to its type (never raises)."""


class NoShopEvents:
    """The emitter of a service wired without outgoing events (tests, the operator CLI)."""

    def emit(self, event: ShopEvent) -> None:
        return None


NO_SHOP_EVENTS = NoShopEvents()


# Endpoints


class EventEndpoint(BaseModel):
    """Where the owner wants events sent: a https URL, the event types, whether personal fields go too,
    and the signing secret (shown to the owner once, when the endpoint is created)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    endpoint_id: str
    name: str
    url: str
    events: tuple[ShopEventType, ...]
    include_personal: bool = False
    secret: str
    created_at: datetime
    created_by: str

    def wants(self, event_type: ShopEventType) -> bool:
        return event_type in self.events


def new_endpoint_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def new_endpoint_id() -> str:
    return uuid.uuid4().hex[:16]


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The signature header's value over `<timestamp>.<body>`."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"{SIGNATURE_VERSION}={digest}"


def signed_headers(event: ShopEvent, secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: signature(secret, timestamp, body),
        EVENT_TYPE_HEADER: event.type.value,
        EVENT_ID_HEADER: event.id,
    }


def signature_is_valid(secret: str, headers: Mapping[str, str], body: bytes) -> bool:
    """What a receiver checks (and the tests): the signature over the timestamp header and the body."""
    lowered = {k.lower(): v for k, v in headers.items()}
    try:
        timestamp = int(lowered.get(TIMESTAMP_HEADER.lower(), ""))
    except ValueError:
        return False
    expected = signature(secret, timestamp, body)
    return hmac.compare_digest(expected, lowered.get(SIGNATURE_HEADER.lower(), ""))


# Outgoing URLs (event endpoints and the webhook forwarding)

LOOPBACK_HOSTS = frozenset({"127.0.0.1", "localhost", "::1"})


def check_outgoing_url(url: str, own_hosts: frozenset[str], *, allow_loopback_http: bool = False) -> str:
    """The URL as given when Daifuku may POST to it: https (http only to this machine in the local
    stack), a host, and not Daifuku's own API (a loop). InvalidOutgoingUrl naming the reason else."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    if not host:
        raise InvalidOutgoingUrl("no_host")
    if parts.scheme != "https" and not (
        allow_loopback_http and parts.scheme == "http" and host in LOOPBACK_HOSTS
    ):
        raise InvalidOutgoingUrl("not_https")
    if parts.username or parts.password:
        raise InvalidOutgoingUrl("credentials_in_url")
    netloc = parts.netloc.lower()
    if host in own_hosts or netloc in own_hosts:
        raise InvalidOutgoingUrl("points_at_daifuku")
    return url.strip()


# Events as raised at their emission points


def member_registered(user_id: str, member_no: str, at: datetime, personal: Mapping[str, Any]) -> ShopEvent:
    return ShopEvent(
        type=ShopEventType.MEMBER_REGISTERED,
        occurred_at=at,
        user_id=user_id,
        member_no=member_no,
        personal=dict(personal),
    )


def member_deleted(user_id: str, member_no: str | None, at: datetime) -> ShopEvent:
    return ShopEvent(type=ShopEventType.MEMBER_DELETED, occurred_at=at, user_id=user_id, member_no=member_no)


def visit_recorded(
    user_id: str, member_no: str | None, at: datetime, visit_id: str, amount_yen: int | None, points: int
) -> ShopEvent:
    return ShopEvent(
        type=ShopEventType.VISIT_RECORDED,
        occurred_at=at,
        user_id=user_id,
        member_no=member_no,
        data={"visit_id": visit_id, "amount_yen": amount_yen, "points_added": points},
    )


def points_changed(
    user_id: str, member_no: str | None, at: datetime, entry_id: str, delta: int, balance: int | None
) -> ShopEvent:
    return ShopEvent(
        type=ShopEventType.POINTS_CHANGED,
        occurred_at=at,
        user_id=user_id,
        member_no=member_no,
        data={"entry_id": entry_id, "delta": delta, "balance": balance},
    )


def coupon_redeemed(user_id: str, member_no: str | None, at: datetime, coupon_id: str) -> ShopEvent:
    return ShopEvent(
        type=ShopEventType.COUPON_REDEEMED,
        occurred_at=at,
        user_id=user_id,
        member_no=member_no,
        data={"coupon_id": coupon_id},
    )


def friend_blocked(user_id: str, at: datetime) -> ShopEvent:
    return ShopEvent(type=ShopEventType.FRIEND_BLOCKED, occurred_at=at, user_id=user_id)
