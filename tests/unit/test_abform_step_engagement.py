"""A scenario step measured like a campaign, with in-memory records: its texts' URLs sent as each
recipient's own tracked link, its pushes with the step's unit (again without it when LINE refuses
units), and its clickers and LINE's opens per step."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from daifuku.domain.errors import LineBadRequest
from daifuku.domain.scenario_delivery import StepDelivery
from daifuku.domain.scenario_engine import StepOutcome
from daifuku.domain.scenario_step_engagement import (
    engagement_of,
    step_aggregation_unit,
    step_link_source,
    step_links,
)
from daifuku.domain.scenarios import ScenarioStepBatch, TriggerEvent, TriggerKind
from daifuku.domain.tracked_links import LinkCodes, TrackedLink
from tests.unit.test_scenario_engine import JST, USER, FakeRecords, scenario
from tests.unit.test_scenario_engine import setup as enrolled_setup

URL = "https://shop.example.jp/menu"
LINK_STEP = {
    "step_id": "menu",
    "delay": {"amount": 0, "unit": "minutes"},
    "messages": [
        {"type": "text", "text": f"{{name}}様、今月のメニューです。{URL}"},
        {
            "type": "image",
            "original_content_url": "https://cdn.example.jp/a.jpg",
            "preview_image_url": "https://cdn.example.jp/a.jpg",
        },
    ],
}
PLAIN_STEP = {
    "step_id": "plain",
    "delay": {"amount": 0, "unit": "minutes"},
    "messages": [{"type": "text", "text": "こんにちは。"}],
}
CODES = LinkCodes(b"k" * 32, "https://api.example.jp")


@dataclass
class Links:
    kept: dict[str, TrackedLink] = field(default_factory=dict)

    def register(self, links: list[TrackedLink]) -> None:
        for link in links:
            self.kept.setdefault(link.link_id, link)

    def tracked_link(self, link_id: str) -> TrackedLink | None:
        return self.kept.get(link_id)

    def record_click(self, link: TrackedLink, user_id: str, at: datetime) -> bool:
        return True

    def add_tag(self, user_id: str, tag: str) -> bool:
        return True


@dataclass
class UnitLine:
    """LINE that refuses customAggregationUnits when `refuses_units` (an account not approved)."""

    refuses_units: bool = False
    pushes: list[tuple[list[dict[str, Any]], str | None]] = field(default_factory=list)

    def push(
        self,
        to: str,
        messages: list[dict[str, Any]],
        retry_key: str | None = None,
        aggregation_unit: str | None = None,
    ) -> None:
        if aggregation_unit and self.refuses_units:
            raise LineBadRequest(400, "customAggregationUnits not allowed")
        self.pushes.append((messages, aggregation_unit))


def deliver(line: UnitLine, links: Links) -> tuple[list[StepOutcome], FakeRecords]:
    records, engine, _, clock = enrolled_setup(datetime(2026, 5, 1, 10, 0, tzinfo=JST), steps=[LINK_STEP])
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.FRIEND_ADDED))
    delivery = StepDelivery(
        engine=engine,
        line=line,
        tags=records,
        tracked_links=links,
        link_codes=lambda: CODES,
        aggregation_units=True,
    )
    due = records.take_due(clock())
    return list(delivery.deliver(ScenarioStepBatch(steps=tuple(due))).values()), records


def test_a_steps_url_goes_out_as_the_recipients_tracked_link_with_the_steps_unit():
    line, links = UnitLine(), Links()
    outcomes, _ = deliver(line, links)
    assert outcomes == [StepOutcome.SENT]
    [(messages, unit)] = line.pushes
    assert unit == step_aggregation_unit("s1", "menu") and re.fullmatch(r"[a-zA-Z0-9_]{1,30}", unit)
    [link] = links.kept.values()
    assert link.url == URL and link.source == step_link_source("s1", "menu")
    assert messages[0]["text"] == f"様、今月のメニューです。{CODES.url(link.link_id, USER)}"
    assert messages[1]["type"] == "image"  # images go as they are
    assert CODES.read(messages[0]["text"].rsplit("/", 1)[1]) == (link.link_id, USER)


def test_an_account_line_refuses_units_for_gets_the_step_without_one():
    line = UnitLine(refuses_units=True)
    outcomes, records = deliver(line, Links())
    assert outcomes == [StepOutcome.SENT] and records.counts["menu.sent"] == 1
    [(_, unit)] = line.pushes
    assert unit is None


@dataclass
class Clicks:
    by_link: dict[str, set[str]]

    def clickers(self, link_ids: list[str]) -> set[str]:
        return {user for link_id in link_ids for user in self.by_link.get(link_id, set())}


@dataclass
class Statistics:
    answers: dict[str, Any]
    asked: list[tuple[str, date, date]] = field(default_factory=list)

    def unit_statistics(self, unit: str, first: date, last: date) -> dict[str, Any]:
        self.asked.append((unit, first, last))
        return self.answers[unit]


def test_each_steps_clickers_and_lines_opens_fewer_than_20_as_such():
    measured = scenario(steps=[LINK_STEP, PLAIN_STEP, {**PLAIN_STEP, "step_id": "unsent"}])
    [link] = step_links("s1", measured.steps[0])
    clicks = Clicks({link.link_id: {"U1", "U2"}})
    statistics = Statistics(
        {
            step_aggregation_unit("s1", "menu"): {"overview": {"uniqueImpression": 25}},
            step_aggregation_unit("s1", "plain"): {"overview": {"uniqueImpression": None}},
        }
    )
    today = date(2026, 5, 31)
    figures = engagement_of(measured, {"menu": 30, "plain": 3}, clicks, statistics, today)
    by_step = {f.step_id: f for f in figures}
    assert (by_step["menu"].clicked, by_step["menu"].opened, by_step["menu"].opened_fewer_than_20) == (
        2,
        25,
        False,
    )
    assert (by_step["plain"].clicked, by_step["plain"].opened, by_step["plain"].opened_fewer_than_20) == (
        None,
        None,
        True,
    )
    assert (by_step["unsent"].opened, by_step["unsent"].opened_fewer_than_20) == (None, False)  # not asked
    assert [unit for unit, _, _ in statistics.asked] == [
        step_aggregation_unit("s1", s) for s in ("menu", "plain")
    ]
    assert all(last == today and (last - first).days == 29 for _, first, last in statistics.asked)
