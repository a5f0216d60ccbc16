"""The scenario rules with in-memory records: the timeline, quiet hours, the cap, re-entry, loops, and
exactly once when a worker dies between LINE's acceptance and its own write."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daifuku.domain.frequency_cap import next_allowed
from daifuku.domain.scenario_delivery import StepDelivery
from daifuku.domain.scenario_desk import ScenarioCreateRequest, ScenarioDesk
from daifuku.domain.scenario_engine import ScenarioEngine, StepOutcome
from daifuku.domain.scenarios import (
    DueStep,
    Enrolment,
    EnrolmentStatus,
    QuietHours,
    Scenario,
    ScenarioError,
    ScenarioStepBatch,
    StepDelay,
    StopReason,
    TriggerEvent,
    TriggerKind,
)
from daifuku.models.member import Member

JST = ZoneInfo("Asia/Tokyo")
USER = "U" + "1" * 32


def scenario(**changes: Any) -> Scenario:
    data: dict[str, Any] = {
        "scenario_id": "s1",
        "name": "テスト",
        "trigger": {"kind": "friend_added"},
        "steps": [
            {"step_id": "a", "delay": {"amount": 1, "unit": "days", "at": "10:00"}, "messages": [TEXT]},
            {"step_id": "b", "delay": {"amount": 2, "unit": "days", "at": "10:00"}, "messages": [TEXT]},
        ],
    }
    return Scenario.model_validate(data | changes)


TEXT = {"type": "text", "text": "{name}様、こんにちは。"}


@dataclass
class FakeRecords:
    scenarios: dict[str, Scenario] = field(default_factory=dict)
    enrolled: dict[tuple[str, str], Enrolment] = field(default_factory=dict)
    members: dict[str, Member] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    due: list[DueStep] = field(default_factory=list)

    def load_scenario(self, scenario_id: str) -> Scenario | None:
        return self.scenarios.get(scenario_id)

    def list_scenarios(self) -> list[Scenario]:
        return list(self.scenarios.values())

    def create_scenario(self, s: Scenario) -> bool:
        return self.scenarios.setdefault(s.scenario_id, s) is s

    def enrolment(self, scenario_id: str, user_id: str) -> Enrolment | None:
        return self.enrolled.get((scenario_id, user_id))

    def enrolments(self, scenario_id: str) -> list[Enrolment]:
        return [e for (s, _), e in self.enrolled.items() if s == scenario_id]

    def _due(self, e: Enrolment, now: datetime) -> None:
        assert e.next_step_id and e.send_due
        self.due.append(
            DueStep(
                scenario_id=e.scenario_id,
                user_id=e.user_id,
                entry=e.entry,
                step_id=e.next_step_id,
                due=max(e.send_due, now),
            )
        )

    def start_enrolment(self, e: Enrolment, previous_entry: int | None) -> bool:
        current = self.enrolled.get((e.scenario_id, e.user_id))
        if (current.entry if current else None) != previous_entry:
            return False
        self.enrolled[(e.scenario_id, e.user_id)] = e
        self._due(e, e.enrolled_at)
        self.counts["enrolled"] = self.counts.get("enrolled", 0) + 1
        return True

    def _at(self, e: Enrolment, step_id: str) -> bool:
        s = self.enrolled.get((e.scenario_id, e.user_id))
        return (
            s is not None
            and s.entry == e.entry
            and s.status is EnrolmentStatus.ACTIVE
            and s.next_step_id == step_id
        )

    def move_on(
        self, e: Enrolment, step_id: str, outcome: StepOutcome, following: Enrolment, now: datetime
    ) -> bool:
        if not self._at(e, step_id):
            return False
        self.enrolled[(e.scenario_id, e.user_id)] = following
        key = f"{step_id}.{outcome.value}"
        self.counts[key] = self.counts.get(key, 0) + 1
        if following.status is EnrolmentStatus.ACTIVE:
            self._due(following, now)
        return True

    def wait(self, e: Enrolment, until: datetime, outcome: StepOutcome) -> bool:
        assert e.next_step_id
        if not self._at(e, e.next_step_id):
            return False
        waiting = e.model_copy(update={"wait_until": until})
        self.enrolled[(e.scenario_id, e.user_id)] = waiting
        self._due(waiting, until)
        return True

    def stop(self, e: Enrolment, reason: StopReason, at: datetime) -> bool:
        self.enrolled[(e.scenario_id, e.user_id)] = e.model_copy(
            update={"status": EnrolmentStatus.STOPPED, "stop_reason": reason}
        )
        self.counts[f"stopped_{reason.value}"] = self.counts.get(f"stopped_{reason.value}", 0) + 1
        return True

    def take_due(self, now: datetime) -> list[DueStep]:
        due = [d for d in self.due if d.due <= now]
        self.due = [d for d in self.due if d.due > now]
        return due

    def count_block(self, scenario_id: str, step_id: str) -> None:
        self.counts[f"{step_id}.blocks"] = self.counts.get(f"{step_id}.blocks", 0) + 1

    def member(self, user_id: str) -> Member | None:
        return self.members.get(user_id)

    def quiet_hours(self) -> QuietHours:
        return QuietHours()

    def note_quota_wait(self, at: datetime) -> bool:
        began = "quota_wait" not in self.counts
        self.counts["quota_wait"] = 1
        return began

    def quota_wait(self) -> dict[str, str] | None:
        return {"since": "noted"} if "quota_wait" in self.counts else None

    def end_quota_wait(self) -> None:
        self.counts.pop("quota_wait", None)

    def set_scenario_tags(self, user_id: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        return None


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@dataclass
class FakeLine:
    accepted: dict[str, int] = field(default_factory=dict)  # retry key → pushes LINE accepted
    die_after_accepting: bool = False

    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str | None = None) -> None:
        assert retry_key
        self.accepted[retry_key] = 1  # LINE accepts one request per retry key
        if self.die_after_accepting:
            self.die_after_accepting = False
            raise WorkerKilled


class WorkerKilled(Exception):
    pass


def setup(now: datetime, **changes: Any) -> tuple[FakeRecords, ScenarioEngine, FakeLine, Clock]:
    records = FakeRecords(scenarios={"s1": scenario(**changes)}, members={USER: Member(user_id=USER)})
    clock = Clock(now)
    return records, ScenarioEngine(records, JST, clock), FakeLine(), clock


def run_due(engine: ScenarioEngine, records: FakeRecords, line: FakeLine) -> list[StepOutcome]:
    delivery = StepDelivery(engine=engine, line=line, tags=records)
    due = records.take_due(engine.clock())
    return list(delivery.deliver(ScenarioStepBatch(steps=tuple(due))).values()) if due else []


def test_steps_fall_at_their_hour_on_their_day_and_each_is_sent_once_even_when_the_worker_dies():
    start = datetime(2026, 5, 1, 17, 0, tzinfo=JST)
    records, engine, line, clock = setup(start)
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.FRIEND_ADDED))
    assert records.enrolled[("s1", USER)].next_due == datetime(2026, 5, 2, 10, 0, tzinfo=JST)
    clock.now = datetime(2026, 5, 2, 10, 0, 30, tzinfo=JST)
    line.die_after_accepting = True
    with pytest.raises(WorkerKilled):
        run_due(engine, records, line)
    # The queue brings the killed worker's message again: the same retry key, one step moved past
    redelivered = DueStep(scenario_id="s1", user_id=USER, entry=1, step_id="a", due=clock.now)
    delivery = StepDelivery(engine=engine, line=line, tags=records)
    assert delivery.deliver_step(redelivered) is StepOutcome.SENT
    assert delivery.deliver_step(redelivered) is StepOutcome.STALE
    assert records.counts["a.sent"] == 1
    assert len(line.accepted) == 1
    assert records.enrolled[("s1", USER)].next_due == datetime(2026, 5, 4, 10, 0, tzinfo=JST)


def test_a_step_due_outside_the_send_window_waits_for_it_to_open():
    start = datetime(2026, 5, 1, 22, 30, tzinfo=JST)
    records, engine, line, clock = setup(
        start, steps=[{"step_id": "now", "delay": {"amount": 0, "unit": "minutes"}, "messages": [TEXT]}]
    )
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.FRIEND_ADDED))
    assert run_due(engine, records, line) == [StepOutcome.WAITING]
    assert records.enrolled[("s1", USER)].wait_until == datetime(2026, 5, 2, 9, 0, tzinfo=JST).astimezone(UTC)
    clock.now = datetime(2026, 5, 2, 9, 0, 1, tzinfo=JST)
    assert run_due(engine, records, line) == [StepOutcome.SENT]


def test_a_blocked_member_is_stopped_and_the_block_counted_against_the_last_step():
    records, engine, line, clock = setup(datetime(2026, 5, 1, 12, 0, tzinfo=JST))
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.FRIEND_ADDED))
    clock.now = datetime(2026, 5, 2, 10, 1, tzinfo=JST)
    run_due(engine, records, line)
    engine.blocked(USER, clock.now + timedelta(days=2))
    assert records.counts["a.blocks"] == 1
    assert records.enrolled[("s1", USER)].stop_reason is StopReason.BLOCKED


def test_re_entry_never_by_default_and_only_the_first_follow_unless_every_time():
    records, engine, _, _ = setup(datetime(2026, 5, 1, 12, 0, tzinfo=JST))
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.FRIEND_ADDED, first=False))
    assert ("s1", USER) not in records.enrolled
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.FRIEND_ADDED))
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.FRIEND_ADDED))
    assert records.counts["enrolled"] == 1


def test_entering_a_scenario_of_an_exclusive_group_stops_the_members_other_one_in_it():
    records, engine, _, _ = setup(datetime(2026, 5, 1, 12, 0, tzinfo=JST), exclusive_group="新規")
    records.scenarios["s2"] = scenario(
        scenario_id="s2", trigger={"kind": "tag_added", "tag": "再来店"}, exclusive_group="新規"
    )
    records.scenarios["s3"] = scenario(scenario_id="s3", trigger={"kind": "tag_added", "tag": "再来店"})
    engine.triggered(USER, TriggerEvent(kind=TriggerKind.FRIEND_ADDED))
    engine.triggered(USER, TriggerEvent.tag_added("再来店"))
    assert records.enrolled[("s1", USER)].stop_reason is StopReason.EXCLUSIVE_GROUP
    assert records.enrolled[("s2", USER)].status is EnrolmentStatus.ACTIVE
    assert records.enrolled[("s3", USER)].status is EnrolmentStatus.ACTIVE  # in no group: untouched


def test_a_delay_over_a_year_and_a_loop_through_tag_actions_are_refused():
    with pytest.raises(ValueError, match="365"):
        StepDelay(amount=366, unit="days")
    records = FakeRecords()
    desk = ScenarioDesk(records, ScenarioEngine(records, JST), None, None, None, lambda: datetime.now(UTC))  # type: ignore[arg-type]
    step = {"step_id": "x", "delay": {"amount": 1}, "messages": [TEXT]}
    desk.create(
        ScenarioCreateRequest.model_validate(
            {
                "scenario_id": "a",
                "name": "A",
                "trigger": {"kind": "tag_added", "tag": "甲"},
                "steps": [step | {"add_tags": ["乙"]}],
            }
        )
    )
    with pytest.raises(ScenarioError, match="loop"):
        desk.create(
            ScenarioCreateRequest.model_validate(
                {
                    "scenario_id": "b",
                    "name": "B",
                    "trigger": {"kind": "tag_added", "tag": "乙"},
                    "steps": [step | {"add_tags": ["甲"]}],
                }
            )
        )


def test_the_frequency_cap_allows_n_pushes_in_any_7_days():
    now = datetime(2026, 5, 8, 12, tzinfo=UTC)
    pushes = [now - timedelta(days=6), now - timedelta(days=2)]
    assert next_allowed(pushes, None, now) is None
    assert next_allowed(pushes, 3, now) is None
    assert next_allowed(pushes, 2, now) == now + timedelta(days=1)
