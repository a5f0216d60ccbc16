"""The owner's シナリオ tab: create and edit scenarios (versioned: a concurrent save is refused),
pause, resume and stop them, enrol a segment by hand, test-send to themselves, read the results."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field

from daifuku.domain.campaign_planning import MemberSelection, recipients_of
from daifuku.domain.errors import NotStaff
from daifuku.domain.scenario_engine import STEP_COUNTERS, ScenarioEngine, ScenarioRecords
from daifuku.domain.scenarios import (
    Scenario,
    ScenarioDefinition,
    ScenarioError,
    ScenarioId,
    ScenarioNotFound,
    ScenarioStatus,
    TriggerKind,
)
from daifuku.domain.segments import Segment
from daifuku.models.member import Member
from daifuku.models.staff import CouponTemplateRecord

log = logging.getLogger("daifuku.scenarios")


class ScenarioCreateRequest(ScenarioDefinition):
    """A new scenario; the page picks its id, so a double tap creates it once."""

    model_config = ConfigDict(defer_build=True)

    scenario_id: ScenarioId


class ScenarioEditRequest(ScenarioDefinition):
    """The whole scenario as edited, with the version the edit began from (409 when it moved)."""

    model_config = ConfigDict(defer_build=True)

    version: int = Field(ge=1, le=1_000_000_000)


class ScenarioEnrolRequest(BaseModel):
    """Enrol a segment by hand (a scenario with the manual trigger)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    segment: Segment


class ScenarioStore(ScenarioRecords, Protocol):
    def create_scenario(self, scenario: Scenario) -> bool: ...

    def save_scenario(self, scenario: Scenario, expected_version: int) -> Scenario: ...

    def results(self, scenario_id: str) -> tuple[dict[str, int], dict[str, dict[str, int]]]: ...

    def load_coupon_template(self, template_id: str) -> CouponTemplateRecord | None: ...


class SegmentReader(Protocol):
    def select_members(self, segment: Segment) -> MemberSelection: ...


class StaffCheck(Protocol):
    def is_staff(self, user_id: str) -> bool: ...


class Pusher(Protocol):
    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str | None = None) -> Any: ...


@dataclass
class ScenarioDesk:
    records: ScenarioStore
    engine: ScenarioEngine
    segments: SegmentReader
    staff: StaffCheck
    line: Pusher
    clock: Callable[[], datetime]

    def scenario(self, scenario_id: str) -> Scenario:
        scenario = self.records.load_scenario(scenario_id)
        if scenario is None:
            raise ScenarioNotFound(scenario_id)
        return scenario

    def create(self, request: ScenarioCreateRequest) -> tuple[Scenario, bool]:
        """(the scenario, True) when created; the same id again answers the stored one (False)."""
        now = self.clock()
        scenario = Scenario(**request.model_dump(), created_at=now, updated_at=now)
        self._refuse_loops(scenario)
        self._refuse_missing_coupons(scenario)
        if self.records.create_scenario(scenario):
            return scenario, True
        return self.scenario(request.scenario_id), False

    def edit(self, scenario_id: str, request: ScenarioEditRequest) -> Scenario:
        """Save the edit as the next version; ScenarioEditConflict when someone saved in between.
        Members already enrolled continue with this version's steps by step id."""
        current = self.scenario(scenario_id)
        definition = request.model_dump(exclude={"version"})
        edited = Scenario(
            **definition,
            scenario_id=scenario_id,
            status=current.status,
            version=request.version,
            created_at=current.created_at,
            updated_at=self.clock(),
        )
        self._refuse_loops(edited)
        self._refuse_missing_coupons(edited)
        return self.records.save_scenario(edited, request.version)

    def set_status(self, scenario_id: str, status: ScenarioStatus) -> tuple[Scenario, dict[str, int]]:
        """Pause, resume or stop. Resuming brings back the steps the pause held (engine.resume)."""
        current = self.scenario(scenario_id)
        if current.status is ScenarioStatus.STOPPED and status is not ScenarioStatus.STOPPED:
            raise ScenarioError("a stopped scenario cannot start again; copy it into a new one")
        if current.status is status:
            return current, {}
        saved = self.records.save_scenario(
            current.model_copy(update={"status": status, "updated_at": self.clock()}), current.version
        )
        resumed = self.engine.resume(saved) if status is ScenarioStatus.ACTIVE else {}
        return saved, resumed

    def enrol_segment(self, scenario_id: str, segment: Segment) -> dict[str, int]:
        """Enrol everyone in `segment` now (the manual trigger), once each as the re-entry rule allows."""
        scenario = self.scenario(scenario_id)
        if scenario.status is not ScenarioStatus.ACTIVE:
            raise ScenarioError("only an active scenario takes new members")
        if scenario.trigger.kind is not TriggerKind.MANUAL:
            raise ScenarioError("only a scenario with the manual trigger enrols a segment by hand")
        recipients, skipped = recipients_of(segment, self.segments.select_members(segment), self.clock())
        scenarios = self.records.list_scenarios() if scenario.exclusive_group else None
        enrolled = sum(1 for user_id in recipients if self.engine.enrol(scenario, user_id, scenarios))
        return {
            "enrolled": enrolled,
            "already_in": len(recipients) - enrolled,
            "skipped_by_flag": len(skipped),
        }

    def test_send(self, scenario_id: str, staff_user_id: str) -> int:
        """Every step's messages to the staff member asking (never a customer); how many pushes."""
        if not self.staff.is_staff(staff_user_id):
            raise NotStaff(staff_user_id)
        scenario = self.scenario(scenario_id)
        me = Member(user_id=staff_user_id, display_name="テスト")
        for step in scenario.steps:
            self.line.push(staff_user_id, step.line_messages(me))
        return len(scenario.steps)

    def results(self, scenario: Scenario) -> dict[str, Any]:
        """The scenario's counts, in total and per step (its steps as they are now)."""
        totals, steps = self.records.results(scenario.scenario_id)
        return {
            "scenario_id": scenario.scenario_id,
            "totals": totals,
            "steps": [
                {"step_id": step.step_id, **steps.get(step.step_id, dict.fromkeys(STEP_COUNTERS, 0))}
                for step in scenario.steps
            ],
        }

    def _refuse_missing_coupons(self, scenario: Scenario) -> None:
        for template_id in {s.coupon_template_id for s in scenario.steps if s.coupon_template_id}:
            if self.records.load_coupon_template(template_id) is None:
                raise ScenarioError(
                    f"a step gives coupon template {template_id}, which the shop does not have"
                )

    def _refuse_loops(self, changed: Scenario) -> None:
        """Scenarios whose tag actions start each other (A adds a tag that starts B, B one that starts
        A) would enrol a member round and round: refused."""
        scenarios = {s.scenario_id: s for s in self.records.list_scenarios()}
        scenarios[changed.scenario_id] = changed
        edges = {
            a.scenario_id: {
                b.scenario_id
                for b in scenarios.values()
                if b.trigger.kind is TriggerKind.TAG_ADDED
                and any(b.trigger.tag is None or b.trigger.tag in s.add_tags for s in a.steps if s.add_tags)
            }
            for a in scenarios.values()
        }
        seen: set[str] = set()
        frontier = list(edges[changed.scenario_id])
        while frontier:
            current = frontier.pop()
            if current == changed.scenario_id:
                raise ScenarioError("scenarios would start each other in a loop through their tag actions")
            if current not in seen:
                seen.add(current)
                frontier.extend(edges.get(current, ()))
