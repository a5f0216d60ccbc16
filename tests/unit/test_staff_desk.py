"""The staff desk's rules with in-memory records: visits once per id, points as a ledger, one rank-up
message, one redemption, poster codes, and expiry reminders to unused holders only, once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daifuku.domain.campaign_planning import MemberSelection
from daifuku.domain.campaigns import Campaign, CampaignPlan, CampaignStatus, SendBatch
from daifuku.domain.coupon_desk import CouponDesk
from daifuku.domain.coupon_reminders import remind_expiring_coupons
from daifuku.domain.errors import (
    CouponAlreadyClaimed,
    CouponAlreadyUsed,
    CouponExpired,
    IdempotencyKeyReused,
    InvalidClaimCode,
    MemberNotFound,
    NotEnoughPoints,
)
from daifuku.domain.points import LedgerEntry, is_rank_up, rank_for
from daifuku.domain.poster_codes import issue_poster_code, verify_poster_code
from daifuku.domain.segments import Segment
from daifuku.domain.staff_desk import StaffDesk
from daifuku.models.member import MembershipStatus
from daifuku.models.membership import Coupon, MembershipRecord
from daifuku.models.shop import PointsRule, Rank, ShopConfig
from daifuku.models.staff import (
    AuditEntry,
    CouponTemplateRecord,
    CouponTemplateRequest,
    IssueRequest,
    MemoView,
    PointsAdjustmentRequest,
    StaffFlag,
    VisitRequest,
    VisitView,
)

TOKYO = ZoneInfo("Asia/Tokyo")
NOW = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
TODAY = NOW.astimezone(TOKYO).date()
STAFF = "U" + "5" * 32
KEY = b"poster-key"
RANKS = (
    Rank(name="レギュラー", min_points=0),
    Rank(name="シルバー", min_points=50),
    Rank(name="ゴールド", min_points=200),
)


def user(n: int) -> str:
    return f"U{n:032x}"


@dataclass
class InMemoryStaffRecords:
    """What the staff repositories do, with a lock standing in for DynamoDB's conditional writes."""

    members: dict[str, MembershipRecord] = field(default_factory=dict)
    coupons: dict[tuple[str, str], Coupon] = field(default_factory=dict)
    ledger: dict[tuple[str, str], LedgerEntry] = field(default_factory=dict)
    visits: dict[str, list[VisitView]] = field(default_factory=dict)
    templates_saved: dict[str, CouponTemplateRecord] = field(default_factory=dict)
    audit: list[AuditEntry] = field(default_factory=list)
    reminded: set[tuple[str, str]] = field(default_factory=set)
    issues: dict[str, tuple[str, int]] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def find_membership(self, user_id: str) -> MembershipRecord | None:
        return self.members.get(user_id)

    def find_member_by_number(self, member_no: str) -> MembershipRecord | None:
        return next((m for m in self.members.values() if m.member_no == member_no), None)

    def coupons_of(self, user_id: str) -> list[Coupon]:
        return [c for (holder, _), c in self.coupons.items() if holder == user_id]

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        with self.lock:
            if (user_id, coupon.coupon_id) in self.coupons:
                return False
            self.coupons[(user_id, coupon.coupon_id)] = coupon
            return True

    def record_issue(self, issue_id: str, fingerprint: str, at: datetime) -> str:
        with self.lock:
            return self.issues.setdefault(issue_id, (fingerprint, 0))[0]

    def count_issued(self, issue_id: str, count: int) -> int:
        with self.lock:
            fingerprint, issued = self.issues[issue_id]
            self.issues[issue_id] = (fingerprint, issued + count)
            return issued + count

    def recent_visits(self, user_id: str, limit: int) -> list[VisitView]:
        return sorted(self.visits.get(user_id, []), key=lambda v: v.visited_at, reverse=True)[:limit]

    def recent_memos(self, user_id: str, limit: int) -> list[MemoView]:
        return []

    def apply_points(
        self,
        entry: LedgerEntry,
        *,
        visit: VisitView | None = None,
        visited_on: date | None = None,
        coupon: Coupon | None = None,
        require_points: int | None = None,
    ) -> bool:
        with self.lock:
            if (entry.user_id, entry.entry_id) in self.ledger:
                return False
            member = self.members.get(entry.user_id)
            if member is None or not member.is_member:
                raise MemberNotFound(entry.user_id)
            if require_points is not None and (member.points or 0) < require_points:
                raise NotEnoughPoints(entry.user_id)
            self.ledger[(entry.user_id, entry.entry_id)] = entry
            update: dict[str, Any] = {"points": (member.points or 0) + entry.delta}
            if visited_on:
                update["last_visit_on"] = visited_on
            self.members[entry.user_id] = member.model_copy(update=update)
            if visit:
                self.visits.setdefault(entry.user_id, []).append(visit)
            if coupon:
                self.coupons[(entry.user_id, coupon.coupon_id)] = coupon
            return True

    def ledger_entry(self, user_id: str, entry_id: str) -> LedgerEntry | None:
        return self.ledger.get((user_id, entry_id))

    def set_rank(self, user_id: str, rank: str | None, expected: str | None, points: int) -> bool:
        with self.lock:
            if self.members[user_id].rank != expected or (self.members[user_id].points or 0) != points:
                return False
            self.members[user_id] = self.members[user_id].model_copy(update={"rank": rank})
            return True

    def redeem_coupon(self, user_id: str, coupon_id: str, by: str, at: datetime, today: date) -> datetime:
        with self.lock:
            coupon = self.coupons[(user_id, coupon_id)]
            if coupon.used_at is not None:
                raise CouponAlreadyUsed(coupon_id)
            if coupon.expires_on and coupon.expires_on < today:
                raise CouponExpired(coupon_id)
            self.coupons[(user_id, coupon_id)] = coupon.model_copy(update={"used_at": at, "used_by": by})
            return at

    def set_flag(self, user_id: str, flag: StaffFlag, on: bool, reason: str | None) -> bool:
        if user_id not in self.members:
            return False
        self.members[user_id] = self.members[user_id].model_copy(update={flag.value: on})
        return True

    def save_template(self, template: CouponTemplateRecord) -> CouponTemplateRecord:
        return self.templates_saved.setdefault(template.template_id, template)

    def load_template(self, template_id: str) -> CouponTemplateRecord | None:
        return self.templates_saved.get(template_id)

    def select_members(self, segment: Segment) -> MemberSelection:
        return MemberSelection(members=tuple(self.members.values()), used_scan=True)

    def write_audit(self, entry: AuditEntry) -> None:
        self.audit.append(entry)

    # The reminder's port

    def unused_coupons_expiring_on(self, day: date) -> list[tuple[str, Coupon]]:
        return [
            (holder, c)
            for (holder, cid), c in self.coupons.items()
            if c.expires_on == day and c.used_at is None and (holder, cid) not in self.reminded
        ]

    def mark_reminded(self, user_id: str, coupon_id: str, at: datetime) -> None:
        self.reminded.add((user_id, coupon_id))


