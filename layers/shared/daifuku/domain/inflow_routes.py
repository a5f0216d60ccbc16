"""Inflow routes (流入経路): which poster, flyer or post brought a customer, and what they did next.

A route's URL opens the member card LIFF app with `?route=<id>`; the LIFF app's bot prompt adds the
shop as a friend, and the card page reports the entry with the customer's ID token, so each entry is
tied to a verified LINE user. The member keeps their first route (first touch) and their latest.

Figures per route and shop day, kept as counters as things happen (never by scanning):
- opens: entries through the route (every time);
- new_friends: entries by a customer who first followed the shop within NEW_FRIEND_WINDOW before;
- registrations, first_visits, second_visits, blocks: by members whose first route it is.
A member with no route counts under 「その他」 (`OTHER_ROUTE`); its new friends are the day's friends
added that no route brought (friends_added − the routes' new_friends).
"""

from __future__ import annotations

import csv
import io
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field

from daifuku.clock import system_clock
from daifuku.domain.errors import CouponTemplateNotFound, DomainError
from daifuku.domain.scenario_engine import NO_SCENARIOS, ScenarioEntrance
from daifuku.domain.scenarios import (
    ScenarioId,
    ScenarioLookup,
    TriggerEvent,
    check_enrolment_action,
)
from daifuku.models.boundary_types import Tag, TemplateId, Text
from daifuku.models.member import Member
from daifuku.models.membership import Coupon
from daifuku.models.staff import CouponTemplateRecord

OTHER_ROUTE = "other"
OTHER_ROUTE_NAME = "その他"
NEW_FRIEND_WINDOW = timedelta(minutes=30)
ROUTE_ID = re.compile(r"^r[0-9a-f]{10}$")
# A route in a path or a body: a made route's id, or 「その他」's (an unknown one is a 404).
RouteId = Annotated[str, Field(pattern=r"^(r[0-9a-f]{10}|other)$")]
FIGURES = ("opens", "new_friends", "registrations", "first_visits", "second_visits", "blocks")
FIGURE_LABELS = {
    "opens": "開封",
    "new_friends": "新しい友だち",
    "registrations": "会員登録",
    "first_visits": "初来店",
    "second_visits": "2回目の来店",
    "blocks": "ブロック",
}
MAX_DAYS = 92


class RouteNameTaken(DomainError):
    """Another route has this name."""


class RouteNotFound(DomainError):
    """No route has this id."""


class ActionTiming(StrEnum):
    FIRST_TIME = "first_time"  # the customer's first entry through this route only
    EVERY_TIME = "every_time"


class RouteRequest(BaseModel):
    """The owner's new route: its name and what an entry does."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    name: Annotated[str, Text(40)]
    tag: Tag | None = None
    coupon_template_id: TemplateId | None = None
    scenario_id: ScenarioId | None = None  # start this (manual-trigger) scenario
    action_timing: ActionTiming = ActionTiming.FIRST_TIME


class EntryRequest(BaseModel):
    """The card page's report: the customer opened it through this route."""

    model_config = ConfigDict(defer_build=True, extra="forbid")

    route_id: RouteId


class FiguresQuery(BaseModel):
    model_config = ConfigDict(defer_build=True)
    days: int = Field(default=30, ge=1, le=MAX_DAYS)


