"""The staff console's items in the member table: visits, the points ledger, memos, tags, flags,
coupon templates, the audit log and the dashboard's counters (see table_keys for their keys)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from daifuku.adapters.campaign_table import CampaignTable
from daifuku.adapters.member_table import MemberTable
from daifuku.adapters.table_keys import (
    AUDIT_PK,
    COUPON_EXPIRY_INDEX,
    COUPON_SK_PREFIX,
    COUPON_TEMPLATE_PK,
    DAILY_COUNTERS,
    DAILY_STATS_PK,
    MEMO_SK_PREFIX,
    TOTAL_COUNTERS,
    TOTALS_KEY,
    VISIT_SK_PREFIX,
    audit_key,
    coupon_key,
    coupon_template_key,
    ledger_entry_key,
    member_key,
    memo_key,
    tag_key,
    user_partition,
    visit_key,
)
from daifuku.domain.campaign_planning import MemberSelection
from daifuku.domain.errors import (
    CouponAlreadyUsed,
    CouponExpired,
    CouponNotFound,
    MemberNotFound,
    NotEnoughPoints,
    RecordContention,
)
from daifuku.domain.points import EntryKind, LedgerEntry
from daifuku.domain.segments import Segment
from daifuku.models.member import Member, MembershipStatus
from daifuku.models.membership import Coupon
from daifuku.models.staff import (
    AuditEntry,
    CouponTemplateRecord,
    DayCounts,
    MemoView,
    StaffFlag,
    Totals,
    VisitView,
)

# Concurrent taps on one member collide in DynamoDB's transactions (TransactionConflict): try again.
TRANSACTION_ATTEMPTS = 8


def _iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat()


class StaffTable(MemberTable):
    """MemberTable plus what staff write. DynamoDB's conditions become domain answers here."""

    @property
    def _campaigns(self) -> CampaignTable:
        return CampaignTable(self.table)

    # Visits and the points ledger

    def apply_points(
        self,
        entry: LedgerEntry,
        *,
        visit: VisitView | None = None,
        visited_on: date | None = None,
        coupon: Coupon | None = None,
        require_points: int | None = None,
    ) -> bool:
        names = {"#status": "status", "#points": "points"}
        values: dict[str, Any] = {":delta": entry.delta, ":deleted": MembershipStatus.DELETED.value}
        update = "ADD #points :delta"
        condition = "attribute_exists(member_no) AND #status <> :deleted"
        if visited_on is not None:
            update += " SET last_visit_on = :visited_on"
            values[":visited_on"] = visited_on.isoformat()
        if require_points is not None:
            condition += " AND #points >= :required"
            values[":required"] = require_points
        transaction: list[dict[str, Any]] = [
            {
                "Put": {
                    "Item": {
                        **ledger_entry_key(entry.user_id, entry.entry_id),
                        "entry_id": entry.entry_id,
                        "kind": entry.kind.value,
                        "delta": entry.delta,
                        "at": _iso(entry.at),
                        "reason": entry.reason,
                        **({"by": entry.by} if entry.by else {}),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {
                "Update": {
                    "Key": member_key(entry.user_id),
                    "UpdateExpression": update,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": names,
                    "ExpressionAttributeValues": values,
                }
            },
        ]
        if visit is not None:
            transaction.append(
                {
                    "Put": {
                        "Item": {
                            **visit_key(entry.user_id, visit.visited_at, visit.visit_id),
                            **visit.model_dump(mode="json", exclude_none=True),
                        }
                    }
                }
            )
        if coupon is not None:
            transaction.append(
                {
                    "Put": {
                        "Item": {
                            **coupon_key(entry.user_id, coupon.coupon_id),
                            **coupon.model_dump(mode="json", exclude_none=True),
                        },
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        reasons = self._transact(transaction, conflict_attempts=TRANSACTION_ATTEMPTS)
        if reasons is None:
            return True
        codes = [reason.get("Code") for reason in reasons]
        if codes[0] == "ConditionalCheckFailed":
            return False  # the entry is there: this is a retry
        if codes[1] == "ConditionalCheckFailed":
            record = self.find_membership(entry.user_id)
            if record is None or not record.is_member:
                raise MemberNotFound(entry.user_id)
            raise NotEnoughPoints(entry.user_id)
        raise RecordContention(entry.user_id)  # kept conflicting with other taps on the same member

    def ledger_entry(self, user_id: str, entry_id: str) -> LedgerEntry | None:
        item = self.table.get_item(Key=ledger_entry_key(user_id, entry_id), ConsistentRead=True).get("Item")
        if item is None:
            return None
        return LedgerEntry(
            entry_id=item["entry_id"],
            user_id=user_id,
            kind=EntryKind(item["kind"]),
            delta=int(item["delta"]),
            at=datetime.fromisoformat(item["at"]),
            by=item.get("by"),
            reason=item.get("reason", ""),
        )

    def set_rank(self, user_id: str, rank: str | None, expected: str | None) -> bool:
        names = {"#rank": "rank"}
        values: dict[str, Any] = {}
        if expected is None:
            condition = "attribute_not_exists(#rank)"
        else:
            condition = "#rank = :expected"
            values[":expected"] = expected
        if rank is None:
            update = "REMOVE #rank"
        else:
            update = "SET #rank = :rank"
            values[":rank"] = rank
        try:
            self.table.update_item(
                Key=member_key(user_id),
                UpdateExpression=update,
                ConditionExpression=condition,
                ExpressionAttributeNames=names,
                **({"ExpressionAttributeValues": values} if values else {}),
            )
        except self._conditional_check_failed:
            return False
        return True

    def recent_visits(self, user_id: str, limit: int) -> list[VisitView]:
        return [VisitView.model_validate(item) for item in self._latest(user_id, VISIT_SK_PREFIX, limit)]

    def recent_memos(self, user_id: str, limit: int) -> list[MemoView]:
        return [MemoView.model_validate(item) for item in self._latest(user_id, MEMO_SK_PREFIX, limit)]

    def add_memo(self, user_id: str, memo: MemoView) -> None:
        self.table.put_item(Item={**memo_key(user_id, memo.at, memo.memo_id), **memo.model_dump(mode="json")})

    # Coupons

    def redeem_coupon(self, user_id: str, coupon_id: str, by: str, at: datetime, today: date) -> datetime:
        try:
            self.table.update_item(
                Key=coupon_key(user_id, coupon_id),
                UpdateExpression="SET used_at = :at, used_by = :by",
                ConditionExpression=(
                    "attribute_exists(pk) AND attribute_not_exists(used_at) "
                    "AND (attribute_not_exists(expires_on) OR expires_on >= :today)"
                ),
                ExpressionAttributeValues={":at": _iso(at), ":by": by, ":today": today.isoformat()},
            )
        except self._conditional_check_failed:
            item = self.table.get_item(Key=coupon_key(user_id, coupon_id), ConsistentRead=True).get("Item")
            if item is None:
                raise CouponNotFound(coupon_id) from None
            if item.get("used_at"):
                raise CouponAlreadyUsed(coupon_id) from None
            raise CouponExpired(coupon_id) from None
        return at

    def unused_coupons_expiring_on(self, day: date) -> list[tuple[str, Coupon]]:
        """(holder, coupon) for every coupon whose last day is `day`, not used and not yet reminded."""
        found: list[tuple[str, Coupon]] = []
        query: dict[str, Any] = {
            "IndexName": COUPON_EXPIRY_INDEX,
            "KeyConditionExpression": Key("expires_on").eq(day.isoformat())
            & Key("sk").begins_with(COUPON_SK_PREFIX),
            "FilterExpression": Attr("used_at").not_exists() & Attr("reminded_at").not_exists(),
        }
        while True:
            page = self.table.query(**query)
            for item in page["Items"]:
                found.append((item["pk"].removeprefix("USER#"), Coupon.model_validate(item)))
            if "LastEvaluatedKey" not in page:
                return found
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def mark_reminded(self, user_id: str, coupon_id: str, at: datetime) -> None:
        self.table.update_item(
            Key=coupon_key(user_id, coupon_id),
            UpdateExpression="SET reminded_at = if_not_exists(reminded_at, :at)",
            ConditionExpression="attribute_exists(pk)",
            ExpressionAttributeValues={":at": _iso(at)},
        )

    def save_template(self, template: CouponTemplateRecord) -> CouponTemplateRecord:
        try:
            self.table.put_item(
                Item={
                    **coupon_template_key(template.template_id),
                    **template.model_dump(mode="json", exclude_none=True),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._conditional_check_failed:
            existing = self.load_template(template.template_id)
            assert existing is not None
            return existing
        return template

    def load_template(self, template_id: str) -> CouponTemplateRecord | None:
        item = self.table.get_item(Key=coupon_template_key(template_id), ConsistentRead=True).get("Item")
        return CouponTemplateRecord.model_validate(item) if item else None

    def templates(self) -> list[CouponTemplateRecord]:
        items = self._all(KeyConditionExpression=Key("pk").eq(COUPON_TEMPLATE_PK))
        return [CouponTemplateRecord.model_validate(item) for item in items]

    # Search, tags and flags

    def members_tagged(self, tag: str) -> list[Member]:
        user_ids = {
            item["user_id"]
            for item in self._all(IndexName="tag_index", KeyConditionExpression=Key("tag").eq(tag))
        }
        return self._campaigns.members(tuple(sorted(user_ids)))

    def members_by_phone_last4(self, last4: str) -> list[Member]:
        items = self._all(IndexName="phone_last4_index", KeyConditionExpression=Key("phone_last4").eq(last4))
        return [Member.model_validate(item) for item in items if item.get("sk") == "MEMBER"]

    def members_named(self, fragment: str, limit: int) -> list[Member]:
        """Members whose name, kana or LINE display name contains `fragment`. A filtered Scan: there is
        no index for fragments, and a small shop's table reads in well under a second."""
        scan: dict[str, Any] = {
            "FilterExpression": Attr("sk").eq("MEMBER")
            & (
                Attr("name").contains(fragment)
                | Attr("name_kana").contains(fragment)
                | Attr("display_name").contains(fragment)
            )
        }
        found: list[Member] = []
        while len(found) < limit:
            page = self.table.scan(**scan)
            found += [Member.model_validate(item) for item in page["Items"]]
            if "LastEvaluatedKey" not in page:
                break
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        return found[:limit]

    def replace_tags(self, user_id: str, before: frozenset[str], after: frozenset[str]) -> bool:
        if before == after:
            return True
        values: dict[str, Any] = {":deleted": MembershipStatus.DELETED.value}
        condition = "attribute_exists(member_no) AND #status <> :deleted AND "
        if before:
            condition += "tags = :before"
            values[":before"] = set(before)
        else:
            condition += "attribute_not_exists(tags)"
        if after:
            update = "SET tags = :after"
            values[":after"] = set(after)
        else:
            update = "REMOVE tags"
        transaction: list[dict[str, Any]] = [
            {
                "Update": {
                    "Key": member_key(user_id),
                    "UpdateExpression": update,
                    "ConditionExpression": condition,
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": values,
                }
            },
            *(
                {"Put": {"Item": {**tag_key(user_id, tag), "tag": tag, "user_id": user_id}}}
                for tag in sorted(after - before)
            ),
            *({"Delete": {"Key": tag_key(user_id, tag)}} for tag in sorted(before - after)),
        ]
        return self._transact(transaction) is None

    def set_flag(self, user_id: str, flag: StaffFlag, on: bool, reason: str | None) -> bool:
        names = {"#flag": flag.value, "#reason": f"{flag.value}_reason"}
        values: dict[str, Any] = {":on": on}
        if reason:
            update = "SET #flag = :on, #reason = :reason"
            values[":reason"] = reason
        else:
            update = "SET #flag = :on REMOVE #reason"
        try:
            self.table.update_item(
                Key=member_key(user_id),
                UpdateExpression=update,
                ConditionExpression="attribute_exists(pk)",
                ExpressionAttributeNames=names,
                ExpressionAttributeValues=values,
            )
        except self._conditional_check_failed:
            return False
        return True

    def select_members(self, segment: Segment) -> MemberSelection:
        return self._campaigns.select_members(segment)

    # The audit log

    def write_audit(self, entry: AuditEntry) -> None:
        self.table.put_item(
            Item={
                **audit_key(entry.at, uuid.uuid4().hex[:12]),
                **entry.model_dump(mode="json", exclude_none=True),
            }
        )

    def audit_entries(self, limit: int) -> list[AuditEntry]:
        items = self.table.query(
            KeyConditionExpression=Key("pk").eq(AUDIT_PK),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )["Items"]
        return [AuditEntry.model_validate(item) for item in items]

    # The dashboard's counters

    def daily_counts(self, first: date, last: date) -> list[DayCounts]:
        items = self._all(
            KeyConditionExpression=Key("pk").eq(DAILY_STATS_PK)
            & Key("sk").between(first.isoformat(), last.isoformat())
        )
        return [
            DayCounts(date=date.fromisoformat(item["sk"]), **{n: int(item.get(n, 0)) for n in DAILY_COUNTERS})
            for item in items
        ]

    def totals(self) -> Totals:
        """The running totals; counted once from the members (a Scan) when there are none yet, as in
        a shop deployed before the dashboard existed."""
        item = self.table.get_item(Key=TOTALS_KEY).get("Item")
        if item is None:
            return self.recount_totals()
        return Totals(**{name: max(0, int(item.get(name, 0))) for name in TOTAL_COUNTERS})

    def recount_totals(self) -> Totals:
        """Count friends, registered members and blocked friends from the member items and store them,
        unless an event created the totals meanwhile (then those stand)."""
        counts = dict.fromkeys(TOTAL_COUNTERS, 0)
        scan: dict[str, Any] = {
            "FilterExpression": Attr("sk").eq("MEMBER"),
            "ProjectionExpression": "followed_at, blocked, #status",
            "ExpressionAttributeNames": {"#status": "status"},
        }
        while True:
            page = self.table.scan(**scan)
            for member in page["Items"]:
                blocked = bool(member.get("blocked"))
                counts["blocked"] += blocked
                counts["friends"] += bool(member.get("followed_at")) and not blocked
                counts["members"] += member.get("status") == MembershipStatus.REGISTERED.value
            if "LastEvaluatedKey" not in page:
                break
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        try:
            self.table.put_item(Item={**TOTALS_KEY, **counts}, ConditionExpression="attribute_not_exists(pk)")
        except self._conditional_check_failed:
            return self.totals()
        return Totals(**counts)

    def birthdays_in_month(self, month: int) -> int:
        query: dict[str, Any] = {
            "IndexName": "birth_month_index",
            "KeyConditionExpression": Key("birth_month").eq(f"{month:02d}"),
            "Select": "COUNT",
        }
        count = 0
        while True:
            page = self.table.query(**query)
            count += int(page["Count"])
            if "LastEvaluatedKey" not in page:
                return count
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # Reading

    def _latest(self, user_id: str, prefix: str, limit: int) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = self.table.query(
            KeyConditionExpression=Key("pk").eq(user_partition(user_id)) & Key("sk").begins_with(prefix),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )["Items"]
        return items

    def _all(self, **query: Any) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        while True:
            page = self.table.query(**query)
            items += page["Items"]
            if "LastEvaluatedKey" not in page:
                return items
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]
