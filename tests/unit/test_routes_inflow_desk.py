"""Inflow routes' rules with in-memory records: entries, first-time actions, new friends, the later
figures against the first route, 「その他」, and the funnel's helpers."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daifuku.domain.campaign_funnel import aggregation_unit_for, campaign_of_coupon, opens
from daifuku.domain.inflow_routes import (
    OTHER_ROUTE,
    ActionTiming,
    InflowRoute,
    RouteDay,
    RouteDesk,
    RouteNameTaken,
    RouteNotFound,
    RouteRequest,
    figures_csv,
)
from daifuku.models.member import Member
from daifuku.models.membership import Coupon
from daifuku.models.staff import CouponTemplateRecord

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
TODAY = date(2026, 12, 6)
USER = "U" + "a" * 32


class MemoryRoutes:
    def __init__(self) -> None:
        self.by_id: dict[str, InflowRoute] = {}
        self.members: dict[str, Member] = {}
        self.first_routes: dict[str, str] = {}
        self.visitors: dict[tuple[str, str], int] = {}
        self.counts: dict[tuple[str, date], dict[str, int]] = {}
        self.visits: dict[str, int] = {}
        self.tags: list[tuple[str, str]] = []
        self.coupons: dict[tuple[str, str], Coupon] = {}

    def create_route(self, route: InflowRoute) -> bool:
        if any(r.name == route.name for r in self.by_id.values()):
            return False
        self.by_id[route.route_id] = route
        return True

    def routes(self) -> list[InflowRoute]:
        return list(self.by_id.values())

    def route(self, route_id: str) -> InflowRoute | None:
        return self.by_id.get(route_id)

    def friend(self, user_id: str) -> Member | None:
        return self.members.get(user_id)

    def record_entry(self, user_id: str, route_id: str, at: datetime) -> bool:
        self.first_routes.setdefault(user_id, route_id)
        self.visitors[(route_id, user_id)] = self.visitors.get((route_id, user_id), 0) + 1
        return self.visitors[(route_id, user_id)] == 1

    def count(self, route_id: str, day: date, figures: dict[str, int]) -> None:
        counted = self.counts.setdefault((route_id, day), {})
        for name, n in figures.items():
            counted[name] = counted.get(name, 0) + n

    def days(self, route_id: str, first: date, last: date) -> list[RouteDay]:
        return [
            RouteDay(day=day, **c)
            for (r, day), c in self.counts.items()
            if r == route_id and first <= day <= last
        ]

    def first_route_of(self, user_id: str) -> str | None:
        return self.first_routes.get(user_id)

    def visits_of(self, user_id: str, up_to: int = 3) -> int:
        return min(up_to, self.visits.get(user_id, 0))

    def add_tag(self, user_id: str, tag: str) -> bool:
        self.tags.append((user_id, tag))
        return True

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        if (user_id, coupon.coupon_id) in self.coupons:
            return False
        self.coupons[(user_id, coupon.coupon_id)] = coupon
        return True

    def load_template(self, template_id: str) -> CouponTemplateRecord | None:
        if template_id != "t-poster":
            return None
        return CouponTemplateRecord(
            template_id="t-poster", title="ポスター特典", valid_days=14, created_at=NOW
        )


class FriendsAdded:
    def __init__(self, added: dict[date, int]) -> None:
        self.added = added

    def friends_added(self, first: date, last: date) -> dict[date, int]:
        return {d: n for d, n in self.added.items() if first <= d <= last}


def desk_with(records: MemoryRoutes) -> RouteDesk:
    return RouteDesk(records=records, actions=records, timezone=ZoneInfo("Asia/Tokyo"), clock=lambda: NOW)


def test_names_are_unique_and_a_coupon_must_exist() -> None:
    desk = desk_with(MemoryRoutes())
    route = desk.create(RouteRequest(name="店頭ポスター"))
    assert re.fullmatch(r"r[0-9a-f]{10}", route.route_id)
    with pytest.raises(RouteNameTaken):
        desk.create(RouteRequest(name="店頭ポスター"))
    with pytest.raises(Exception, match="t-missing"):
        desk.create(RouteRequest(name="チラシ", coupon_template_id="t-missing"))
    with pytest.raises(RouteNotFound):
        desk.enter(USER, "r0000000000")


def test_a_new_friend_entering_gets_the_first_time_actions_once() -> None:
    records = MemoryRoutes()
    records.members[USER] = Member(user_id=USER, first_followed_at=NOW - timedelta(minutes=2))
    desk = desk_with(records)
    route = desk.create(RouteRequest(name="Instagram", tag="インスタ", coupon_template_id="t-poster"))

    first = desk.enter(USER, route.route_id)
    again = desk.enter(USER, route.route_id)

    assert (first.first_time, first.new_friend, first.tagged, first.coupon_granted) == (
        True,
        True,
        True,
        True,
    )
    assert (again.first_time, again.new_friend, again.tagged, again.coupon_granted) == (
        False,
        False,
        False,
        False,
    )
    assert records.tags == [(USER, "インスタ")]
    [coupon] = records.coupons.values()
    assert coupon.expires_on == TODAY + timedelta(days=14)
    assert records.counts[(route.route_id, TODAY)] == {"opens": 2, "new_friends": 1}


def test_every_time_actions_give_at_most_one_coupon_a_day() -> None:
    records = MemoryRoutes()
    desk = desk_with(records)
    route = desk.create(
        RouteRequest(name="レジ横", coupon_template_id="t-poster", action_timing=ActionTiming.EVERY_TIME)
    )
    assert desk.enter(USER, route.route_id).coupon_granted is True
    assert desk.enter(USER, route.route_id).coupon_granted is False  # the same day
    assert records.counts[(route.route_id, TODAY)] == {"opens": 2}  # an old friend is not new


def test_later_figures_count_against_the_first_route_or_other() -> None:
    records = MemoryRoutes()
    desk = desk_with(records)
    route = desk.create(RouteRequest(name="12月チラシ", tag="チラシ"))
    desk.enter(USER, route.route_id)
    records.visits[USER] = 1
    desk.count_visit(USER)
    records.visits[USER] = 2
    desk.count_visit(USER)
    records.visits[USER] = 3
    desk.count_visit(USER)  # a third visit counts nothing
    desk.registered(USER)
    desk.count_for_member("U" + "b" * 32, "blocks")  # no route: 「その他」
    assert records.counts[(route.route_id, TODAY)] == {
        "opens": 1,
        "first_visits": 1,
        "second_visits": 1,
        "registrations": 1,
    }
    assert records.counts[(OTHER_ROUTE, TODAY)] == {"blocks": 1}
    # The entry's tag, and again on registering (a friend who entered before could not be tagged)
    assert records.tags == [(USER, "チラシ"), (USER, "チラシ")]


def test_other_routes_new_friends_are_the_friends_no_route_brought() -> None:
    records = MemoryRoutes()
    records.members[USER] = Member(user_id=USER, first_followed_at=NOW)
    desk = desk_with(records)
    route = desk.create(RouteRequest(name="ポスター"))
    desk.enter(USER, route.route_id)
    days = desk.figures(OTHER_ROUTE, 7, FriendsAdded({TODAY: 5}))
    assert len(days) == 7 and days[-1].day == TODAY and days[-1].new_friends == 4
    csv = figures_csv("その他", days)
    assert csv.startswith("\ufeff経路,日付,開封,新しい友だち") and "その他,2026-12-06,0,4,0,0,0,0" in csv


def test_the_funnels_helpers() -> None:
    assert opens({"overview": {"uniqueImpression": None}}) == (None, True)
    assert opens({"overview": {"uniqueImpression": 42}}) == (42, False)
    assert aggregation_unit_for("c-0123456789abcdef") == "c_c_0123456789abcdef"
    long = aggregation_unit_for("birth-month:2026-05-catch-up-2026-05-02")
    assert re.fullmatch(r"[A-Za-z0-9_]{1,30}", long) and long != aggregation_unit_for("birth-month:2026-05-x")
    assert campaign_of_coupon("campaign-c-1") == "c-1" and campaign_of_coupon("welcome") is None
