"""The friend ledger's records and ports: what the ledger reads and writes about a LINE user
(adapters.dynamodb.friends), and the outside parts a webhook event reaches (LINE, staff, campaigns,
conversations). domain.friend_ledger applies the events through them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum
from typing import Any, Protocol

from daifuku.models.member import Member


@dataclass(frozen=True)
class FriendProfile:
    display_name: str
    picture_url: str | None
    status_message: str | None
    language: str | None


@dataclass(frozen=True)
class EventClaim:
    """The webhook event a write applies: the write records it as processed in the same transaction,
    and does nothing when it already was (LINE redelivers, and may send the same body twice)."""

    webhook_event_id: str
    now: datetime


@dataclass(frozen=True)
class ReceivedMessage:
    """A customer's message or postback as its conversation keeps it (adapters.dynamodb.conversations)."""

    kind: str  # message:<type> or postback: the member's last interaction kind
    text: str | None
    line_message_id: str | None = None
    mark_as_read_token: str | None = None
    sticker: tuple[str, str] | None = None  # (package id, sticker id)
    keep_until: datetime | None = None  # when the message expires (the shop's retention)

    @property
    def asks_for_reply(self) -> bool:
        """A message counts as unread and waiting for the shop; a button's postback does not."""
        return self.kind.startswith("message:")


class Write(StrEnum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"  # the event was applied before: nothing written
    STALE = "stale"  # a later follow/unfollow of this user was applied: nothing written
    PROFILE_PENDING = "profile_pending"  # the friend's profile is still to be fetched: nothing written
    CONFLICT = "conflict"  # the user's record changed since it was read, or another write held it


@dataclass(frozen=True)
class DayCounts:
    """What an event adds to the dashboard's counters: the shop's day's counts and the running totals."""

    day: date
    daily: dict[str, int]
    totals: dict[str, int]


@dataclass(frozen=True)
class FriendRecord:
    member: Member
    follow_state_ms: int | None  # the timestamp of the last follow/unfollow applied


class FriendRepository(Protocol):
    def read_friend(self, user_id: str) -> FriendRecord | None: ...

    def record_follow(
        self,
        claim: EventClaim,
        user_id: str,
        profile: FriendProfile | None,
        at: datetime,
        event_ms: int,
        is_unblocked: bool,
        seen: FriendRecord | None,
        counts: DayCounts,
    ) -> Write:
        """Mark followed (and whether LINE says it is an unblock) and add `counts`, if the record is
        still as read (`seen`: its last follow/unfollow, member number and status; None: no record
        with a follow or a member number); else CONFLICT."""

    def record_unfollow(
        self, claim: EventClaim, user_id: str, at: datetime, event_ms: int, counts: DayCounts
    ) -> Write:
        """Mark blocked, keeping all data, and add `counts`; STALE when a later follow/unfollow was
        already applied."""

    def record_interaction(
        self,
        claim: EventClaim,
        user_id: str,
        at: datetime,
        message: ReceivedMessage,
        profile: FriendProfile | None,
        unless_profile_pending: bool,
    ) -> Write:
        """The latest interaction on the user's record and the message in its conversation, and the
        profile when given. PROFILE_PENDING (nothing written) when `unless_profile_pending` and the
        record still waits for the profile."""

    def take_staff_alert_allowance(self, minute: str, limit: int) -> bool:
        """True while fewer than `limit` alerts went out in `minute`."""


class StaffDirectory(Protocol):
    def staff_user_ids(self) -> list[str]:
        """Who hears of new friends (adapters.dynamodb.staff)."""


class CustomerConversations(Protocol):
    """The conversations' side of the webhook (domain.auto_replies.AutoResponder)."""

    def keep_until(self, at: datetime) -> datetime: ...

    def answer(
        self,
        user_id: str,
        reply_token: str | None,
        at: datetime,
        *,
        text: str | None,
        postback_data: str | None,
        image: tuple[str, str] | None = None,
    ) -> list[str]:
        """Answer by the owner's auto-reply rules (or not at all); notes for the log. `text` is None
        for a message that is not a text (an image, a sticker) and for a postback; `image` is a
        photo's (message key, LINE message id)."""

    def record_sent(self, user_id: str, messages: list[dict[str, Any]], sent_by: str, label: str) -> None: ...


class BlockAttribution(Protocol):
    def attribute_block(self, user_id: str, blocked_at: datetime) -> list[str]:
        """Count the block against the campaigns the user received in the 7 days before it."""


class LineGateway(Protocol):
    def get_profile(self, user_id: str) -> Any: ...

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> Any: ...

    def multicast(
        self, to: list[str], messages: list[dict[str, Any]], retry_key: str | None = None
    ) -> Any: ...

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None: ...
