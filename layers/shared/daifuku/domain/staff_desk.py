"""The staff console's counter and member management: scan, visits, points, coupons redeemed at the
counter, tags, memos, flags, the audit log and the dashboard (templates, issuing and exchange are in
coupon_desk.py).

Pure domain: the table and LINE come in through the ports in staff_records.py; staff_routes.py wires the real
adapters, the unit tests in-memory fakes. Every change a staff member makes writes one audit entry
(who, when, what, whose), which names the member's user id and never their personal data.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from daifuku.clock import system_clock
from daifuku.domain.errors import (
    LineRequestFailed,
    MemberNotFound,
    RecordContention,
)
from daifuku.domain.membership import CardCheck
from daifuku.domain.message_templates import fill, recipient_values
from daifuku.domain.points import (
    EntryKind,
    LedgerEntry,
    adjustment_entry_id,
    is_rank_up,
    rank_for,
    request_fingerprint,
    visit_entry_id,
)
from daifuku.domain.scenario_engine import NO_SCENARIOS, ScenarioEntrance
from daifuku.domain.scenarios import TriggerEvent, TriggerKind
from daifuku.domain.search_text import member_number_candidates, search_form, tag_in_query
from daifuku.domain.shop_events import (
    NO_SHOP_EVENTS,
    ShopEventEmitter,
    coupon_redeemed,
    points_changed,
    visit_recorded,
)
from daifuku.domain.staff_records import (
    CouponRecords,
    MemberCareRecords,
    MemberSearch,
    MessagePusher,
    PointsRecords,
    StaffMemberRecords,
    StatsRecords,
)
from daifuku.models.member import Member, MembershipStatus
from daifuku.models.membership import MembershipRecord
from daifuku.models.shop import ShopConfig
from daifuku.models.staff import (
    AuditEntry,
    BulkFlagRequest,
    DayCounts,
    FlagsRequest,
    MemberDetail,
    MemberSearchQuery,
    MemberSummary,
    MemoRequest,
    MemoView,
    PointsAdjustmentRequest,
    StaffCouponView,
    StaffFlag,
    VisitRequest,
    VisitResult,
    VisitView,
)

if TYPE_CHECKING:
    from daifuku.domain.campaign_funnel import CampaignResults
    from daifuku.domain.inflow_routes import RouteFigures

RECENT = 5  # visits and memos on the member view
# Reads and conditional writes of the rank while other changes of the same member's points land.
RANK_ATTEMPTS = 8
SEARCH_LIMIT = 30
FOUR_DIGITS = re.compile(r"^\d{4}$")


class RankUpCap(Protocol):
    """The weekly frequency cap as a rank-up message sees it (adapters.dynamodb.frequency_cap)."""

    def rank_up_allowed(self, user_id: str, now: datetime) -> bool: ...

    def count_push(self, user_id: str, at: datetime) -> None: ...


@dataclass
class StaffDesk:
    members: StaffMemberRecords
    care: MemberCareRecords
    search_index: MemberSearch
    coupons: CouponRecords
    points: PointsRecords
    stats: StatsRecords
    line: MessagePusher
    shop: ShopConfig
    timezone: tzinfo
    poster_key: bytes
    clock: Callable[[], datetime] = field(default=system_clock)
    scenarios: ScenarioEntrance = NO_SCENARIOS
    notes: list[str] = field(default_factory=list)
    events: ShopEventEmitter = field(default=NO_SHOP_EVENTS, kw_only=True)  # outgoing events
    routes: RouteFigures | None = None  # inflow routes' first and second visits
    campaign_results: CampaignResults | None = None  # the campaign funnel's visits and coupons used
    cap: RankUpCap | None = None  # the weekly frequency cap, which rank-up messages obey unless exempt

    # The audit log

    def audit(self, actor: str, action: str, target_user_id: str | None = None, **detail: Any) -> None:
        self.stats.write_audit(
            AuditEntry(
                at=self.clock(),
                actor_user_id=actor,
                action=action,
                target_user_id=target_user_id,
                detail=detail,
            )
        )

    def display_names(self, user_ids: set[str]) -> dict[str, str]:
        """The LINE display names of these users (staff, in the audit log) where the shop knows them:
        staff who are friends of the shop have a member item."""
        records = {user_id: self.members.find_membership(user_id) for user_id in sorted(user_ids)}
        return {user_id: r.display_name for user_id, r in records.items() if r is not None and r.display_name}

    def member_labels(self, user_ids: set[str]) -> dict[str, str]:
        """How the audit log names the members it was done to: number and name (or LINE name)."""
        labels = {}
        for user_id in sorted(user_ids):
            record = self.members.find_membership(user_id)
            if record is None:
                continue
            label = " ".join(filter(None, (record.member_no, record.name or record.display_name)))
            if label:
                labels[user_id] = label
        return labels

    # The member view

    def member_detail(self, user_id: str) -> MemberDetail:
        return self.detail_of(self.live_member(user_id))

    def member_by_number(self, member_no: str) -> MemberDetail:
        """The member with this number, typed as the counter types it (「1」 is 000001)."""
        for candidate in member_number_candidates(member_no, self.shop.member_number_format):
            record = self.members.find_member_by_number(candidate)
            if record is not None and record.is_member:
                return self.detail_of(record)
        raise MemberNotFound(member_no)

    def scanned(self, check: CardCheck) -> MemberDetail | None:
        """The member behind a valid card check (MembershipDesk.check_card_token)."""
        if not check.valid or check.member is None:
            return None
        return self.detail_of(check.member)

    # Visits and points

    def record_visit(self, staff: str, user_id: str, request: VisitRequest) -> tuple[VisitResult, bool]:
        """One tap, one visit: (result, True) the first time; the same visit_id again changes nothing
        and answers (the first result, False)."""
        member = self.live_member(user_id)
        now = self.clock()
        points = self.shop.points_rule.points_for_visit(request.amount_yen)
        entry = LedgerEntry(
            visit_entry_id(request.visit_id),
            user_id,
            EntryKind.VISIT,
            points,
            now,
            staff,
            fingerprint=request_fingerprint(request.model_dump(mode="json")),
        )
        visit = VisitView(
            visit_id=request.visit_id,
            visited_at=now,
            store_id=request.store_id,
            points_added=points,
            amount_yen=request.amount_yen,
            by=staff,
        )
        created = self.points.apply_points(entry, visit=visit, visited_on=self.today())
        rank_up = False
        if created:
            rank_up = self.settle_rank(user_id, entry)
            self.scenarios.triggered(
                user_id, TriggerEvent(kind=TriggerKind.VISIT_RECORDED, first=member.last_visit_on is None)
            )
            if self.routes is not None:
                self.routes.count_visit(user_id, now)
            if self.campaign_results is not None:
                self.campaign_results.attribute_visit(user_id, now)
        else:
            stored = self.points.ledger_entry(user_id, entry.entry_id)
            entry.check_retry_of(stored)
            points = stored.delta if stored else points
        self.audit(staff, "visit.record", user_id, visit_id=request.visit_id, replayed=not created)
        detail = self.member_detail(member.user_id)
        if created:
            self.events.emit(
                visit_recorded(user_id, member.member_no, now, visit.visit_id, request.amount_yen, points)
            )
            self.points_changed(entry, member.member_no, detail.points)
        result = VisitResult(
            visit_id=request.visit_id,
            points_added=points,
            points=detail.points,
            rank=detail.rank,
            rank_up=rank_up,
            member=detail,
        )
        return result, created

    def adjust_points(self, staff: str, user_id: str, request: PointsAdjustmentRequest) -> MemberDetail:
        """A manual correction; once per entry_id. NotEnoughPoints when it would go below zero."""
        self.live_member(user_id)
        entry = LedgerEntry(
            adjustment_entry_id(request.entry_id),
            user_id,
            EntryKind.ADJUSTMENT,
            request.delta,
            self.clock(),
            staff,
            request.reason,
            fingerprint=request_fingerprint(request.model_dump(mode="json")),
        )
        created = self.points.apply_points(
            entry, require_points=-request.delta if request.delta < 0 else None
        )
        if created:
            self.settle_rank(user_id, entry)
        else:
            entry.check_retry_of(self.points.ledger_entry(user_id, entry.entry_id))
        self.audit(
            staff,
            "points.adjust",
            user_id,
            delta=request.delta,
            entry_id=request.entry_id,
            replayed=not created,
        )
        detail = self.member_detail(user_id)
        if created:
            self.points_changed(entry, detail.member_no, detail.points)
        return detail

    def points_changed(self, entry: LedgerEntry, member_no: str | None, balance: int | None) -> None:
        """The outgoing `points.changed` of a ledger entry just written."""
        self.events.emit(
            points_changed(entry.user_id, member_no, entry.at, entry.entry_id, entry.delta, balance)
        )

    def settle_rank(self, user_id: str, entry: LedgerEntry) -> bool:
        """Bring the rank in line with the points; True (and the optional message, once) on a rank-up.

        The rank is written only while the points are still those it was worked out from (and the rank
        still the one read), so a rank never outlives the points it belongs to: a write that lost to
        another change of points or rank reads again. After the last change of points, its own call
        leaves the rank agreeing with them. Concurrent entries may both see the new total; the
        conditional write lets one of them move the rank and send the message, with a retry key
        derived from that entry."""
        if not self.shop.ranks:
            return False
        for _ in range(RANK_ATTEMPTS):
            record = self.live_member(user_id)
            points = record.points or 0
            new_rank = rank_for(points, self.shop.ranks)
            if new_rank == record.rank:
                return False
            if self.points.set_rank(user_id, new_rank, record.rank, points):
                break
        else:
            # The points kept moving: each of those changes settles the rank after its own write.
            self.notes.append("rank left to the concurrent changes of points")
            return False
        if not is_rank_up(record.rank, new_rank, self.shop.ranks):
            return False
        now = self.clock()
        if not self.shop.rank_up_message or new_rank is None:
            return True
        # The cap's rules and the member's recent pushes are read only when there is a message.
        if self.cap is not None and not self.cap.rank_up_allowed(user_id, now):
            self.notes.append("rank-up message held back by the frequency cap")
        else:
            values = recipient_values(record.name or record.display_name, record.member_no, rank=new_rank)
            text = fill(self.shop.rank_up_message, values)
            try:
                self.line.push(user_id, [{"type": "text", "text": text}], retry_key=entry.rank_up_retry_key)
            except LineRequestFailed as error:
                self.notes.append(f"rank-up message failed ({error.status})")
            else:
                if self.cap is not None:
                    self.cap.count_push(user_id, now)
        return True

    # Coupons at the counter

    def redeem(self, staff: str, user_id: str, coupon_id: str) -> datetime:
        """Use the coupon, once, however many staff tap at the same moment."""
        used_at = self.coupons.redeem_coupon(user_id, coupon_id, staff, self.clock(), self.today())
        if self.campaign_results is not None:
            self.campaign_results.count_coupon_use(coupon_id)
        self.audit(staff, "coupon.redeem", user_id, coupon_id=coupon_id)
        self.events.emit(coupon_redeemed(user_id, None, used_at, coupon_id))
        self.scenarios.triggered(user_id, TriggerEvent(kind=TriggerKind.COUPON_REDEEMED))
        return used_at

    # Member management

    def search(self, query: MemberSearchQuery) -> list[MemberSummary]:
        """By member number (「1」 finds 000001), tag (with or without 「#」), the last 4 digits of a
        phone, or a fragment of a name or kana (hiragana or katakana, either width: search_text.py)."""
        text = query.q.strip()
        if not text:
            return []
        found: dict[str, Member] = {}
        tag = tag_in_query(text)
        if tag is not None:
            if tag:  # a lone 「#」 names no tag (the request model refuses it)
                found.update((m.user_id, m) for m in self.search_index.members_tagged(tag))
        else:
            for member_no in member_number_candidates(text, self.shop.member_number_format):
                by_number = self.members.find_member_by_number(member_no)
                if by_number is not None:
                    found[by_number.user_id] = by_number
            digits = search_form(text)
            if FOUR_DIGITS.match(digits):
                found.update((m.user_id, m) for m in self.search_index.members_by_phone_last4(digits))
            elif not digits.isdigit():
                found.update((m.user_id, m) for m in self.search_index.members_tagged(text))
                found.update((m.user_id, m) for m in self.search_index.members_named(text, SEARCH_LIMIT))
        live = [m for m in found.values() if m.status is not MembershipStatus.DELETED]
        live.sort(key=lambda m: (m.member_no is None, m.member_no or "", m.user_id))
        return [self._summary(m) for m in live[:SEARCH_LIMIT]]

    def set_tags(self, staff: str, user_id: str, tags: tuple[str, ...]) -> MemberDetail:
        wanted = frozenset(tags)
        for _ in range(5):  # another editor's change in between: read again and apply ours on top
            member = self.live_member(user_id)
            if self.care.replace_tags(user_id, member.tags, wanted):
                added, removed = sorted(wanted - member.tags), sorted(member.tags - wanted)
                self.audit(staff, "tags.set", user_id, added=added, removed=removed)
                self.scenarios.triggered(
                    user_id, *(TriggerEvent(kind=TriggerKind.TAG_ADDED, tag=t) for t in added)
                )
                return self.member_detail(user_id)
        raise RecordContention(user_id)

    def add_memo(self, staff: str, user_id: str, request: MemoRequest) -> MemoView:
        self.live_member(user_id)
        memo = MemoView(
            memo_id=uuid.uuid4().hex[:12], kind=request.kind, text=request.text, at=self.clock(), by=staff
        )
        self.care.add_memo(user_id, memo)
        self.audit(staff, "memo.add", user_id, memo_id=memo.memo_id, kind=memo.kind.value)
        return memo

    def set_flags(self, staff: str, user_id: str, request: FlagsRequest) -> MemberDetail:
        before = self.live_member(user_id)
        changed: list[dict[str, Any]] = []
        for flag, on, reason, was in (
            (StaffFlag.DO_NOT_SEND, request.do_not_send, request.do_not_send_reason, before.do_not_send),
            (
                StaffFlag.COMPLAINT_HOLD,
                request.complaint_hold,
                request.complaint_hold_reason,
                before.complaint_hold,
            ),
        ):
            self.care.set_flag(user_id, flag, on, reason if on else None)
            if on != was:
                changed.append({"flag": flag.value, "on": on})
        self.audit(
            staff,
            "flags.set",
            user_id,
            do_not_send=request.do_not_send,
            complaint_hold=request.complaint_hold,
            changed=changed,
        )
        return self.member_detail(user_id)

    def set_flag_in_bulk(self, owner: str, request: BulkFlagRequest) -> int:
        reason = request.reason if request.on else None
        updated = sum(
            self.care.set_flag(user_id, request.flag, request.on, reason)
            for user_id in dict.fromkeys(request.user_ids)
        )
        self.audit(
            owner,
            "flags.bulk",
            None,
            flag=request.flag.value,
            on=request.on,
            updated=updated,
            user_ids=list(dict.fromkeys(request.user_ids)),
        )
        return updated

    # The dashboard

    def dashboard_days(self, days: int) -> list[DayCounts]:
        last = self.today()
        first = last - timedelta(days=days - 1)
        stored = {counts.date: counts for counts in self.stats.daily_counts(first, last)}
        return [
            stored.get(first + timedelta(days=n), DayCounts(date=first + timedelta(days=n)))
            for n in range(days)
        ]

    def birthdays_this_month(self) -> int:
        return self.stats.birthdays_in_month(self.today().month)

    # Helpers

    def live_member(self, user_id: str) -> MembershipRecord:
        record = self.members.find_membership(user_id)
        if record is None or not record.is_member:
            raise MemberNotFound(user_id)
        return record

    def today(self) -> date:
        return self.clock().astimezone(self.timezone).date()

    def _summary(self, member: Member) -> MemberSummary:
        return MemberSummary(
            user_id=member.user_id,
            member_no=member.member_no,
            name=member.name,
            name_kana=member.name_kana,
            display_name=member.display_name,
            rank=member.rank,
            points=member.points or 0,
            tags=sorted(member.tags),
        )

    def detail_of(self, record: MembershipRecord) -> MemberDetail:
        """What the counter shows of a member already read (`record`)."""
        today = self.today()
        coupons = sorted(
            (c for c in self.coupons.coupons_of(record.user_id) if c.is_active(today)),
            key=lambda c: (c.expires_on or date.max, c.issued_at),
        )
        return MemberDetail(
            **self._summary(record).model_dump(),
            status=record.status,
            picture_url=record.picture_url,
            do_not_send=record.do_not_send,
            do_not_send_reason=record.do_not_send_reason,
            complaint_hold=record.complaint_hold,
            complaint_hold_reason=record.complaint_hold_reason,
            last_visit_on=record.last_visit_on,
            visits=self.care.recent_visits(record.user_id, RECENT),
            memos=self.care.recent_memos(record.user_id, RECENT),
            coupons=[
                StaffCouponView(
                    coupon_id=c.coupon_id,
                    template_id=c.template_id,
                    title=c.title,
                    description=c.description,
                    discount_text=c.discount_text,
                    image_url=c.image_url,
                    expires_on=c.expires_on,
                    used=False,
                )
                for c in coupons
            ],
        )
