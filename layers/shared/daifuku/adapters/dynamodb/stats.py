"""The dashboard's numbers and the audit log: counts per day, running totals, what staff did."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from daifuku.adapters.dynamodb.keys import (
    AUDIT_PK,
    DAILY_COUNTERS,
    DAILY_STATS_PK,
    MEMBER_SK,
    TOTAL_COUNTERS,
    TOTALS_KEY,
    audit_key,
    daily_stats_key,
    member_key,
    utc,
)
from daifuku.adapters.dynamodb.table import TableGateway, on_index, update_request
from daifuku.domain.friend_records import DayCounts as EventCounts
from daifuku.models.member import MembershipStatus
from daifuku.models.staff import AuditEntry, DayCounts, Totals
from daifuku.table_schema import BIRTH_MONTH_INDEX


@dataclass(frozen=True)
class StatsRepository:
    """Counters the webhook and the member card add to, and the staff dashboard and audit log read."""

    _gateway: TableGateway

    # Counting

    def add_counts(self, counts: EventCounts) -> None:
        """The dashboard's counts of an applied follow or block, after its transaction rather than in it:
        every follow in a burst adds to the same two counter items, and in the event's transaction
        they would make concurrent follows conflict and fail. A crash in between loses one count."""
        for update in count_updates(counts.day, counts.daily, counts.totals):
            # A registration's counting transaction holds the item for a moment.
            self._gateway.update_retrying_conflicts(update["Update"])

    def count_registration(self, user_id: str, registered_at: datetime, day: date) -> bool:
        """One more registration on `day` and one more member, together with marking the member item
        counted; only for the write that registered the member at `registered_at`, so repeated,
        concurrent and later re-submitted registrations count nothing more."""
        guard = update_request(
            member_key(user_id),
            "SET registration_counted = :true",
            "attribute_not_exists(registration_counted) AND registered_at = :at",
            values={":true": True, ":at": utc(registered_at)},
        )
        return self._count_once(guard, day, {"registrations": 1}, {"members": 1})

    def count_member_deletion(self, user_id: str, day: date) -> bool:
        """One member fewer, once, when a registered member deletes their data."""
        guard = update_request(
            member_key(user_id),
            "SET deletion_counted = :true",
            "#status = :registered AND attribute_not_exists(deletion_counted)",
            {"#status": "status"},
            {":true": True, ":registered": MembershipStatus.REGISTERED.value},
        )
        return self._count_once(guard, day, {}, {"members": -1})

    def _count_once(
        self, guard: dict[str, Any], day: date, daily: dict[str, int], totals: dict[str, int]
    ) -> bool:
        transaction: list[dict[str, Any]] = [{"Update": guard}, *count_updates(day, daily, totals)]
        # Counted already, or it kept conflicting: a dashboard count is not worth failing the customer for.
        return self._gateway.transact(transaction, conflict_attempts=5) is None

    # The dashboard

    def daily_counts(self, first: date, last: date) -> list[DayCounts]:
        items = self._gateway.query(
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
        item = self._gateway.get(TOTALS_KEY, consistent=False)
        if item is None:
            return self.recount_totals()
        return Totals(**{name: max(0, int(item.get(name, 0))) for name in TOTAL_COUNTERS})

    def recount_totals(self) -> Totals:
        """Count friends, registered members and blocked friends from the member items and store them,
        unless an event created the totals meanwhile (then those stand)."""
        counts = dict.fromkeys(TOTAL_COUNTERS, 0)
        members = self._gateway.scan(
            FilterExpression=Attr("sk").eq(MEMBER_SK),
            ProjectionExpression="followed_at, blocked, #status",
            ExpressionAttributeNames={"#status": "status"},
        )
        for member in members:
            blocked = bool(member.get("blocked"))
            counts["blocked"] += blocked
            counts["friends"] += bool(member.get("followed_at")) and not blocked
            counts["members"] += member.get("status") == MembershipStatus.REGISTERED.value
        if not self._gateway.put({**TOTALS_KEY, **counts}, if_absent=True):
            return self.totals()
        return Totals(**counts)

    def birthdays_in_month(self, month: int) -> int:
        pages = self._gateway.query_pages(**on_index(BIRTH_MONTH_INDEX, f"{month:02d}"), Select="COUNT")
        return sum(int(page["Count"]) for page in pages)

    # The audit log

    def write_audit(self, entry: AuditEntry) -> None:
        self._gateway.put(
            {**audit_key(entry.at, uuid.uuid4().hex[:12]), **entry.model_dump(mode="json", exclude_none=True)}
        )

    def audit_entries(self, limit: int) -> list[AuditEntry]:
        items = self._gateway.query_page(
            KeyConditionExpression=Key("pk").eq(AUDIT_PK),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
        return [AuditEntry.model_validate(item) for item in items]


def count_updates(day: date, daily: dict[str, int], totals: dict[str, int]) -> list[dict[str, Any]]:
    """The atomic ADDs to the day's item and to the running totals, as transaction entries."""
    if not (set(daily) <= DAILY_COUNTERS and set(totals) <= TOTAL_COUNTERS):
        raise ValueError(f"unknown counters: {sorted(set(daily) | set(totals))}")
    return [
        {
            "Update": update_request(
                key,
                "ADD " + ", ".join(f"#{name} :{name}" for name in counts),
                names={f"#{name}": name for name in counts},
                values={f":{name}": value for name, value in counts.items()},
            )
        }
        for key, counts in ((daily_stats_key(day), daily), (TOTALS_KEY, totals))
        if counts
    ]
