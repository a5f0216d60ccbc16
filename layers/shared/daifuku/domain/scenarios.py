"""Scenarios (ステップ配信): a trigger, an ordered list of steps each with its delay, stop conditions and
a re-entry rule; and the timeline rules that say when a member's next step is due.

Each member enrolled in a scenario has one enrolment, which knows the step due next (by its
identity, so an edit of a live scenario carries members on by step id) and when it is due.
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, time, timedelta, tzinfo
from enum import StrEnum
from typing import Annotated, Any, Literal, Protocol

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, model_validator

from daifuku.domain.campaigns import CampaignMessage, wire_messages
from daifuku.domain.errors import DomainError
from daifuku.domain.segments import Segment, in_segment
from daifuku.models.boundary_types import Tag, TemplateId, Text
from daifuku.models.member import Member, MembershipStatus

# Namespace of the steps' X-Line-Retry-Keys: one key per enrolment entry and step, so a member gets a
# step at most once whatever retries, redeliveries or restarts happen.
STEP_RETRY_KEY_NAMESPACE = uuid.UUID("6c3f0f8e-2a57-4f0e-9d8e-5b1e4a7c2d90")
MAX_DELAY = timedelta(days=365)
MAX_STEPS = 20
HH_MM = r"^([01]\d|2[0-3]):[0-5]\d$"
ScenarioId = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[A-Za-z0-9_-]+$")]
StepId = Annotated[str, Field(min_length=1, max_length=20, pattern=r"^[A-Za-z0-9_-]+$")]


class ScenarioError(DomainError):
    """A scenario that cannot be saved as asked; the message says why."""


class ScenarioNotFound(DomainError):
    pass


class ScenarioEditConflict(DomainError):
    """Someone saved the scenario since this edit began (its version moved): nothing is merged."""

    def __init__(self, expected: int, current: int):
        super().__init__(f"the scenario is at version {current}, this edit began from {expected}")
        self.current = current


class TriggerKind(StrEnum):
    FRIEND_ADDED = "friend_added"
    REGISTRATION_COMPLETED = "registration_completed"
    TAG_ADDED = "tag_added"
    VISIT_RECORDED = "visit_recorded"
    COUPON_REDEEMED = "coupon_redeemed"
    MANUAL = "manual"  # a segment enrolled by hand (or another feature's action)


class Trigger(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    kind: TriggerKind
    # friend_added: also on an unblock; visit_recorded: every visit (else only the first)
    every_time: bool = False
    tag: Tag | None = None  # tag_added: which tag (None: any)

    @model_validator(mode="after")
    def _tag_only_for_tags(self) -> Trigger:
        if self.tag is not None and self.kind is not TriggerKind.TAG_ADDED:
            raise ValueError("only a tag_added trigger names a tag")
        return self


class TriggerEvent(BaseModel):
    """Something that happened to a member, which may enrol them in scenarios."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: TriggerKind
    first: bool = True  # the first follow / the first visit
    tag: str | None = None
    scenario_id: str | None = None  # manual: the scenario asked for

    @classmethod
    def visit(cls, *, first: bool) -> TriggerEvent:
        return cls(kind=TriggerKind.VISIT_RECORDED, first=first)

    @classmethod
    def tag_added(cls, tag: str) -> TriggerEvent:
        return cls(kind=TriggerKind.TAG_ADDED, tag=tag)

    @classmethod
    def asked(cls, scenario_id: str) -> TriggerEvent:
        """Another feature's action enrols the member in this scenario (an auto-reply, a route's entry,
        a click): it starts only that scenario, and only when its trigger is the manual one."""
        return cls(kind=TriggerKind.MANUAL, scenario_id=scenario_id)

    def starts(self, trigger: Trigger) -> bool:
        if trigger.kind is not self.kind:
            return False
        if self.kind in (TriggerKind.FRIEND_ADDED, TriggerKind.VISIT_RECORDED):
            return self.first or trigger.every_time
        if self.kind is TriggerKind.TAG_ADDED:
            return trigger.tag is None or trigger.tag == self.tag
        return True