class InflowRoute(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    route_id: str
    name: str
    tag: str | None = None
    coupon_template_id: str | None = None
    scenario_id: str | None = None
    action_timing: ActionTiming = ActionTiming.FIRST_TIME
    created_at: datetime


class RouteDay(BaseModel):
    """One route's figures on one shop day."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    day: date
    opens: int = 0
    new_friends: int = 0
    registrations: int = 0
    first_visits: int = 0
    second_visits: int = 0
    blocks: int = 0


class EntryResult(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    route_id: str
    first_time: bool
    new_friend: bool
    tagged: bool = False
    coupon_granted: bool = False


class RouteRecords(Protocol):
    def create_route(self, route: InflowRoute) -> bool:
        """Save the route; False when another route has its name."""

    def routes(self) -> list[InflowRoute]: ...

    def route(self, route_id: str) -> InflowRoute | None: ...

    def friend(self, user_id: str) -> Member | None:
        """The friend or member (their first follow, their first route), or None."""

    def record_entry(self, user_id: str, route_id: str, at: datetime) -> bool:
        """The entry, and the member's first and latest route; True when it is the user's first
        entry through this route."""

    def count(self, route_id: str, day: date, figures: dict[str, int]) -> None: ...

    def days(self, route_id: str, first: date, last: date) -> list[RouteDay]: ...

    def first_route_of(self, user_id: str) -> str | None: ...

    def visits_of(self, user_id: str, up_to: int = 3) -> int: ...


class RouteFigures(Protocol):
    """The hook the registration, visit and block paths call (RouteDesk implements it)."""

    def count_for_member(self, user_id: str, figure: str, at: datetime | None = None) -> None: ...

    def count_visit(self, user_id: str, at: datetime | None = None) -> None: ...

    def registered(self, user_id: str, at: datetime | None = None) -> None: ...


class EntryActions(Protocol):
    def add_tag(self, user_id: str, tag: str) -> bool: ...

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool: ...

    def load_template(self, template_id: str) -> CouponTemplateRecord | None: ...


class FriendsAddedByDay(Protocol):
    def friends_added(self, first: date, last: date) -> dict[date, int]: ...


@dataclass
class RouteDesk:
    records: RouteRecords
    actions: EntryActions
    timezone: tzinfo
    clock: Callable[[], datetime] = field(default=system_clock)
    # The entry action "start a scenario": the scenarios' entrance, and where a new route's scenario
    # is checked (None: a desk that never creates routes).
    scenarios: ScenarioEntrance = NO_SCENARIOS
    scenario_lookup: ScenarioLookup | None = None

    def today(self) -> date:
        return self.clock().astimezone(self.timezone).date()

    def create(self, request: RouteRequest) -> InflowRoute:
        if request.coupon_template_id and self.actions.load_template(request.coupon_template_id) is None:
            raise CouponTemplateNotFound(request.coupon_template_id)
        if request.scenario_id:
            check_enrolment_action(self.scenario_lookup, request.scenario_id)
        route = InflowRoute(
            route_id=f"r{uuid.uuid4().hex[:10]}",
            name=request.name,
            tag=request.tag,
            coupon_template_id=request.coupon_template_id,
            scenario_id=request.scenario_id,
            action_timing=request.action_timing,
            created_at=self.clock(),
        )
        if not self.records.create_route(route):
            raise RouteNameTaken(request.name)
        return route

    def route(self, route_id: str) -> InflowRoute:
        route = self.records.route(route_id) if ROUTE_ID.match(route_id) else None
        if route is None:
            raise RouteNotFound(route_id)
        return route

    def enter(self, user_id: str, route_id: str) -> EntryResult:
        """A verified customer opened the card through the route."""
        route = self.route(route_id)
        now = self.clock()
        friend = self.records.friend(user_id)
        new_friend = (
            friend is not None
            and friend.first_followed_at is not None
            and now - friend.first_followed_at <= NEW_FRIEND_WINDOW
            and self.records.first_route_of(user_id) is None
        )
        first_time = self.records.record_entry(user_id, route.route_id, now)
        counts = {"opens": 1} | ({"new_friends": 1} if new_friend else {})
        self.records.count(route.route_id, self.today(), counts)
        result = EntryResult(route_id=route.route_id, first_time=first_time, new_friend=new_friend)
        if not first_time and route.action_timing is ActionTiming.FIRST_TIME:
            return result
        tagged = bool(route.tag) and self.actions.add_tag(user_id, route.tag or "")
        coupon_granted = self._give_coupon(user_id, route, now, first_time)
        if route.scenario_id:
            # The engine's re-entry rule decides whether an every-time entry enrols again.
            self.scenarios.triggered(user_id, TriggerEvent.asked(route.scenario_id))
        return result.model_copy(update={"tagged": tagged, "coupon_granted": coupon_granted})

    def _give_coupon(self, user_id: str, route: InflowRoute, now: datetime, first_time: bool) -> bool:
        if not route.coupon_template_id:
            return False
        template = self.actions.load_template(route.coupon_template_id)
        if template is None:
            return False
        # Once per route for a first-time action; once per day for an every-time one.
        suffix = "" if route.action_timing is ActionTiming.FIRST_TIME else f"-{self.today():%Y%m%d}"
        coupon = template.coupon(f"route-{route.route_id}-{template.template_id}{suffix}", now, self.today())
        return self.actions.grant_coupon(user_id, coupon)

    # What happens later, counted against the member's first route (「その他」 without one)

    def count_for_member(self, user_id: str, figure: str, at: datetime | None = None) -> None:
        """One line in the registration, visit and block paths."""
        self._count(self.records.first_route_of(user_id), figure, at)

    def _count(self, route_id: str | None, figure: str, at: datetime | None) -> None:
        if figure not in FIGURES:
            raise ValueError(figure)
        day = (at or self.clock()).astimezone(self.timezone).date()
        self.records.count(route_id or OTHER_ROUTE, day, {figure: 1})

    def registered(self, user_id: str, at: datetime | None = None) -> None:
        """A friend became a member: counted against their first route, and that route's tag added
        now (tags are members' only: a friend entering before registering could not be tagged)."""
        route_id = self.records.first_route_of(user_id)
        self._count(route_id, "registrations", at)
        route = self.records.route(route_id) if route_id else None
        if route is not None and route.tag:
            self.actions.add_tag(user_id, route.tag)

    def count_visit(self, user_id: str, at: datetime | None = None) -> None:
        """After a visit is recorded: its first and second visits count (the visit itself included)."""
        visits = self.records.visits_of(user_id, 3)
        if visits in (1, 2):
            self.count_for_member(user_id, "first_visits" if visits == 1 else "second_visits", at)

    # The owner's figures

    def figures(self, route_id: str, days: int, friends_added: FriendsAddedByDay) -> list[RouteDay]:
        """The route's last `days` shop days, oldest first, every day present (zeros included)."""
        days = max(1, min(days, MAX_DAYS))
        last = self.today()
        first = last - timedelta(days=days - 1)
        if route_id != OTHER_ROUTE:
            self.route(route_id)
        counted = {d.day: d for d in self.records.days(route_id, first, last)}
        if route_id == OTHER_ROUTE:
            counted = self._other_new_friends(counted, first, last, friends_added)
        return [counted.get(first + timedelta(n), RouteDay(day=first + timedelta(n))) for n in range(days)]

    def _other_new_friends(
        self, counted: dict[date, RouteDay], first: date, last: date, friends_added: FriendsAddedByDay
    ) -> dict[date, RouteDay]:
        brought: dict[date, int] = {}
        for route in self.records.routes():
            for figures in self.records.days(route.route_id, first, last):
                brought[figures.day] = brought.get(figures.day, 0) + figures.new_friends
        result = dict(counted)
        for on, added in friends_added.friends_added(first, last).items():
            base = result.get(on, RouteDay(day=on))
            result[on] = base.model_copy(update={"new_friends": max(0, added - brought.get(on, 0))})
        return result


def figures_csv(name: str, days: list[RouteDay]) -> str:
    """The figures as a CSV a spreadsheet opens (UTF-8 with BOM, Japanese headers)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["経路", "日付", *(FIGURE_LABELS[f] for f in FIGURES)])
    for day in days:
        writer.writerow([name, day.day.isoformat(), *(getattr(day, f) for f in FIGURES)])
    return "\ufeff" + out.getvalue()
