"""The points ledger: entries and the member's running total written together, and the rank that
follows the total."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from daifuku.adapters.dynamodb.coupons import coupon_item
from daifuku.adapters.dynamodb.keys import ledger_entry_key, member_key, utc, visit_key
from daifuku.adapters.dynamodb.table import TableGateway, codes, update_request
from daifuku.domain.errors import MemberNotFound, NotEnoughPoints, RecordContention
from daifuku.domain.points import EntryKind, LedgerEntry
from daifuku.models.member import MembershipStatus
from daifuku.models.membership import Coupon, MembershipRecord
from daifuku.models.staff import VisitView

# Concurrent taps on one member collide in DynamoDB's transactions (TransactionConflict): try again.
TRANSACTION_ATTEMPTS = 8


@dataclass(frozen=True)
class PointsLedger:
    _gateway: TableGateway

    def apply_points(
        self,
        entry: LedgerEntry,
        *,
        visit: VisitView | None = None,
        visited_on: date | None = None,
        coupon: Coupon | None = None,
        require_points: int | None = None,
    ) -> bool:
        """Write the ledger entry and ADD its delta to the member's points, with the visit or coupon it
        pays for, all in one transaction. False when the entry exists (a retry: nothing changes)."""
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
        ledger_item = {
            **ledger_entry_key(entry.user_id, entry.entry_id),
            "entry_id": entry.entry_id,
            "kind": entry.kind.value,
            "delta": entry.delta,
            "at": utc(entry.at),
            "reason": entry.reason,
            **({"by": entry.by} if entry.by else {}),
            **({"request_fingerprint": entry.fingerprint} if entry.fingerprint else {}),
        }
        transaction: list[dict[str, Any]] = [
            {"Put": {"Item": ledger_item, "ConditionExpression": "attribute_not_exists(pk)"}},
            {"Update": update_request(member_key(entry.user_id), update, condition, names, values)},
        ]
        if visit is not None:
            visit_item = {
                **visit_key(entry.user_id, visit.visited_at, visit.visit_id),
                **visit.model_dump(mode="json", exclude_none=True),
            }
            transaction.append({"Put": {"Item": visit_item}})
        if coupon is not None:
            transaction.append(
                {
                    "Put": {
                        "Item": coupon_item(entry.user_id, coupon),
                        "ConditionExpression": "attribute_not_exists(pk)",
                    }
                }
            )
        reasons = self._gateway.transact(transaction, conflict_attempts=TRANSACTION_ATTEMPTS)
        if reasons is None:
            return True
        found = codes(reasons)
        if found[0] == "ConditionalCheckFailed":
            return False  # the entry is there: this is a retry
        if found[1] == "ConditionalCheckFailed":
            item = self._gateway.get(member_key(entry.user_id))
            if item is None or not MembershipRecord.model_validate(item).is_member:
                raise MemberNotFound(entry.user_id)
            raise NotEnoughPoints(entry.user_id)
        raise RecordContention(entry.user_id)  # kept conflicting with other taps on the same member

    def ledger_entry(self, user_id: str, entry_id: str) -> LedgerEntry | None:
        item = self._gateway.get(ledger_entry_key(user_id, entry_id))
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
            fingerprint=item.get("request_fingerprint"),
        )

    def set_rank(self, user_id: str, rank: str | None, expected: str | None, points: int) -> bool:
        """Move the rank from `expected` while the points are still `points`; False when another
        request moved the rank or the points first."""
        values: dict[str, Any] = {":points": points}
        # A member without points has none yet: they count as 0, as the rank worked out from them.
        points_held = (
            "#points = :points" if points else "(attribute_not_exists(#points) OR #points = :points)"
        )
        if expected is None:
            condition = f"attribute_not_exists(#rank) AND {points_held}"
        else:
            condition = f"#rank = :expected AND {points_held}"
            values[":expected"] = expected
        if rank is None:
            update = "REMOVE #rank"
        else:
            update = "SET #rank = :rank"
            values[":rank"] = rank
        names = {"#rank": "rank", "#points": "points"}
        return self._gateway.update(
            member_key(user_id), update, condition=condition, names=names, values=values
        )
