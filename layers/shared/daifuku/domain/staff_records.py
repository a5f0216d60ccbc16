"""The ports of the staff desk: one Protocol per aggregate it reads and writes (the DynamoDB
repositories in adapters/dynamodb implement them; the unit tests pass one in-memory fake for all)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Protocol

from daifuku.domain.campaign_planning import MemberSelection
from daifuku.domain.points import LedgerEntry
from daifuku.domain.segments import Segment
from daifuku.models.member import Member
from daifuku.models.membership import Coupon, MembershipRecord
from daifuku.models.staff import (
    AuditEntry,
    CouponTemplateRecord,
    DayCounts,
    MemoView,
    StaffFlag,
    Totals,
    VisitView,
)


class StaffMemberRecords(Protocol):
    """The member items (adapters.dynamodb.members)."""

    def find_membership(self, user_id: str) -> MembershipRecord | None: ...

    def find_member_by_number(self, member_no: str) -> MembershipRecord | None: ...


class MemberCareRecords(Protocol):
    """Visits, memos, tags and flags (adapters.dynamodb.member_care)."""

    def recent_visits(self, user_id: str, limit: int) -> list[VisitView]: ...

    def recent_memos(self, user_id: str, limit: int) -> list[MemoView]: ...

    def replace_tags(self, user_id: str, before: frozenset[str], after: frozenset[str]) -> bool:
        """Member tags and TAG# items together; False when the tags changed since `before` was read."""

    def add_memo(self, user_id: str, memo: MemoView) -> None: ...

    def set_flag(self, user_id: str, flag: StaffFlag, on: bool, reason: str | None) -> bool:
        """False when there is no such user."""


class MemberSearch(Protocol):
    """Members read in bulk (adapters.dynamodb.selection)."""

    def members_tagged(self, tag: str) -> list[Member]: ...

    def members_by_phone_last4(self, last4: str) -> list[Member]: ...

    def members_named(self, fragment: str, limit: int) -> list[Member]: ...

    def select_members(self, segment: Segment) -> MemberSelection: ...


class CouponRecords(Protocol):
    """Held coupons and the templates they are issued from (adapters.dynamodb.coupons)."""

    def coupons_of(self, user_id: str) -> list[Coupon]: ...

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        """Give the coupon once: False when the member already holds one with that id."""

    def redeem_coupon(self, user_id: str, coupon_id: str, by: str, at: datetime, today: date) -> datetime:
        """Mark the coupon used, once: CouponNotFound / CouponAlreadyUsed / CouponExpired otherwise."""

    def record_issue(self, issue_id: str, fingerprint: str, at: datetime) -> str:
        """Record what an issue id asks for, once: the fingerprint stored under it (ours or an earlier)."""

    def count_issued(self, issue_id: str, count: int) -> int:
        """Add `count` coupons given to the issue's tally; the tally of every attempt."""

    def save_template(self, template: CouponTemplateRecord) -> CouponTemplateRecord:
        """Save a new template, or return the one saved under its id (a retried request)."""

    def load_template(self, template_id: str) -> CouponTemplateRecord | None: ...

    def templates(self) -> list[CouponTemplateRecord]: ...


class PointsRecords(Protocol):
    """The points ledger and the rank (adapters.dynamodb.points)."""

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
        pays for, all in one transaction. False when the entry exists (a retry: nothing changes).
        MemberNotFound without a live member; NotEnoughPoints when `require_points` are not there."""

    def ledger_entry(self, user_id: str, entry_id: str) -> LedgerEntry | None: ...

    def set_rank(self, user_id: str, rank: str | None, expected: str | None, points: int) -> bool:
        """Move the rank from `expected` while the member still has `points` (the points the rank
        was worked out from); False when another request moved the rank or the points first."""


class StatsRecords(Protocol):
    """The audit log and the dashboard's numbers (adapters.dynamodb.stats)."""

    def write_audit(self, entry: AuditEntry) -> None: ...

    def audit_entries(self, limit: int) -> list[AuditEntry]: ...

    def daily_counts(self, first: date, last: date) -> list[DayCounts]: ...

    def totals(self) -> Totals: ...

    def birthdays_in_month(self, month: int) -> int: ...


class MessagePusher(Protocol):
    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str | None = None) -> Any: ...
