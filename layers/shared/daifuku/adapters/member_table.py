"""The DynamoDB member table: friends, members, staff and webhook-event markers (see table_keys)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from daifuku.adapters.table_keys import SHOP_KEY, member_key, webhook_event_key
from daifuku.domain.friend_ledger import FollowRecorded, FriendProfile
from daifuku.models.member import Member, MembershipStatus
from daifuku.models.shop import ShopConfig

# LINE redelivers a failed webhook for a limited time; a processed event id is kept well past that.
WEBHOOK_EVENT_RETENTION = timedelta(days=7)
# An event being processed longer than this is taken to have crashed, and a redelivery may retry it.
WEBHOOK_EVENT_LEASE = timedelta(minutes=2)


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


class MemberTable:
    """Reads and writes of the member table, with DynamoDB's conditions turned into domain answers."""

    def __init__(self, table_name: str, resource: Any = None):
        self._table_name = table_name
        self._resource = resource
        self._table: Any = None

    @property
    def table(self) -> Any:
        if self._table is None:
            if self._resource is None:
                import boto3

                self._resource = boto3.resource("dynamodb")
            self._table = self._resource.Table(self._table_name)
        return self._table

    @property
    def _conditional_check_failed(self) -> type[Exception]:
        exception: type[Exception] = self.table.meta.client.exceptions.ConditionalCheckFailedException
        return exception

    # Shop

    def load_shop_config(self) -> ShopConfig:
        item = self.table.get_item(Key=SHOP_KEY).get("Item")
        return ShopConfig.model_validate(item.get("config", {})) if item else ShopConfig()

    def save_shop_config(self, config: ShopConfig) -> None:
        self.table.put_item(Item={**SHOP_KEY, "config": config.model_dump(mode="json")})

    # Webhook events

    def claim_webhook_event(self, webhook_event_id: str, now: datetime) -> bool:
        """True for the first claim of an event id; False while it is processed or once it is done."""
        try:
            self.table.put_item(
                Item={
                    **webhook_event_key(webhook_event_id),
                    "state": "processing",
                    "lease_until": _iso(now + WEBHOOK_EVENT_LEASE),
                    "expires_at": _epoch(now + WEBHOOK_EVENT_RETENTION),
                },
                ConditionExpression=(
                    "attribute_not_exists(pk) OR (#state = :processing AND lease_until < :now)"
                ),
                ExpressionAttributeNames={"#state": "state"},
                ExpressionAttributeValues={":processing": "processing", ":now": _iso(now)},
            )
        except self._conditional_check_failed:
            return False
        return True

    def complete_webhook_event(self, webhook_event_id: str, outcome: str) -> None:
        self.table.update_item(
            Key=webhook_event_key(webhook_event_id),
            UpdateExpression="SET #state = :done, outcome = :outcome REMOVE lease_until",
            ExpressionAttributeNames={"#state": "state"},
            ExpressionAttributeValues={":done": "done", ":outcome": outcome},
        )

    def release_webhook_event(self, webhook_event_id: str) -> None:
        """Forget a claim whose processing failed, so that LINE's redelivery is processed."""
        self.table.delete_item(Key=webhook_event_key(webhook_event_id))

    # Friends

    def find_member(self, user_id: str) -> Member | None:
        item = self.table.get_item(Key=member_key(user_id), ConsistentRead=True).get("Item")
        return Member.model_validate(item) if item else None

    def record_follow(
        self, user_id: str, profile: FriendProfile | None, at: datetime, event_ms: int
    ) -> FollowRecorded | None:
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":user_id": user_id,
            ":at": _iso(at),
            ":ms": event_ms,
            ":false": False,
            ":friend": MembershipStatus.FRIEND.value,
        }
        assignments = [
            "user_id = :user_id",
            "followed_at = :at",
            "first_followed_at = if_not_exists(first_followed_at, :at)",
            "blocked = :false",
            "follow_state_ms = :ms",
            "#status = if_not_exists(#status, :friend)",
        ]
        if profile is None:
            assignments.append("profile_pending = :true")
            values[":true"] = True
        else:
            assignments.append("profile_pending = :false")
            assignments += self._profile_assignments(profile, values)
        try:
            updated = self.table.update_item(
                Key=member_key(user_id),
                UpdateExpression="SET " + ", ".join(assignments) + " REMOVE blocked_at",
                ConditionExpression="attribute_not_exists(follow_state_ms) OR follow_state_ms < :ms",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self._conditional_check_failed:
            return None
        member = Member.model_validate(updated)
        return FollowRecorded(member=member, is_first_follow=updated["first_followed_at"] == _iso(at))

    def record_unfollow(self, user_id: str, at: datetime, event_ms: int) -> bool:
        try:
            self.table.update_item(
                Key=member_key(user_id),
                UpdateExpression=(
                    "SET user_id = :user_id, blocked = :true, blocked_at = :at, follow_state_ms = :ms, "
                    "#status = if_not_exists(#status, :friend)"
                ),
                ConditionExpression="attribute_not_exists(follow_state_ms) OR follow_state_ms < :ms",
                ExpressionAttributeNames={"#status": "status"},
                ExpressionAttributeValues={
                    ":user_id": user_id,
                    ":true": True,
                    ":at": _iso(at),
                    ":ms": event_ms,
                    ":friend": MembershipStatus.FRIEND.value,
                },
            )
        except self._conditional_check_failed:
            return False
        return True

    def record_interaction(self, user_id: str, at: datetime, kind: str, text: str | None) -> Member | None:
        """Remember the latest interaction on the user's record; the message itself goes in its own item."""
        updated = self.table.update_item(
            Key=member_key(user_id),
            UpdateExpression=(
                "SET user_id = :user_id, last_interaction_at = :at, last_interaction_kind = :kind, "
                "#status = if_not_exists(#status, :friend)"
            ),
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":user_id": user_id,
                ":at": _iso(at),
                ":kind": kind,
                ":friend": MembershipStatus.FRIEND.value,
            },
            ReturnValues="ALL_NEW",
        )["Attributes"]
        interaction: dict[str, Any] = {"pk": f"USER#{user_id}", "sk": f"INTERACTION#{_iso(at)}", "kind": kind}
        if text is not None:
            interaction["text"] = text
        self.table.put_item(Item=interaction)
        return Member.model_validate(updated)

    def update_profile(self, user_id: str, profile: FriendProfile) -> None:
        values: dict[str, Any] = {":false": False}
        assignments = ["profile_pending = :false", *self._profile_assignments(profile, values)]
        self.table.update_item(
            Key=member_key(user_id),
            UpdateExpression="SET " + ", ".join(assignments),
            ExpressionAttributeValues=values,
        )

    # Staff

    def staff_user_ids(self) -> list[str]:
        items = self.table.query(
            KeyConditionExpression="pk = :staff",
            ExpressionAttributeValues={":staff": "STAFF"},
        )["Items"]
        return [item["sk"] for item in items]

    def add_staff(self, user_id: str, role: str) -> None:
        self.table.put_item(Item={"pk": "STAFF", "sk": user_id, "role": role})

    def take_staff_alert_allowance(self, minute: str, limit: int) -> bool:
        try:
            self.table.update_item(
                Key={"pk": f"STAFF_ALERTS#{minute}", "sk": "COUNT"},
                UpdateExpression="ADD sent :one SET expires_at = :expires",
                ConditionExpression="attribute_not_exists(sent) OR sent < :limit",
                ExpressionAttributeValues={
                    ":one": 1,
                    ":limit": limit,
                    ":expires": _epoch(datetime.now(UTC) + timedelta(days=1)),
                },
            )
        except self._conditional_check_failed:
            return False
        return True

    @staticmethod
    def _profile_assignments(profile: FriendProfile, values: dict[str, Any]) -> list[str]:
        fields = {
            "display_name": profile.display_name,
            "picture_url": profile.picture_url,
            "status_message": profile.status_message,
            "language": profile.language,
        }
        assignments = []
        for name, value in fields.items():
            values[f":{name}"] = value
            assignments.append(f"{name} = :{name}")
        return assignments
