"""The DynamoDB member table: friends, members, staff and webhook-event markers (see table_keys)."""

from __future__ import annotations

import contextlib
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

from daifuku.adapters.campaign_table import CampaignTable
from daifuku.adapters.table_keys import (
    COUPON_SK_PREFIX,
    DAILY_COUNTERS,
    MEMBER_NUMBER_COUNTER_ATTRIBUTE,
    MEMBER_NUMBER_COUNTER_KEY,
    MEMBER_SK,
    SHOP_KEY,
    TOTAL_COUNTERS,
    TOTALS_KEY,
    daily_stats_key,
    legacy_member_key,
    legacy_phone_partition,
    member_key,
    member_number_key,
    staff_key,
    user_partition,
    webhook_event_key,
)
from daifuku.domain.friend_ledger import DayCounts, EventClaim, FriendProfile, FriendRecord, Write
from daifuku.domain.member_numbers import IssueAttempt, IssueOutcome, NumberIssue
from daifuku.domain.registration import RegisteredProfile
from daifuku.models.member import Member, MembershipStatus
from daifuku.models.membership import Coupon, LegacyMember, MembershipRecord
from daifuku.models.shop import ShopConfig

# LINE redelivers a failed webhook for a limited time; a processed event id is kept well past that.
WEBHOOK_EVENT_RETENTION = timedelta(days=7)


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

    # Webhook events: each write of an event records its id in the same transaction

    def _claim(self, claim: EventClaim) -> dict[str, Any]:
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
                "ExpressionAttributeValues": {":processing": "processing", ":now": _iso(claim.now)},
            }
        }

    def _apply_claimed(self, claim: EventClaim, writes: list[dict[str, Any]]) -> Write:
        """The claim and `writes` in one transaction: APPLIED, DUPLICATE when the event was processed,
        else STALE when a write's condition failed, CONFLICT when another transaction held an item."""
        reasons = self._transact([self._claim(claim), *writes])
        if reasons is None:
            return Write.APPLIED
        codes = [reason.get("Code") for reason in reasons]
        if codes[0] == "ConditionalCheckFailed":
            return Write.DUPLICATE
        if "ConditionalCheckFailed" in codes:
            return Write.STALE
        return Write.CONFLICT

    # Friends

    def find_member(self, user_id: str) -> Member | None:
        item = self.table.get_item(Key=member_key(user_id), ConsistentRead=True).get("Item")
        return Member.model_validate(item) if item else None

    def read_friend(self, user_id: str) -> FriendRecord | None:
        item = self.table.get_item(Key=member_key(user_id), ConsistentRead=True).get("Item")
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
            ":at": _iso(at),
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
            assignments += self._profile_assignments(profile, values, names)
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
        condition = " AND ".join(conditions)
        written = self._apply_claimed(
            claim,
            [
                {
                    "Update": {
                        "Key": member_key(user_id),
                        "UpdateExpression": "SET " + ", ".join(assignments) + " REMOVE blocked_at",
                        "ConditionExpression": condition,
                        "ExpressionAttributeNames": names,
                        "ExpressionAttributeValues": values,
                    }
                },
            ],
        )
        if written is Write.APPLIED:
            self._add_counts(counts)
        # The record is no longer the one read: the domain reads it again.
        return Write.CONFLICT if written is Write.STALE else written

    def record_unfollow(
        self, claim: EventClaim, user_id: str, at: datetime, event_ms: int, counts: DayCounts
    ) -> Write:
        written = self._apply_claimed(
            claim,
            [
                {
                    "Update": {
                        "Key": member_key(user_id),
                        "UpdateExpression": (
                            "SET user_id = :user_id, blocked = :true, blocked_at = :at, "
                            "follow_state_ms = :ms, #status = if_not_exists(#status, :friend)"
                        ),
                        "ConditionExpression": (
                            "attribute_not_exists(follow_state_ms) OR follow_state_ms < :ms"
                        ),
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":user_id": user_id,
                            ":true": True,
                            ":at": _iso(at),
                            ":ms": event_ms,
                            ":friend": MembershipStatus.FRIEND.value,
                        },
                    }
                },
            ],
        )
        if written is Write.APPLIED:
            self._add_counts(counts)
        return written

    def _add_counts(self, counts: DayCounts) -> None:
        """The dashboard's counts of an applied follow or block, after its transaction rather than in it:
        every follow in a burst adds to the same two counter items, and in the event's transaction
        they would make concurrent follows conflict and fail. A crash in between loses one count."""
        client = self.table.meta.client
        for update in self._count_updates(counts.day, counts.daily, counts.totals):
            for attempt in range(3):
                try:
                    self.table.update_item(**update["Update"])
                    break
                except client.exceptions.TransactionConflictException:
                    # A registration's counting transaction holds the item for a moment.
                    time.sleep(0.02 * (attempt + 1))

    def attribute_block(self, user_id: str, blocked_at: datetime) -> list[str]:
        return CampaignTable(self.table).attribute_block(user_id, blocked_at)

    def record_interaction(
        self,
        claim: EventClaim,
        user_id: str,
        at: datetime,
        kind: str,
        text: str | None,
        profile: FriendProfile | None,
        unless_profile_pending: bool,
    ) -> Write:
        """The latest interaction on the user's record; the message itself goes in its own item."""
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":user_id": user_id,
            ":at": _iso(at),
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
            assignments += ["profile_pending = :false", *self._profile_assignments(profile, values, names)]
        member_update: dict[str, Any] = {
            "Key": member_key(user_id),
            "UpdateExpression": "SET " + ", ".join(assignments),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }
        if unless_profile_pending:
            member_update["ConditionExpression"] = (
                "attribute_not_exists(profile_pending) OR profile_pending = :no"
            )
            values[":no"] = False
        interaction: dict[str, Any] = {
            "pk": user_partition(user_id),
            "sk": f"INTERACTION#{_iso(at)}",
            "kind": kind,
        }
        if text is not None:
            interaction["text"] = text
        written = self._apply_claimed(claim, [{"Update": member_update}, {"Put": {"Item": interaction}}])
        return Write.PROFILE_PENDING if written is Write.STALE else written

    # Staff

    def staff_user_ids(self) -> list[str]:
        items = self.table.query(
            KeyConditionExpression="pk = :staff",
            ExpressionAttributeValues={":staff": "STAFF"},
        )["Items"]
        return [item["sk"] for item in items]

    def count_registration(self, user_id: str, registered_at: datetime, day: date) -> bool:
        """One more registration on `day` and one more member, together with marking the member item
        counted; only for the write that registered the member at `registered_at`, so repeated,
        concurrent and later re-submitted registrations count nothing more."""
        guard = {
            "Key": member_key(user_id),
            "UpdateExpression": "SET registration_counted = :true",
            "ConditionExpression": "attribute_not_exists(registration_counted) AND registered_at = :at",
            "ExpressionAttributeValues": {":true": True, ":at": _iso(registered_at)},
        }
        return self._count_once(guard, day, {"registrations": 1}, {"members": 1})

    def count_member_deletion(self, user_id: str, day: date) -> bool:
        """One member fewer, once, when a registered member deletes their data."""
        guard = {
            "Key": member_key(user_id),
            "UpdateExpression": "SET deletion_counted = :true",
            "ConditionExpression": "#status = :registered AND attribute_not_exists(deletion_counted)",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":true": True, ":registered": MembershipStatus.REGISTERED.value},
        }
        return self._count_once(guard, day, {}, {"members": -1})

    def _count_once(
        self, guard: dict[str, Any], day: date, daily: dict[str, int], totals: dict[str, int]
    ) -> bool:
        transaction: list[dict[str, Any]] = [{"Update": guard}, *self._count_updates(day, daily, totals)]
        # Counted already, or it kept conflicting: a dashboard count is not worth failing the customer for.
        return self._transact(transaction, conflict_attempts=5) is None

    def user_ids_with_status(self, statuses: set[MembershipStatus]) -> list[str]:
        """Every member in one of these states: a scan, for operator commands (never on a request path)."""
        user_ids: list[str] = []
        scan: dict[str, Any] = {
            "FilterExpression": "sk = :member AND #status IN ("
            + ", ".join(f":s{i}" for i in range(len(statuses)))
            + ")",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {
                ":member": MEMBER_SK,
                **{f":s{i}": status.value for i, status in enumerate(sorted(statuses))},
            },
            "ProjectionExpression": "user_id",
        }
        while True:
            page = self.table.scan(**scan)
            user_ids.extend(str(item["user_id"]) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return user_ids
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    @staticmethod
    def _count_updates(day: date, daily: dict[str, int], totals: dict[str, int]) -> list[dict[str, Any]]:
        """The atomic ADDs to the day's item and to the running totals, as transaction entries."""
        if not (set(daily) <= DAILY_COUNTERS and set(totals) <= TOTAL_COUNTERS):
            raise ValueError(f"unknown counters: {sorted(set(daily) | set(totals))}")
        return [
            {
                "Update": {
                    "Key": key,
                    "UpdateExpression": "ADD " + ", ".join(f"#{name} :{name}" for name in counts),
                    "ExpressionAttributeNames": {f"#{name}": name for name in counts},
                    "ExpressionAttributeValues": {f":{name}": value for name, value in counts.items()},
                }
            }
            for key, counts in ((daily_stats_key(day), daily), (TOTALS_KEY, totals))
            if counts
        ]

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
    def _profile_assignments(
        profile: FriendProfile, values: dict[str, Any], names: dict[str, str]
    ) -> list[str]:
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

    # Membership: numbers, registration, coupons, legacy claims, deletion (the member card)

    def find_membership(self, user_id: str) -> MembershipRecord | None:
        item = self.table.get_item(Key=member_key(user_id), ConsistentRead=True).get("Item")
        return MembershipRecord.model_validate(item) if item else None

    def read_member_number_counter(self) -> int | None:
        item = self.table.get_item(Key=MEMBER_NUMBER_COUNTER_KEY, ConsistentRead=True).get("Item")
        value = item.get(MEMBER_NUMBER_COUNTER_ATTRIBUTE) if item else None
        return int(value) if value is not None else None

    def try_issue_member_number(self, issue: NumberIssue) -> IssueAttempt:
        """Counter, number and member in one transaction (see domain.member_numbers)."""
        at = _iso(issue.at)
        if issue.expected_counter is None:
            counter_condition = "attribute_not_exists(#last)"
            counter_values: dict[str, Any] = {":sequence": issue.sequence}
        else:
            counter_condition = "#last = :expected"
            counter_values = {":sequence": issue.sequence, ":expected": issue.expected_counter}
        names = {"#status": "status"}
        values: dict[str, Any] = {
            ":user_id": issue.user_id,
            ":member_no": issue.member_no,
            ":status": issue.status.value,
            ":at": at,
            ":deleted": MembershipStatus.DELETED.value,
        }
        assignments = [
            "user_id = :user_id",
            "member_no = :member_no",
            "#status = :status",
            "member_since = :at",
        ]
        removals = ["deleted_at"]
        if issue.profile is not None:
            profile_set, profile_remove = self._registration_assignments(issue.profile, names, values)
            assignments += [*profile_set, "registered_at = :at"]
            removals += profile_remove
        transaction = [
            {
                "Update": {
                    "Key": MEMBER_NUMBER_COUNTER_KEY,
                    "UpdateExpression": "SET #last = :sequence",
                    "ConditionExpression": counter_condition,
                    "ExpressionAttributeNames": {"#last": MEMBER_NUMBER_COUNTER_ATTRIBUTE},
                    "ExpressionAttributeValues": counter_values,
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Put": {
                    "Item": {
                        **member_number_key(issue.member_no),
                        "member_no": issue.member_no,
                        "user_id": issue.user_id,
                        "status": "active",
                        "issued_at": at,
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "Key": member_key(issue.user_id),
                    "UpdateExpression": f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
                    "ConditionExpression": "attribute_not_exists(member_no) OR #status = :deleted",
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            },
        ]
        reasons = self._transact(transaction)
        if reasons is None:
            return IssueAttempt(IssueOutcome.ISSUED)
        counter_reason, number_reason, member_reason = reasons
        if member_reason.get("Code") == "ConditionalCheckFailed":
            return IssueAttempt(IssueOutcome.ALREADY_NUMBERED)
        if counter_reason.get("Code") == "ConditionalCheckFailed":
            # Items in cancellation reasons stay in DynamoDB's typed JSON: {"N": "41"}.
            seen = counter_reason.get("Item", {}).get(MEMBER_NUMBER_COUNTER_ATTRIBUTE, {}).get("N")
            return IssueAttempt(IssueOutcome.COUNTER_MOVED, int(seen) if seen is not None else None)
        if number_reason.get("Code") == "ConditionalCheckFailed":
            return IssueAttempt(IssueOutcome.NUMBER_TAKEN)
        # TransactionConflict: another transaction held one of the items; same as a moved counter.
        return IssueAttempt(IssueOutcome.COUNTER_MOVED)

    def save_registration(self, user_id: str, profile: RegisteredProfile, at: datetime) -> bool:
        values: dict[str, Any] = {
            ":registered": MembershipStatus.REGISTERED.value,
            ":deleted": MembershipStatus.DELETED.value,
            ":at": _iso(at),
        }
        names = {"#status": "status"}
        assignments, removals = self._registration_assignments(profile, names, values)
        assignments += [
            "#status = :registered",
            "registered_at = if_not_exists(registered_at, :at)",
            "profile_updated_at = :at",
        ]
        expression = f"SET {', '.join(assignments)}" + (f" REMOVE {', '.join(removals)}" if removals else "")
        try:
            self.table.update_item(
                Key=member_key(user_id),
                UpdateExpression=expression,
                ConditionExpression="attribute_exists(member_no) AND #status <> :deleted",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self._conditional_check_failed:
            return False
        return True

    def find_legacy_members(self, phone: str) -> list[LegacyMember]:
        items = self.table.query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": legacy_phone_partition(phone)},
            ConsistentRead=True,
        )["Items"]
        return [LegacyMember.model_validate(item) for item in items]

    def claim_legacy_number(
        self,
        user_id: str,
        legacy: LegacyMember,
        profile: RegisteredProfile,
        replacing_member_no: str | None,
        at: datetime,
    ) -> bool:
        values: dict[str, Any] = {
            ":user_id": user_id,
            ":member_no": legacy.member_no,
            ":registered": MembershipStatus.REGISTERED.value,
            ":at": _iso(at),
        }
        names = {"#status": "status"}
        assignments, removals = self._registration_assignments(profile, names, values)
        assignments += [
            "user_id = :user_id",
            "member_no = :member_no",
            "#status = :registered",
            "member_since = :at",
            "registered_at = :at",
            "legacy_claimed_at = :at",
        ]
        removals.append("deleted_at")
        if replacing_member_no is None:
            member_condition = "attribute_not_exists(member_no) OR #status = :deleted"
            values[":deleted"] = MembershipStatus.DELETED.value
        else:
            member_condition = "member_no = :replacing AND #status = :guest"
            values[":replacing"] = replacing_member_no
            values[":guest"] = MembershipStatus.GUEST.value
        transaction: list[dict[str, Any]] = [
            {
                # The imported record held the phone and birthdate only to prove the claim: it goes.
                "Delete": {
                    "Key": legacy_member_key(legacy.phone, legacy.member_no),
                    "ConditionExpression": "attribute_exists(pk) AND birthdate = :birthdate",
                    "ExpressionAttributeValues": {":birthdate": legacy.birthdate.isoformat()},
                }
            },
            {
                "Update": {
                    "Key": member_number_key(legacy.member_no),
                    "UpdateExpression": "SET member_no = :member_no, user_id = :user_id, "
                    "#status = :active, claimed_at = :at",
                    "ConditionExpression": "attribute_not_exists(user_id)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": {
                        ":member_no": legacy.member_no,
                        ":user_id": user_id,
                        ":active": "active",
                        ":at": _iso(at),
                    },
                }
            },
            {
                "Update": {
                    "Key": member_key(user_id),
                    "UpdateExpression": f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
                    "ConditionExpression": member_condition,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            },
        ]
        if replacing_member_no is not None:
            transaction.append(
                {
                    # The guest number stays taken (never reissued), pointing to its replacement.
                    "Update": {
                        "Key": member_number_key(replacing_member_no),
                        "UpdateExpression": "SET #status = :retired, replaced_by = :member_no REMOVE user_id",
                        "ConditionExpression": "user_id = :user_id",
                        "ExpressionAttributeNames": {"#status": "status"},
                        "ExpressionAttributeValues": {
                            ":retired": "retired",
                            ":member_no": legacy.member_no,
                            ":user_id": user_id,
                        },
                    }
                }
            )
        return self._transact(transaction) is None

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        return CampaignTable(self.table).grant_coupon(user_id, coupon)

    def coupons_of(self, user_id: str) -> list[Coupon]:
        items = self.table.query(
            KeyConditionExpression="pk = :pk AND begins_with(sk, :coupon)",
            ExpressionAttributeValues={":pk": user_partition(user_id), ":coupon": COUPON_SK_PREFIX},
        )["Items"]
        return [Coupon.model_validate(item) for item in items]

    def mark_rich_menu_pending(self, user_id: str, pending: bool) -> None:
        try:
            self.table.update_item(
                Key=member_key(user_id),
                UpdateExpression="SET rich_menu_pending = :true" if pending else "REMOVE rich_menu_pending",
                ConditionExpression="attribute_exists(pk)",
                **({"ExpressionAttributeValues": {":true": True}} if pending else {}),
            )
        except self._conditional_check_failed:
            return

    def erase_personal_data(self, user_id: str, at: datetime) -> MembershipRecord | None:
        """The member item becomes a tombstone; every other item of the user (coupons, tags, messages)
        is deleted; the number's uniqueness item stays, marked deleted and no longer pointing to them."""
        item = self.table.get_item(Key=member_key(user_id), ConsistentRead=True).get("Item")
        if item is None:
            return None
        tombstone: dict[str, Any] = {
            **member_key(user_id),
            "user_id": user_id,
            "status": MembershipStatus.DELETED.value,
            "deleted_at": _iso(at),
        }
        # Kept: the number (never reissued), and the webhook's ordering of follow/unfollow events.
        for kept in ("member_no", "follow_state_ms", "blocked", "rich_menu_pending"):
            if kept in item:
                tombstone[kept] = item[kept]
        self.table.put_item(Item=tombstone)
        partition = user_partition(user_id)
        query: dict[str, Any] = {
            "KeyConditionExpression": "pk = :pk",
            "ExpressionAttributeValues": {":pk": partition},
            "ProjectionExpression": "pk, sk",
        }
        with self.table.batch_writer() as batch:
            while True:
                page = self.table.query(**query)
                for key in page["Items"]:
                    if key["sk"] != MEMBER_SK:
                        batch.delete_item(Key={"pk": key["pk"], "sk": key["sk"]})
                if "LastEvaluatedKey" not in page:
                    break
                query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        member_no = item.get("member_no")
        if member_no:
            # Already retired (a replaced guest number) when the condition fails: nothing to undo.
            with contextlib.suppress(self._conditional_check_failed):
                self.table.update_item(
                    Key=member_number_key(member_no),
                    UpdateExpression="SET #status = :deleted, deleted_at = :at REMOVE user_id",
                    ConditionExpression="user_id = :user_id",
                    ExpressionAttributeNames={"#status": "status"},
                    ExpressionAttributeValues={
                        ":deleted": MembershipStatus.DELETED.value,
                        ":at": _iso(at),
                        ":user_id": user_id,
                    },
                )
        return MembershipRecord.model_validate(tombstone)

    def find_member_by_number(self, member_no: str) -> MembershipRecord | None:
        owner = self.table.get_item(Key=member_number_key(member_no), ConsistentRead=True).get("Item")
        if not owner or not owner.get("user_id"):
            return None
        return self.find_membership(owner["user_id"])

    def is_staff(self, user_id: str) -> bool:
        return self.staff_role(user_id) is not None

    def staff_role(self, user_id: str) -> str | None:
        """`owner` or `staff`; None for anyone else."""
        item = self.table.get_item(Key=staff_key(user_id), ConsistentRead=True).get("Item")
        return str(item["role"]) if item else None

    def _transact(
        self, transaction: list[dict[str, Any]], conflict_attempts: int = 1
    ) -> list[dict[str, Any]] | None:
        """Run a TransactWriteItems; None when it committed, else the per-item cancellation reasons.

        Cancelled only because another transaction held an item (TransactionConflict, no condition
        failed), it is tried again, up to `conflict_attempts` times in all, with a short pause.
        Through the resource's own client, which converts Python values to DynamoDB's types as the
        Table methods do (but leaves the Items in cancellation reasons typed).
        """
        client = self.table.meta.client
        requests = [
            {operation: {**request, "TableName": self._table_name}}
            for entry in transaction
            for operation, request in entry.items()
        ]
        known = {"None", "ConditionalCheckFailed", "TransactionConflict"}
        for attempt in range(conflict_attempts):
            try:
                client.transact_write_items(TransactItems=requests)
            except client.exceptions.TransactionCanceledException as error:
                reasons: list[dict[str, Any]] = error.response.get("CancellationReasons") or []
                codes = {r.get("Code") for r in reasons}
                if len(reasons) != len(transaction) or not codes <= known:
                    raise
                if "ConditionalCheckFailed" in codes or attempt + 1 == conflict_attempts:
                    return reasons
                time.sleep(0.02 * (attempt + 1))
            else:
                return None
        raise AssertionError("unreachable: conflict_attempts < 1")

    @staticmethod
    def _registration_assignments(
        profile: RegisteredProfile, names: dict[str, str], values: dict[str, Any]
    ) -> tuple[list[str], list[str]]:
        """SET assignments for the profile's fields (and the index keys derived from them), and the
        optional fields to REMOVE because the profile leaves them blank. Every attribute goes through a
        name placeholder: `name` is one of DynamoDB's reserved words."""
        fields: dict[str, Any] = {
            "name": profile.name,
            "name_kana": profile.name_kana,
            "birthdate": profile.birthdate.isoformat(),
            "birth_month": profile.birth_month,
            "phone": profile.phone,
            "phone_last4": profile.phone_last4,
            "store_id": profile.store_id,
            "gender": profile.gender,
            "email": profile.email,
            "custom_fields": profile.custom_fields,
        }
        assignments, removals = [], []
        for name, value in fields.items():
            names[f"#profile_{name}"] = name
            if value is None:
                removals.append(f"#profile_{name}")
            else:
                values[f":profile_{name}"] = value
                assignments.append(f"#profile_{name} = :profile_{name}")
        return assignments, removals