@dataclass
class RecordingLine:
    pushes: list[tuple[str, str, str | None]] = field(default_factory=list)

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str | None = None) -> None:
        self.pushes.append((to, messages[0]["text"], retry_key))


def a_member(records: InMemoryStaffRecords, n: int, **fields: Any) -> str:
    records.members[user(n)] = MembershipRecord(
        user_id=user(n), member_no=f"{n:06d}", status=MembershipStatus.REGISTERED, name=f"会員{n}", **fields
    )
    return user(n)


def desk(records: InMemoryStaffRecords, line: RecordingLine | None = None, **shop: Any) -> StaffDesk:
    return StaffDesk(
        members=records,  # type: ignore[arg-type]
        care=records,  # type: ignore[arg-type]
        search_index=records,  # type: ignore[arg-type]
        coupons=records,  # type: ignore[arg-type]
        points=records,  # type: ignore[arg-type]
        stats=records,  # type: ignore[arg-type]
        line=line or RecordingLine(),
        shop=ShopConfig(**shop),
        timezone=TOKYO,
        poster_key=KEY,
        clock=lambda: NOW,
    )


def test_ranks_are_the_highest_threshold_reached_and_only_upward_moves_are_rank_ups():
    assert [rank_for(p, RANKS) for p in (0, 49, 50, 199, 200, 10_000)] == [
        "レギュラー", "レギュラー", "シルバー", "シルバー", "ゴールド", "ゴールド",
    ]  # fmt: skip
    assert rank_for(100, ()) is None
    assert is_rank_up("レギュラー", "シルバー", RANKS) and is_rank_up(None, "シルバー", RANKS)
    assert not is_rank_up(None, "レギュラー", RANKS)  # everyone holds it from 0 points
    assert not is_rank_up("ゴールド", "シルバー", RANKS) and not is_rank_up("シルバー", "シルバー", RANKS)
    with pytest.raises(ValueError):
        ShopConfig(ranks=(RANKS[1], RANKS[0]))


