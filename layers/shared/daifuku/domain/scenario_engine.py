"""The scenario engine: enrols members when a trigger happens and finds the steps that are due
(domain.scenario_delivery sends each due step exactly once).

Exactly once: a step is sent with its enrolment's retry key (LINE accepts one request per key), and the
enrolment moves past the step only by a write conditional on still being at it, in the same
transaction as the step's counters. A retry, a redelivery or two workers with the same step send the
same key and only one of them moves the enrolment on.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Protocol

from daifuku.clock import system_clock
from daifuku.domain.scenarios import (
    DueStep,
    Enrolment,
    EnrolmentStatus,
    QuietHours,
    ReentryMode,
    Scenario,
    ScenarioStatus,
    ScenarioStepBatch,
    StopReason,
    TriggerEvent,
    TriggerKind,
)
from daifuku.models.member import Member

log = logging.getLogger("daifuku.scenarios")
BLOCK_ATTRIBUTION = timedelta(days=7)
STEPS_PER_MESSAGE = 10


class StepOutcome(StrEnum):
    SENT = "sent"
    SKIPPED = "skipped"  # the step's condition was not met
    SKIPPED_REMOVED = "skipped_removed"  # the step was removed by an edit
    SKIPPED_PAUSED = "skipped_paused"  # held by a pause longer than the owner's limit
    FAILED = "failed"  # LINE refused the message (400)
    STOPPED = "stopped"
    WAITING = "waiting"  # quiet hours, the frequency cap or the quota: due again later
    CAPPED = "capped"
    HELD = "held"  # the scenario is paused
    STALE = "stale"  # already done (a duplicate or a redelivery)


# The counters of a step's results, and of a scenario's (one per stop reason).
STEP_COUNTERS = (
    *(o.value for o in StepOutcome if o not in (StepOutcome.STALE, StepOutcome.STOPPED)),
    "blocks_within_7_days",
)
SCENARIO_COUNTERS = ("enrolled", "finished", *(f"stopped_{r.value}" for r in StopReason))


class ScenarioRecords(Protocol):
    def load_scenario(self, scenario_id: str) -> Scenario | None: ...

    def list_scenarios(self) -> list[Scenario]: ...

    def enrolment(self, scenario_id: str, user_id: str) -> Enrolment | None: ...

    def enrolments(self, scenario_id: str) -> list[Enrolment]: ...

    def start_enrolment(self, enrolment: Enrolment, previous_entry: int | None) -> bool:
        """Write the new entry and its due item; False when another entry was written meanwhile."""

    def move_on(
        self,
        enrolment: Enrolment,
        step_id: str,
        outcome: StepOutcome,
        following: Enrolment,
        now: datetime,
    ) -> bool:
        """Move the enrolment from `step_id` to `following` (and its due item), counting `outcome`
        for the step, only if it is still at that step; False when it was not."""

    def wait(self, enrolment: Enrolment, until: datetime, outcome: StepOutcome) -> bool:
        """The step waits until `until` (a new due item); counted as `outcome`."""

    def stop(self, enrolment: Enrolment, reason: StopReason, at: datetime) -> bool: ...

    def take_due(self, now: datetime) -> list[DueStep]:
        """Every step due by `now` not yet taken, and mark them taken (reads only due buckets)."""

    def count_block(self, scenario_id: str, step_id: str) -> None: ...

    def member(self, user_id: str) -> Member | None: ...

    def quiet_hours(self) -> QuietHours: ...

    def note_quota_wait(self, at: datetime) -> bool:
        """Tell the owner (dashboard) that scenario steps are waiting for the month's quota; True when
        this began the wait (one staff alert per wait)."""

    def quota_wait(self) -> dict[str, str] | None:
        """The wait noted, if any ({"since", "last"})."""

    def end_quota_wait(self) -> None:
        """A step went out again: the wait is over (the dashboard's note goes)."""


class StepQueue(Protocol):
    def enqueue(self, batches: tuple[ScenarioStepBatch, ...]) -> None: ...


class ScenarioEntrance(Protocol):
    """The port other features hold to enrol members (a trigger happened, or an action asks)."""

    def triggered(self, user_id: str, *events: TriggerEvent) -> None: ...

    def blocked(self, user_id: str, at: datetime) -> None: ...


class NoScenarios:
    """The entrance of a desk that runs without scenarios (unit tests, the operator's tools)."""

    def triggered(self, user_id: str, *events: TriggerEvent) -> None:
        return None

    def blocked(self, user_id: str, at: datetime) -> None:
        return None


NO_SCENARIOS = NoScenarios()


@dataclass
class ScenarioEngine:
    records: ScenarioRecords
    timezone: tzinfo
    clock: Callable[[], datetime] = field(default=system_clock)

    # Entering

    def triggered(self, user_id: str, *events: TriggerEvent) -> None:
        """Enrol `user_id` in every active scenario these events start (a failure is logged, never
        raised: the visit, the follow or the registration they came with stands)."""
        if not events:
            return
        try:
            scenarios = self.records.list_scenarios()
            for scenario in scenarios:
                if scenario.status is ScenarioStatus.ACTIVE and any(
                    event.starts(scenario.trigger)
                    and (event.kind is not TriggerKind.MANUAL or event.scenario_id == scenario.scenario_id)
                    for event in events
                ):
                    self.enrol(scenario, user_id, scenarios)
        except Exception:
            log.exception("scenario enrolment failed", extra={"trigger": events[0].kind.value})

    def enrol(self, scenario: Scenario, user_id: str, scenarios: list[Scenario] | None = None) -> bool:
        """Enrol `user_id` in `scenario` as its re-entry rule allows; True when a new entry began.
        `scenarios`: every scenario, when the caller has read them already (an exclusive group's
        others are left from them)."""
        now = self.clock()
        existing = self.records.enrolment(scenario.scenario_id, user_id)
        if existing is not None and not self._may_reenter(scenario, existing, now):
            return False
        first = scenario.steps[0]
        enrolment = Enrolment(
            scenario_id=scenario.scenario_id,
            user_id=user_id,
            entry=(existing.entry + 1) if existing else 1,
            enrolled_at=now,
            next_step_id=first.step_id,
            next_due=first.delay.due_after(now, self.timezone),
        )
        if not self.records.start_enrolment(enrolment, existing.entry if existing else None):
            return False
        if scenario.exclusive_group:
            others = scenarios if scenarios is not None else self.records.list_scenarios()
            self._leave_group(scenario, user_id, now, others)
        return True

    def _may_reenter(self, scenario: Scenario, existing: Enrolment, now: datetime) -> bool:
        if existing.status is EnrolmentStatus.ACTIVE:
            return False
        rule = scenario.reentry
        if rule.mode is ReentryMode.NEVER:
            return False
        if rule.mode is ReentryMode.AFTER_FINISHING and existing.status is not EnrolmentStatus.FINISHED:
            return False
        return now - existing.enrolled_at >= timedelta(days=rule.min_interval_days)

    def _leave_group(self, entered: Scenario, user_id: str, now: datetime, scenarios: list[Scenario]) -> None:
        for other in scenarios:
            if other.scenario_id == entered.scenario_id or other.exclusive_group != entered.exclusive_group:
                continue
            enrolment = self.records.enrolment(other.scenario_id, user_id)
            if enrolment is not None and enrolment.status is EnrolmentStatus.ACTIVE:
                self.records.stop(enrolment, StopReason.EXCLUSIVE_GROUP, now)

    def blocked(self, user_id: str, at: datetime) -> None:
        """A block within 7 days of a step counts against that step; the member's entries stop."""
        try:
            for scenario in self.records.list_scenarios():
                enrolment = self.records.enrolment(scenario.scenario_id, user_id)
                if enrolment is None:
                    continue
                sent = enrolment.last_sent_at
                if enrolment.last_sent_step_id and sent and timedelta(0) <= at - sent <= BLOCK_ATTRIBUTION:
                    self.records.count_block(scenario.scenario_id, enrolment.last_sent_step_id)
                if enrolment.status is EnrolmentStatus.ACTIVE:
                    self.records.stop(enrolment, StopReason.BLOCKED, at)
        except Exception:
            log.exception("scenario block attribution failed")

    # Finding what is due (the schedule, every minute)

    def enqueue_due(self, queue: StepQueue) -> int:
        """Put every step due now on the send queue; how many."""
        due = self.records.take_due(self.clock())
        batches = tuple(
            ScenarioStepBatch(steps=tuple(due[start : start + STEPS_PER_MESSAGE]))
            for start in range(0, len(due), STEPS_PER_MESSAGE)
        )
        if batches:
            queue.enqueue(batches)
        return len(due)

    # Pausing

    def resume(self, scenario: Scenario) -> dict[str, int]:
        """Bring back the steps a pause held: sent now when within the owner's limit, else skipped."""
        now = self.clock()
        limit = timedelta(hours=scenario.pause_skip_after_hours)
        counts = {"resumed": 0, "skipped": 0}
        for enrolment in self.records.enrolments(scenario.scenario_id):
            due = enrolment.send_due
            if enrolment.status is not EnrolmentStatus.ACTIVE or due is None or due > now:
                continue
            if now - due > limit and enrolment.next_step_id:
                following = self.following_of(scenario, enrolment, enrolment.next_step_id, now)
                self.records.move_on(
                    enrolment, enrolment.next_step_id, StepOutcome.SKIPPED_PAUSED, following, now
                )
                counts["skipped"] += 1
            else:
                self.records.wait(enrolment, now, StepOutcome.HELD)
                counts["resumed"] += 1
        return counts

    def following_of(
        self, scenario: Scenario, enrolment: Enrolment, step_id: str, now: datetime
    ) -> Enrolment:
        """The enrolment once past `step_id`: at the next step of the current version, or finished."""
        done = step_id if scenario.step(step_id) else enrolment.done_step_id
        step = scenario.step(step_id)
        following = None if (step and step.end_scenario) else scenario.step_after(done)
        if following is None:
            return enrolment.model_copy(
                update={
                    "status": EnrolmentStatus.FINISHED
                    if not (step and step.end_scenario)
                    else EnrolmentStatus.STOPPED,
                    "stop_reason": StopReason.ENDED_BY_STEP if step and step.end_scenario else None,
                    "done_step_id": done,
                    "next_step_id": None,
                    "next_due": None,
                    "wait_until": None,
                    "ended_at": now,
                }
            )
        base = enrolment.enrolled_at if following.delay.after == "trigger" else (enrolment.next_due or now)
        return enrolment.model_copy(
            update={
                "done_step_id": done,
                "next_step_id": following.step_id,
                "next_due": following.delay.due_after(base, self.timezone),
                "wait_until": None,
            }
        )