class DelayUnit(StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"


class StepDelay(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    amount: int = Field(ge=0, le=365 * 24 * 60)
    unit: DelayUnit = DelayUnit.DAYS
    after: Literal["trigger", "previous"] = "previous"
    at: str | None = Field(default=None, pattern=HH_MM)  # "at HH:MM" (shop time) on the day it falls

    @property
    def span(self) -> timedelta:
        return timedelta(**{self.unit.value: self.amount})

    @model_validator(mode="after")
    def _at_most_a_year(self) -> StepDelay:
        if self.span > MAX_DELAY:
            raise ValueError("a delay is at most 365 days")
        return self

    def due_after(self, base: datetime, timezone: tzinfo) -> datetime:
        """When a step with this delay falls, counted from `base` (the trigger or the previous step)."""
        due = base + self.span
        if self.at is None:
            return due
        hour, minute = (int(part) for part in self.at.split(":"))
        local = due.astimezone(timezone)
        at = datetime.combine(local.date(), time(hour, minute), timezone)
        # "1 day at 10:00" is 10:00 on that day; one that would land before its base is the next day's.
        return at if at >= base else at + timedelta(days=1)


class RichMenuKind(StrEnum):
    """The shop's rich menus a step can switch a member to (daifuku.models.shop.RichMenus)."""

    PRE_REGISTRATION = "pre_registration"
    MEMBER = "member"
    GUEST_CARD = "guest_card"


class ScenarioStep(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    step_id: StepId
    delay: StepDelay
    messages: list[CampaignMessage] = Field(min_length=1, max_length=5)
    add_tags: tuple[Tag, ...] = Field(default=(), max_length=10)
    remove_tags: tuple[Tag, ...] = Field(default=(), max_length=10)
    condition: Segment | None = None  # re-checked when due: a member outside it skips the step
    end_scenario: bool = False  # the scenario ends after this step
    # Actions once the step is sent: a coupon from the shop's templates (members only, once per entry
    # and step), and the member's rich menu switched to one of the shop's menus.
    coupon_template_id: TemplateId | None = None
    rich_menu: RichMenuKind | None = None

    def line_messages(self, member: Member) -> list[dict[str, Any]]:
        """The step's messages in LINE's wire format, with {name} and {member_no} filled in."""
        values = {"name": member.name or member.display_name or "", "member_no": member.member_no or ""}
        return wire_messages(self.messages, values)


class StopConditions(BaseModel):
    """Beyond the ones always on (blocked, deleted, do-not-send, complaint hold)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    tag: Tag | None = None
    visited: bool = False  # a visit since enrolment
    registered: bool = False  # registration (pre-registration nurturing)


class ReentryMode(StrEnum):
    NEVER = "never"
    AFTER_FINISHING = "after_finishing"
    ALWAYS = "always"


class Reentry(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    mode: ReentryMode = ReentryMode.NEVER
    min_interval_days: int = Field(default=0, ge=0, le=365)


class ScenarioStatus(StrEnum):
    ACTIVE = "active"
    PAUSED = "paused"
    STOPPED = "stopped"


class ScenarioDefinition(BaseModel):
    """What the owner edits."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    name: Annotated[str, Text(80)]
    trigger: Trigger
    steps: list[ScenarioStep] = Field(min_length=1, max_length=MAX_STEPS)
    stop: StopConditions = StopConditions()
    reentry: Reentry = Reentry()
    exclusive_group: Tag | None = None  # entering another scenario of the group stops this one
    # A step held by a pause longer than this is skipped on resume rather than sent late.
    pause_skip_after_hours: int = Field(default=24, ge=1, le=24 * 30)

    @model_validator(mode="after")
    def _steps_are_distinct(self) -> ScenarioDefinition:
        ids = [step.step_id for step in self.steps]
        if len(set(ids)) != len(ids):
            raise ValueError("two steps have the same step_id")
        return self


class Scenario(ScenarioDefinition):
    model_config = ConfigDict(defer_build=True)
    scenario_id: ScenarioId
    status: ScenarioStatus = ScenarioStatus.ACTIVE
    version: int = 1
    created_at: AwareDatetime | None = None
    updated_at: AwareDatetime | None = None

    def step(self, step_id: str) -> ScenarioStep | None:
        return next((s for s in self.steps if s.step_id == step_id), None)

    def step_after(self, step_id: str | None) -> ScenarioStep | None:
        """The step that follows `step_id` (None: the first); None when the scenario ends there."""
        if step_id is None:
            return self.steps[0]
        ids = [s.step_id for s in self.steps]
        if step_id not in ids:
            return None
        index = ids.index(step_id)
        return self.steps[index + 1] if index + 1 < len(self.steps) else None


class EnrolmentStatus(StrEnum):
    ACTIVE = "active"
    FINISHED = "finished"
    STOPPED = "stopped"


class StopReason(StrEnum):
    BLOCKED = "blocked"
    DELETED = "deleted"
    DO_NOT_SEND = "do_not_send"
    COMPLAINT_HOLD = "complaint_hold"
    TAG = "tag"
    VISITED = "visited"
    REGISTERED = "registered"
    EXCLUSIVE_GROUP = "exclusive_group"
    SCENARIO_STOPPED = "scenario_stopped"
    ENDED_BY_STEP = "ended_by_step"


class Enrolment(BaseModel):
    """One member's way through one scenario. `entry` counts their entries (re-entry starts a new one)."""

    model_config = ConfigDict(defer_build=True, extra="ignore")

    scenario_id: str
    user_id: str
    entry: int = 1
    status: EnrolmentStatus = EnrolmentStatus.ACTIVE
    enrolled_at: AwareDatetime
    next_step_id: str | None = None
    next_due: AwareDatetime | None = None  # when next_step_id falls, before quiet hours and waits
    wait_until: AwareDatetime | None = None  # pushed later by quiet hours, the cap or the quota
    done_step_id: str | None = None
    last_sent_step_id: str | None = None
    last_sent_at: AwareDatetime | None = None
    stop_reason: StopReason | None = None
    ended_at: AwareDatetime | None = None

    @property
    def send_due(self) -> datetime | None:
        return self.wait_until or self.next_due

    def retry_key(self, step_id: str) -> str:
        """The X-Line-Retry-Key of this entry's step: the same on every attempt, unique to it."""
        name = f"{self.scenario_id}:{self.user_id}:{self.entry}:{step_id}"
        return str(uuid.uuid5(STEP_RETRY_KEY_NAMESPACE, name))

    def coupon_id(self, step_id: str, template_id: str) -> str:
        """The id of the coupon this entry's step gives: the same on every attempt, so a retried or
        redelivered step gives it once (the coupon is written only if absent)."""
        return f"{template_id}-step-{uuid.UUID(self.retry_key(step_id)).hex[:16]}"


class DueStep(BaseModel):
    """A step the schedule found due: what the send queue carries to the push worker."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    scenario_id: str
    user_id: str
    entry: int
    step_id: str
    due: AwareDatetime


class ScenarioStepBatch(BaseModel):
    """A send-queue message of due scenario steps (a campaign's messages are SendBatches)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    kind: Literal["scenario_steps"] = "scenario_steps"
    steps: tuple[DueStep, ...]


def is_scenario_step_batch(body: str) -> bool:
    """Whether a send-queue message body is a ScenarioStepBatch (cheaper than trying to parse it)."""
    return re.search(r'"kind"\s*:\s*"scenario_steps"', body[:200]) is not None


class QuietHours(BaseModel):
    """The shop's send window: a step due outside it waits for the window to open."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    start: str = Field(default="09:00", pattern=HH_MM)
    end: str = Field(default="21:00", pattern=HH_MM)

    @model_validator(mode="after")
    def _start_before_end(self) -> QuietHours:
        if self.start >= self.end:
            raise ValueError("the send window starts before it ends")
        return self

    def next_open(self, at: datetime, timezone: tzinfo) -> datetime:
        """`at` when inside the window, else when the window next opens."""
        local = at.astimezone(timezone)
        start = _at_time(local, self.start, timezone)
        end = _at_time(local, self.end, timezone)
        if local < start:
            return start.astimezone(UTC)
        if local >= end:
            return (start + timedelta(days=1)).astimezone(UTC)
        return at


def _at_time(local: datetime, hh_mm: str, timezone: tzinfo) -> datetime:
    hour, minute = (int(part) for part in hh_mm.split(":"))
    return datetime.combine(local.date(), time(hour, minute), timezone)


class ScenarioLookup(Protocol):
    def load_scenario(self, scenario_id: str) -> Scenario | None: ...


def check_enrolment_action(lookup: ScenarioLookup | None, scenario_id: str) -> Scenario:
    """Refuse an action (an auto-reply, a route, a campaign's click) that would enrol members in
    `scenario_id` when it could never do so: the scenario is gone (or there is nowhere to look it
    up), stopped, or starts on its own trigger (an action enrols only manual ones)."""
    scenario = lookup.load_scenario(scenario_id) if lookup else None
    if scenario is None:
        raise ScenarioNotFound(scenario_id)
    if scenario.trigger.kind is not TriggerKind.MANUAL:
        raise ScenarioError("only a scenario with the manual trigger can be started by an action")
    if scenario.status is ScenarioStatus.STOPPED:
        raise ScenarioError("a stopped scenario takes no new members")
    return scenario


def stop_reason(member: Member | None, enrolment: Enrolment, stop: StopConditions) -> StopReason | None:
    """Why this member leaves the scenario now, or None: re-checked every time a step is due."""
    if member is None or member.status is MembershipStatus.DELETED:
        return StopReason.DELETED
    if member.blocked:
        return StopReason.BLOCKED
    if member.do_not_send:
        return StopReason.DO_NOT_SEND
    if member.complaint_hold:
        return StopReason.COMPLAINT_HOLD
    if stop.tag and stop.tag in member.tags:
        return StopReason.TAG
    enrolled_on = enrolment.enrolled_at.date()
    if stop.visited and member.last_visit_on is not None and member.last_visit_on >= enrolled_on:
        return StopReason.VISITED
    if stop.registered and member.status is MembershipStatus.REGISTERED:
        return StopReason.REGISTERED
    return None


def meets_condition(step: ScenarioStep, member: Member, today: Any) -> bool:
    return step.condition is None or in_segment(step.condition, member, today)
