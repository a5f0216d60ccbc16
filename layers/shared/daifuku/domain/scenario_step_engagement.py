"""What a scenario step's recipients did with it: clicks on its tracked links and LINE's count of opens.

A step is sent as a campaign is measured: each http(s) URL of its text messages goes out as the
recipient's own tracked link (domain/tracked_links.py), registered under the step
(`scenario:<scenario id>:<step id>`), and each push carries the step's `customAggregationUnits` name,
so LINE counts the step's opens (`GET /v2/bot/insight/message/event/aggregation`). LINE answers
fewer than 20 people as null: shown as 「20人未満」, never as zero.

A step's unit is used again every month it sends (LINE allows 1,000 units a month); an account LINE
has not approved for units refuses the push with a 400, and the step goes again without the unit.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from daifuku.domain.campaign_funnel import STATISTICS_DAYS, UnitStatistics, opens
from daifuku.domain.campaigns import TextContent
from daifuku.domain.scenarios import Scenario, ScenarioStep
from daifuku.domain.tracked_links import TrackedLink, links_of

STEP_UNIT_PREFIX = "s_"


def step_link_source(scenario_id: str, step_id: str) -> str:
    """What a step's tracked links are registered under."""
    return f"scenario:{scenario_id}:{step_id}"


def step_aggregation_unit(scenario_id: str, step_id: str) -> str:
    """The step's unit name: one LINE accepts (`[a-zA-Z0-9_]{1,30}`), the same for every send of it."""
    return STEP_UNIT_PREFIX + hashlib.sha256(f"{scenario_id}\n{step_id}".encode()).hexdigest()[:24]


def step_links(scenario_id: str, step: ScenarioStep) -> list[TrackedLink]:
    """The tracked links of the step's text messages (as written, before {name} is filled in)."""
    texts: list[dict[str, Any]] = [
        {"type": "text", "text": m.text} for m in step.messages if isinstance(m, TextContent)
    ]
    return links_of(step_link_source(scenario_id, step.step_id), texts, None)


class StepEngagement(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    step_id: str
    clicked: int | None = None  # recipients who clicked a link of the step; None: the step has none
    opened: int | None = None  # LINE's count; None when not counted (or fewer than 20)
    opened_fewer_than_20: bool = False


class Clickers(Protocol):
    def clickers(self, link_ids: list[str]) -> set[str]: ...


def engagement_of(
    scenario: Scenario,
    sent_by_step: dict[str, int],
    clicks: Clickers,
    statistics: UnitStatistics | None,
    today: date,
) -> list[StepEngagement]:
    """Each step's clickers and LINE's opens over the last 30 days (LINE's longest period), asked
    only for steps that were sent."""
    first = today - timedelta(days=STATISTICS_DAYS - 1)
    result = []
    for step in scenario.steps:
        links = step_links(scenario.scenario_id, step)
        clicked = len(clicks.clickers([link.link_id for link in links])) if links else None
        opened, fewer = None, False
        if statistics is not None and sent_by_step.get(step.step_id, 0):
            unit = step_aggregation_unit(scenario.scenario_id, step.step_id)
            opened, fewer = opens(statistics.unit_statistics(unit, first, today))
        result.append(
            StepEngagement(step_id=step.step_id, clicked=clicked, opened=opened, opened_fewer_than_20=fewer)
        )
    return result
