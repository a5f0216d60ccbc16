"""Friends and the webhook's events: follows, blocks, interactions, each recorded with its event id
in one transaction (a redelivered event changes nothing), and the new-friend alerts' allowance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from daifuku.adapters.dynamodb.conversations import incoming_message_writes
from daifuku.adapters.dynamodb.keys import (
    member_key,
    staff_alerts_key,
    utc,
    webhook_event_key,
)
from daifuku.adapters.dynamodb.stats import StatsRepository
from daifuku.adapters.dynamodb.table import TableGateway, codes, update_request
from daifuku.domain.friend_records import (
    DayCounts,
    EventClaim,
    FriendProfile,
    FriendRecord,
    ReceivedMessage,
    Write,
)
from daifuku.models.member import Member, MembershipStatus

# LINE redelivers a failed webhook for a limited time; a processed event id is kept well past that.
WEBHOOK_EVENT_RETENTION = timedelta(days=7)


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


@dataclass(frozen=True)
class FriendRepository:
    """What the webhook writes about a LINE user; the dashboard's counts go through `stats`."""

    _gateway: TableGateway
    _stats: StatsRepository

    def read_friend(self, user_id: str) -> FriendRecord | None:
        item = self._gateway.get(member_key(user_id))
        if item is None:
            return None
        state_ms = item.get("follow_state_ms")
        return FriendRecord(Member.model_validate(item), int(state_ms) if state_ms is not None else None)

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
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":user_id": user_id,
            ":at": utc(at),
            ":ms": event_ms,
            ":false": False,
            ":unblocked": is_unblocked,
            ":friend": MembershipStatus.FRIEND.value,
        }
        assignments = [
            "user_id = :user_id",
            "followed_at = :at",
            "first_followed_at = if_not_exists(first_followed_at, :at)",
            "blocked = :false",
            "is_unblocked = :unblocked",
            "follow_state_ms = :ms",
            "#status = if_not_exists(#status, :friend)",
        ]
        if profile is None:
            assignments.append("profile_pending = :true")
            values[":true"] = True
        else:
            assignments.append("profile_pending = :false")
            assignments += _profile_assignments(profile, values, names)
        # The follow's answer (welcome, menu, alert) was chosen from what was read: still so, or CONFLICT.
        conditions = ["attribute_not_exists(follow_state_ms)", "attribute_not_exists(member_no)"]
        if seen is not None:
            if seen.follow_state_ms is not None:
                conditions[0] = "follow_state_ms = :seen_state_ms"
                values[":seen_state_ms"] = seen.follow_state_ms
            if seen.member.member_no is not None:
                conditions[1] = "member_no = :seen_no"
                values[":seen_no"] = seen.member.member_no
            # A record without a status reads as a friend (the model's default).
            values[":seen_status"] = seen.member.status.value
            conditions.append(
                "(#status = :seen_status OR attribute_not_exists(#status))"
                if seen.member.status is MembershipStatus.FRIEND
                else "#status = :seen_status"
            )
        update = update_request(
            member_key(user_id),
            "SET " + ", ".join(assignments) + " REMOVE blocked_at",
            " AND ".join(conditions),
            names,
            values,
        )
        written = self._apply_claimed(claim, [{"Update": update}])
        if written is Write.APPLIED:
            self._stats.add_counts(counts)
        # The record is no longer the one read: the domain reads it again.
        return Write.CONFLICT if written is Write.STALE else written

    def record_unfollow(
        self, claim: EventClaim, user_id: str, at: datetime, event_ms: int, counts: DayCounts
    ) -> Write:
        update = update_request(
            member_key(user_id),
            "SET user_id = :user_id, blocked = :true, blocked_at = :at, "
            "follow_state_ms = :ms, #status = if_not_exists(#status, :friend)",
            # A tie (the same millisecond) is applied: the later delivered of the two wins (FriendLedger).
            "attribute_not_exists(follow_state_ms) OR follow_state_ms <= :ms",
            {"#status": "status"},
            {
                ":user_id": user_id,
                ":true": True,
                ":at": utc(at),
                ":ms": event_ms,
                ":friend": MembershipStatus.FRIEND.value,
            },
        )
        written = self._apply_claimed(claim, [{"Update": update}])
        if written is Write.APPLIED:
            self._stats.add_counts(counts)
        return written

    def record_interaction(
        self,
        claim: EventClaim,
        user_id: str,
        at: datetime,
        message: ReceivedMessage,
        profile: FriendProfile | None,
        unless_profile_pending: bool,
    ) -> Write:
        """The latest interaction on the user's record; the message goes in its conversation (its own
        item, and the conversation's summary)."""
        kind = message.kind
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":user_id": user_id,
            ":at": utc(at),
            ":kind": kind,
            ":friend": MembershipStatus.FRIEND.value,
        }
        assignments = [
            "user_id = :user_id",
            "last_interaction_at = :at",
            "last_interaction_kind = :kind",
            "#status = if_not_exists(#status, :friend)",
        ]
        if profile is not None:
            values[":false"] = False
            assignments += ["profile_pending = :false", *_profile_assignments(profile, values, names)]
        condition = None
        if unless_profile_pending:
            condition = "attribute_not_exists(profile_pending) OR profile_pending = :no"
            values[":no"] = False
        member_update = update_request(
            member_key(user_id), "SET " + ", ".join(assignments), condition, names, values
        )
        conversation = incoming_message_writes(user_id, at, claim.webhook_event_id, message)
        written = self._apply_claimed(claim, [{"Update": member_update}, *conversation])
        return Write.PROFILE_PENDING if written is Write.STALE else written

    def take_staff_alert_allowance(self, minute: str, limit: int) -> bool:
        return self._gateway.update(
            staff_alerts_key(minute),
            "ADD sent :one SET expires_at = :expires",
            condition="attribute_not_exists(sent) OR sent < :limit",
            values={
                ":one": 1,
                ":limit": limit,
                ":expires": _epoch(datetime.now(UTC) + timedelta(days=1)),
            },
        )

    # Each write of an event records its id in the same transaction

    def _apply_claimed(self, claim: EventClaim, writes: list[dict[str, Any]]) -> Write:
        """The claim and `writes` in one transaction: APPLIED, DUPLICATE when the event was processed,
        else STALE when a write's condition failed, CONFLICT when another transaction held an item."""
        reasons = self._gateway.transact([_claim(claim), *writes])
        if reasons is None:
            return Write.APPLIED
        found = codes(reasons)
        if found[0] == "ConditionalCheckFailed":
            return Write.DUPLICATE
        if "ConditionalCheckFailed" in found:
            return Write.STALE
        return Write.CONFLICT


def _claim(claim: EventClaim) -> dict[str, Any]:
    """The Put that records an event as processed; its condition fails once it was (a `processing`
    state with a lapsed lease is a claim left by the releases before claims were transactional)."""
    return {
        "Put": {
            "Item": {
                **webhook_event_key(claim.webhook_event_id),
                "state": "done",
                "expires_at": _epoch(claim.now + WEBHOOK_EVENT_RETENTION),
            },
            "ConditionExpression": (
                "attribute_not_exists(pk) OR (#state = :processing AND lease_until < :now)"
            ),
            "ExpressionAttributeNames": {"#state": "state"},
            "ExpressionAttributeValues": {":processing": "processing", ":now": utc(claim.now)},
        }
    }


def _profile_assignments(profile: FriendProfile, values: dict[str, Any], names: dict[str, str]) -> list[str]:
    fields = {
        "display_name": profile.display_name,
        "picture_url": profile.picture_url,
        "status_message": profile.status_message,
        "language": profile.language,
    }
    # Written through placeholders: `language` is a DynamoDB reserved word.
    assignments = []
    for name, value in fields.items():
        values[f":{name}"] = value
        names[f"#{name}"] = name
        assignments.append(f"#{name} = :{name}")
    return assignments
