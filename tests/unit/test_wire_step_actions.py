"""A sent step's coupon and rich-menu actions, and the month's quota running out: steps wait, the
owner's note is written once per wait with one staff alert, and the note goes when steps flow again."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from daifuku.domain.errors import LineMonthlyLimitReached
from daifuku.domain.scenario_delivery import StepDelivery
from daifuku.domain.scenario_engine import StepOutcome
from daifuku.domain.scenarios import DueStep, ScenarioStepBatch, TriggerEvent, TriggerKind
from daifuku.models.member import Member, MembershipStatus
from daifuku.models.membership import Coupon
from daifuku.models.staff import CouponTemplateRecord
from tests.unit.test_scenario_engine import JST, USER, Clock, FakeLine, run_due, setup

OTHER = "U" + "2" * 32
STAFF = "U" + "9" * 32


@dataclass
class FakeActions:
    coupons: dict[str, Coupon] = field(default_factory=dict)
    linked: list[tuple[str, str]] = field(default_factory=list)

    def load_coupon_template(self, template_id: str) -> CouponTemplateRecord | None:
        if template_id != "t-welcome":
            return None
        return CouponTemplateRecord(template_id=template_id, title="ようこそクーポン", valid_days=14)

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        return self.coupons.setdefault(f"{user_id}/{coupon.coupon_id}", coupon) is coupon

    def rich_menu_ids(self) -> dict[str, str]:
        return {"member": "richmenu-member"}

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        self.linked.append((user_id, rich_menu_id))

    def staff_user_ids(self) -> list[str]:
        return [STAFF]


@dataclass
class QuotaLine(FakeLine):
    spent: bool = False
    alerts: list[tuple[list[str], str | None]] = field(default_factory=list)

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str | None = None) -> None:
        if self.spent:
            raise LineMonthlyLimitReached(429, "You have reached your monthly limit.")
        super().push(to, messages, retry_key)

    def multicast(self, to: list[str], messages: list[dict[str, Any]], retry_key: str | None = None) -> None:
        self.alerts.append((to, retry_key))


def one_step(**actions: Any) -> dict[str, Any]:
    step = {
        "step_id": "a",
        "delay": {"amount": 0, "unit": "minutes"},
        "messages": [{"type": "text", "text": "x"}],
    }
    return {"trigger": {"kind": "manual"}, "steps": [step | actions]}


def deliver(delivery: StepDelivery, clock: Clock, user: str) -> StepOutcome:
    due = DueStep(scenario_id="s1", user_id=user, entry=1, step_id="a", due=clock.now)
    return delivery.deliver(ScenarioStepBatch(steps=(due,)))[f"s1:{user}:a"]


def test_a_sent_step_gives_its_coupon_once_to_a_member_and_switches_their_rich_menu():
    records, engine, line, clock = setup(
        datetime(2026, 5, 1, 12, 0, tzinfo=JST),
        **one_step(coupon_template_id="t-welcome", rich_menu="member"),
    )
    records.members[USER] = Member(user_id=USER, status=MembershipStatus.REGISTERED, member_no="0000123")
    actions = FakeActions()
    delivery = StepDelivery(engine=engine, line=line, tags=records, actions=actions, menus=actions)
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.MANUAL, scenario_id="s1"))
    assert deliver(delivery, clock, USER) is StepOutcome.SENT
    # A redelivery of the same due step sends nothing and gives nothing more
    assert deliver(delivery, clock, USER) is StepOutcome.STALE
    [coupon] = actions.coupons.values()
    assert coupon.template_id == "t-welcome" and coupon.title == "ようこそクーポン"
    assert coupon.expires_on is not None and (coupon.expires_on - clock.now.date()).days == 14
    assert actions.linked == [(USER, "richmenu-member")]
    # The coupon's id is the entry's and the step's: a worker that died after granting it gives it again
    # under the same id, which the conditional write refuses.
    entry = records.enrolled[("s1", USER)]
    assert not actions.grant_coupon(
        USER, coupon.model_copy(update={"coupon_id": entry.coupon_id("a", "t-welcome")})
    )


def test_a_friend_who_is_not_a_member_gets_the_step_but_no_coupon():
    records, engine, line, clock = setup(
        datetime(2026, 5, 1, 12, 0, tzinfo=JST), **one_step(coupon_template_id="t-welcome")
    )
    actions = FakeActions()
    delivery = StepDelivery(engine=engine, line=line, tags=records, actions=actions)
    engine.triggered(USER, TriggerEvent.asked("s1"))
    assert deliver(delivery, clock, USER) is StepOutcome.SENT
    assert actions.coupons == {}


def test_when_the_quota_runs_out_steps_wait_with_one_note_and_one_staff_alert_until_they_flow_again():
    records, engine, _, clock = setup(datetime(2026, 5, 1, 12, 0, tzinfo=JST), **one_step())
    records.members[OTHER] = Member(user_id=OTHER)
    line = QuotaLine(spent=True)
    actions = FakeActions()
    delivery = StepDelivery(engine=engine, line=line, tags=records, staff=actions)
    for user in (USER, OTHER):
        engine.triggered(user, TriggerEvent.asked("s1"))
    records.take_due(clock.now)  # the schedule took them (delivered by hand below)
    # Two steps meet the spent quota: both wait, the owner's note is written, staff hear once
    assert [deliver(delivery, clock, user) for user in (USER, OTHER)] == [StepOutcome.WAITING] * 2
    assert records.quota_wait() is not None
    assert [to for to, _ in line.alerts] == [[STAFF]]
    # The quota is back and the waiting steps come due: they are sent and the note goes
    line.spent = False
    clock.now = records.enrolled[("s1", USER)].send_due or clock.now
    assert sorted(run_due(engine, records, line)) == [StepOutcome.SENT, StepOutcome.SENT]
    assert records.quota_wait() is None


def test_a_tracked_links_first_click_starts_its_scenario_and_a_repeat_does_not():
    from daifuku.domain.tracked_links import ClickDesk, TrackedLink, link_id_for
    from tests.unit.test_routes_tracked_link_codes import CODES, SHOP_PAGE, MemoryLinks

    url = "https://shop.example.jp/sale"
    links = MemoryLinks()
    link = TrackedLink(
        link_id=link_id_for("campaign:c1", url), url=url, source="campaign:c1", click_scenario_id="s-click"
    )
    links.register([link])
    started: list[tuple[str, str]] = []
    desk = ClickDesk(links, CODES, SHOP_PAGE, start_scenario=lambda user, s: started.append((user, s)))
    code = CODES.code(link.link_id, USER)
    assert desk.follow(code, "GET", "Mozilla/5.0 (iPhone) Line/14.0").recorded
    assert not desk.follow(code, "GET", "Mozilla/5.0 (iPhone) Line/14.0").recorded
    assert not desk.follow(code, "GET", "facebookexternalhit/1.1").recorded  # a preview fetch
    assert started == [(USER, "s-click")]