def test_the_same_visit_twice_is_one_visit_and_one_ledger_entry():
    records = InMemoryStaffRecords()
    member = a_member(records, 1)
    staff_desk = desk(records, points_rule=PointsRule(points_per_visit=15))

    first, created = staff_desk.record_visit(STAFF, member, VisitRequest(visit_id="v1"))
    again, created_again = staff_desk.record_visit(STAFF, member, VisitRequest(visit_id="v1"))

    assert (created, created_again) == (True, False)
    assert (first.points, again.points, again.points_added) == (15, 15, 15)
    assert len(records.visits[member]) == 1 and records.members[member].last_visit_on == TODAY
    assert [e.detail["replayed"] for e in records.audit] == [False, True]


def test_concurrent_visits_cross_a_rank_once_and_send_one_message_keyed_by_the_entry():
    records = InMemoryStaffRecords()
    member = a_member(records, 2)
    line = RecordingLine()
    staff_desk = desk(
        records,
        line,
        points_rule=PointsRule(points_per_visit=10),
        ranks=RANKS,
        rank_up_message="{rank}になりました",
    )
    with ThreadPoolExecutor(max_workers=8) as pool:
        list(
            pool.map(
                lambda n: staff_desk.record_visit(STAFF, member, VisitRequest(visit_id=f"v{n % 6}")),
                range(12),
            )
        )

    assert records.members[member].points == 60 == sum(e.delta for e in records.ledger.values())
    assert records.members[member].rank == "シルバー"
    rank_ups = [p for p in line.pushes if p[1] == "シルバーになりました"]
    assert len(rank_ups) == 1
    assert rank_ups[0][2] in {e.rank_up_retry_key for e in records.ledger.values()}


@dataclass
class WeeklyCap:
    """The frequency cap as the rank-up message sees it: `allowed` pushes left this week."""

    allowed: int
    counted: list[str] = field(default_factory=list)

    def rank_up_allowed(self, user_id: str, now: datetime) -> bool:
        return self.allowed > len(self.counted)

    def count_push(self, user_id: str, at: datetime) -> None:
        self.counted.append(user_id)


@pytest.mark.parametrize(("allowed", "sent"), [(1, 1), (0, 0)])
def test_a_rank_up_message_obeys_the_weekly_cap_and_counts_against_it(allowed: int, sent: int):
    records = InMemoryStaffRecords()
    member = a_member(records, 2)
    line = RecordingLine()
    staff_desk = desk(records, line, points_rule=PointsRule(points_per_visit=60), ranks=RANKS)
    staff_desk.shop = staff_desk.shop.model_copy(update={"rank_up_message": "{rank}になりました"})
    staff_desk.cap = cap = WeeklyCap(allowed)

    staff_desk.record_visit(STAFF, member, VisitRequest(visit_id="v1"))

    # The rank moves either way; the message goes only within the cap, and then counts as a push
    assert records.members[member].rank == "シルバー"
    assert len([p for p in line.pushes if p[1] == "シルバーになりました"]) == sent
    assert cap.counted == [member] * sent


class RankWriteAfterAnotherChange(InMemoryStaffRecords):
    """Another staff member's adjustment lands between a rank's read and its write, `times` times."""

    def __init__(self, times: int):
        super().__init__()
        self.times = times

    def set_rank(self, user_id: str, rank: str | None, expected: str | None, points: int) -> bool:
        if self.times:
            self.times -= 1
            with self.lock:
                member = self.members[user_id]
                self.members[user_id] = member.model_copy(update={"points": (member.points or 0) - 10})
        return super().set_rank(user_id, rank, expected, points)


def test_a_rank_worked_out_from_points_that_changed_meanwhile_is_not_stored():
    # Given a member at 45 points, one adjustment short of シルバー
    records = RankWriteAfterAnotherChange(times=1)
    member = a_member(records, 4, points=45, rank="レギュラー")
    staff_desk = desk(records, ranks=RANKS)
    # When +10 lands, and a -10 lands between its rank's read and write
    staff_desk.adjust_points(STAFF, member, PointsAdjustmentRequest(delta=10, reason="訂正", entry_id="a1"))
    # Then the stored rank agrees with the stored points
    assert records.members[member].points == 45 and records.members[member].rank == "レギュラー"


def test_concurrent_changes_around_a_threshold_leave_the_rank_agreeing_with_the_points():
    records = InMemoryStaffRecords()
    member = a_member(records, 5, points=45, rank="レギュラー")
    staff_desk = desk(records, ranks=RANKS)

    def adjust(n: int) -> None:
        request = PointsAdjustmentRequest(delta=10 if n % 2 else -5, reason="訂正", entry_id=f"c{n}")
        staff_desk.adjust_points(STAFF, member, request)

    with ThreadPoolExecutor(max_workers=16) as pool:
        list(pool.map(adjust, range(60)))
    held = records.members[member]
    assert held.points == 45 + 30 * 10 - 30 * 5
    assert held.rank == rank_for(held.points or 0, RANKS)


def test_an_adjustment_below_zero_is_refused_and_an_exchange_pays_for_its_coupon_once():
    records = InMemoryStaffRecords()
    member = a_member(records, 3, points=20)
    staff_desk = desk(records)
    with pytest.raises(NotEnoughPoints):
        staff_desk.adjust_points(
            STAFF, member, PointsAdjustmentRequest(delta=-21, reason="訂正", entry_id="a1")
        )
    template = CouponDesk(staff_desk).create_template(
        STAFF, CouponTemplateRequest(template_id="tea", title="お茶", points_cost=15)
    )

    coupon, created = CouponDesk(staff_desk).exchange_points(member, template.template_id, "x1")
    again, created_again = CouponDesk(staff_desk).exchange_points(member, template.template_id, "x1")

    assert (created, created_again, coupon.coupon_id == again.coupon_id) == (True, False, True)
    assert records.members[member].points == 5
    with pytest.raises(NotEnoughPoints):
        CouponDesk(staff_desk).exchange_points(member, template.template_id, "x2")


def test_a_coupon_is_redeemed_once_and_not_after_its_last_day():
    records = InMemoryStaffRecords()
    member = a_member(records, 4)
    records.grant_coupon(member, Coupon(coupon_id="c1", title="t", issued_at=NOW, expires_on=TODAY))
    records.grant_coupon(
        member, Coupon(coupon_id="old", title="t", issued_at=NOW, expires_on=TODAY - timedelta(days=1))
    )
    staff_desk = desk(records)

    assert staff_desk.redeem(STAFF, member, "c1") == NOW
    with pytest.raises(CouponAlreadyUsed):
        staff_desk.redeem(STAFF, member, "c1")
    with pytest.raises(CouponExpired):
        staff_desk.redeem(STAFF, member, "old")
    assert staff_desk.member_detail(member).coupons == []


def test_poster_codes_are_good_for_their_day_only_and_claimed_once_per_member():
    code = issue_poster_code("tpl", TODAY, KEY)
    assert verify_poster_code(code, KEY, TODAY).template_id == "tpl"
    for bad, today in ((code, TODAY + timedelta(days=1)), (issue_poster_code("tpl", TODAY, b"other"), TODAY)):
        with pytest.raises(InvalidClaimCode):
            verify_poster_code(bad, KEY, today)
    records = InMemoryStaffRecords()
    member = a_member(records, 5)
    staff_desk = desk(records)
    CouponDesk(staff_desk).create_template(STAFF, CouponTemplateRequest(template_id="tpl", title="ポスター"))

    claimed, given = CouponDesk(staff_desk).claim_poster_coupon(member, code)
    assert (claimed.title, given) == ("ポスター", True)
    # the same code again is a retry: the coupon it gave, nothing more
    assert CouponDesk(staff_desk).claim_poster_coupon(member, code) == (claimed, False)
    # another poster of the same coupon (a week's code) is a second claim: refused
    with pytest.raises(CouponAlreadyClaimed):
        CouponDesk(staff_desk).claim_poster_coupon(
            member, issue_poster_code("tpl", TODAY, KEY, TODAY + timedelta(days=6))
        )
    assert len(records.coupons_of(member)) == 1


def test_segment_issuance_gives_each_member_of_the_segment_one_coupon_per_issue_id():
    records = InMemoryStaffRecords()
    vip = [a_member(records, n, tags=frozenset({"VIP"})) for n in (6, 7)]
    a_member(records, 8)
    staff_desk = desk(records)
    CouponDesk(staff_desk).create_template(STAFF, CouponTemplateRequest(template_id="vip", title="VIP"))
    request = IssueRequest(segment=Segment(tags_any=("VIP",)), issue_id="i1")

    assert CouponDesk(staff_desk).issue(STAFF, "vip", request) == 2
    # a retry answers the first count and gives nothing more
    assert CouponDesk(staff_desk).issue(STAFF, "vip", request) == 2
    assert sorted(holder for holder, _ in records.coupons) == vip


def test_an_issue_id_reused_for_another_template_or_audience_is_refused_and_gives_nothing():
    records = InMemoryStaffRecords()
    first, second = a_member(records, 11), a_member(records, 12)
    staff_desk = desk(records)
    for template_id in ("a", "b"):
        CouponDesk(staff_desk).create_template(
            STAFF, CouponTemplateRequest(template_id=template_id, title="券")
        )
    assert CouponDesk(staff_desk).issue(STAFF, "a", IssueRequest(user_id=first, issue_id="same")) == 1

    for template_id, request in (
        ("b", IssueRequest(user_id=first, issue_id="same")),
        ("a", IssueRequest(user_id=second, issue_id="same")),
        ("a", IssueRequest(segment=Segment(tags_any=("VIP",)), issue_id="same")),
    ):
        with pytest.raises(IdempotencyKeyReused):
            CouponDesk(staff_desk).issue(STAFF, template_id, request)
    assert list(records.coupons) == [(first, "a-same")]


@dataclass
class InMemoryCampaigns:
    saved: dict[str, Campaign] = field(default_factory=dict)
    plans: dict[str, CampaignPlan] = field(default_factory=dict)

    def create_campaign(self, campaign: Campaign) -> Campaign:
        return self.saved.setdefault(campaign.campaign_id, campaign)

    def load_campaign(self, campaign_id: str) -> Campaign | None:
        return self.saved.get(campaign_id)

    def move_campaign(self, campaign_id: str, status: CampaignStatus, reason: str | None = None) -> Campaign:
        self.saved[campaign_id] = self.saved[campaign_id].moved_to(status)
        return self.saved[campaign_id]

    def select_members(self, segment: Segment) -> MemberSelection:
        raise AssertionError("a reminder's audience is its plan, never a segment")

    def save_plan(self, plan: CampaignPlan, skipped_by_flag: list[str]) -> None:
        self.plans[plan.campaign_id] = plan

    def planned_batches(self, campaign_id: str) -> tuple[SendBatch, ...]:
        return self.plans[campaign_id].batches

    def log_campaign_started(self, campaign_id: str, at: datetime) -> None:
        pass


class NoQuota:
    def message_quota(self) -> int | None:
        return None

    def messages_sent_this_month(self) -> int:
        return 0


@dataclass
class RecordingQueue:
    batches: list[SendBatch] = field(default_factory=list)

    def enqueue(self, batches: tuple[SendBatch, ...]) -> None:
        self.batches += batches


def test_the_expiry_reminder_goes_to_unused_holders_in_three_days_and_never_twice():
    records = InMemoryStaffRecords()
    holders = [a_member(records, n) for n in range(10, 14)]
    in_three_days = TODAY + timedelta(days=3)
    for holder in holders:
        records.grant_coupon(
            holder, Coupon(coupon_id="c", title="秋のクーポン", issued_at=NOW, expires_on=in_three_days)
        )
    records.coupons[(holders[0], "c")] = records.coupons[(holders[0], "c")].model_copy(
        update={"used_at": NOW}
    )
    records.grant_coupon(
        holders[1], Coupon(coupon_id="d", title="別", issued_at=NOW, expires_on=TODAY + timedelta(4))
    )
    campaigns, queue = InMemoryCampaigns(), RecordingQueue()

    def run() -> list[Any]:
        return remind_expiring_coupons(TODAY, ShopConfig(), records, campaigns, NoQuota(), queue, NOW)

    first, second = run(), run()

    assert [s.recipients for s in first] == [3] and second == []
    assert [batch.user_ids for batch in queue.batches] == [tuple(holders[1:])]
    [campaign] = campaigns.saved.values()
    assert "秋のクーポン" in campaign.messages[0].text and "12月4日" in campaign.messages[0].text  # type: ignore[union-attr]


def test_a_shop_that_set_the_reminder_to_zero_days_reminds_no_one():
    records = InMemoryStaffRecords()
    holder = a_member(records, 30)
    records.grant_coupon(holder, Coupon(coupon_id="z", title="本日まで", issued_at=NOW, expires_on=TODAY))
    campaigns, queue = InMemoryCampaigns(), RecordingQueue()

    started = remind_expiring_coupons(
        TODAY, ShopConfig(coupon_reminder_days=0), records, campaigns, NoQuota(), queue, NOW
    )

    assert started == [] and queue.batches == [] and campaigns.saved == {}


def test_members_without_a_number_are_not_at_the_counter():
    records = InMemoryStaffRecords()
    records.members[user(20)] = MembershipRecord(user_id=user(20))
    with pytest.raises(MemberNotFound):
        desk(records).record_visit(STAFF, user(20), VisitRequest(visit_id="v"))
