"""Sending a due scenario step, exactly once: the push worker's part of the scenarios.

Exactly once: a step is sent with its enrolment's retry key (LINE accepts one request per key), and the
enrolment moves past the step only by a write conditional on still being at it, in the same
transaction as the step's counters. A retry, a redelivery or two workers with the same step send the
same key and only one of them moves the enrolment on.
"""

import logging
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from daifuku.domain.errors import (
    LineBadRequest,
    LineMonthlyLimitReached,
    LineRateLimited,
    LineRequestFailed,
    LineUnavailable,
)
from daifuku.domain.line_messages import text_message
from daifuku.domain.push_worker import LineSender, RetryLater, push_counted
from daifuku.domain.scenario_engine import ScenarioEngine, ScenarioRecords, StepOutcome
from daifuku.domain.scenario_step_engagement import step_aggregation_unit, step_links
from daifuku.domain.scenarios import (
    DueStep,
    Enrolment,
    EnrolmentStatus,
    QuietHours,
    Scenario,
    ScenarioStatus,
    ScenarioStep,
    ScenarioStepBatch,
    StopReason,
    TriggerEvent,
    meets_condition,
    stop_reason,
)
from daifuku.domain.tracked_links import LinkCodes, TrackedLink, TrackedLinks, tracked_messages
from daifuku.models.member import Member
from daifuku.models.membership import Coupon
from daifuku.models.staff import CouponTemplateRecord

log = logging.getLogger("daifuku.scenarios")
# When the month's quota is used up, a due step tries again this much later (never dropped).
QUOTA_WAIT = timedelta(hours=1)
STEPS_IN_FLIGHT = 8
QUOTA_ALERT_NAMESPACE = uuid.UUID("b1d7c0a2-5e8f-4c3b-9a61-0f2e7d4c8b35")
QUOTA_WAIT_ALERT = (
    "今月のメッセージ通数が上限に達したため、シナリオの配信を止めて待機しています。"
    "通数が使えるようになると自動で再開します。ダッシュボードでご確認ください。"
)


class StepActions(Protocol):
    """What a sent step's actions need beyond its tags (the scenario repository implements it)."""

    def load_coupon_template(self, template_id: str) -> CouponTemplateRecord | None: ...

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        """Give the coupon unless the member holds one with its id (a conditional put)."""

    def rich_menu_ids(self) -> dict[str, str]:
        """The shop's published rich menus by kind (pre_registration, member, guest_card)."""


class StaffRoster(Protocol):
    def staff_user_ids(self) -> list[str]: ...


class MenuLinker(Protocol):
    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None: ...


class TagWriter(Protocol):
    def set_scenario_tags(self, user_id: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None: ...


class FrequencyCap(Protocol):
    def next_allowed(self, user_id: str, now: datetime) -> datetime | None:
        """None when a push may go now, else the earliest time it may."""

    def count_push(self, user_id: str, at: datetime) -> None: ...


class NoFrequencyCap:
    def next_allowed(self, user_id: str, now: datetime) -> datetime | None:
        return None

    def count_push(self, user_id: str, at: datetime) -> None:
        return None


@dataclass
class StepDelivery:
    """The push worker's part: one due step in, at most one LINE push out, every outcome counted."""

    engine: ScenarioEngine
    line: LineSender
    tags: TagWriter
    cap: FrequencyCap = field(default_factory=NoFrequencyCap)
    # Measuring steps (domain/scenario_step_engagement.py): the URLs of their texts as each recipient's
    # tracked links, and each push with the step's customAggregationUnits (`line` must take it).
    tracked_links: TrackedLinks | None = None
    link_codes: Callable[[], LinkCodes] | None = None
    aggregation_units: bool = False
    # The coupon and rich-menu actions (None: a delivery that runs without them, e.g. unit tests).
    actions: StepActions | None = None
    menus: MenuLinker | None = None
    staff: StaffRoster | None = None  # who hears that steps wait for the quota (None: nobody)
    _scenarios: dict[str, Scenario | None] = field(default_factory=dict)
    _menu_ids: dict[str, str] | None = None
    _quota_waiting: bool = False
    _quiet_hours: QuietHours | None = None
    _links_registered: set[tuple[str, str]] = field(default_factory=set)  # (scenario, step), this batch
    _link_codes: LinkCodes | None = None

    @property
    def records(self) -> ScenarioRecords:
        return self.engine.records

    def deliver(self, batch: ScenarioStepBatch) -> dict[str, StepOutcome]:
        """Each due step of the batch; RetryLater (the whole batch again) when LINE is throttling."""
        # Read once per batch: a pause, an edit or new quiet hours apply from the next batch.
        self._scenarios = {i: self.records.load_scenario(i) for i in {d.scenario_id for d in batch.steps}}
        self._quiet_hours = self.records.quiet_hours()
        self._menu_ids = None
        self._links_registered, self._link_codes = set(), None
        self._quota_waiting = self.records.quota_wait() is not None
        # A few steps in flight at once, as the campaigns' pushes: the line sender keeps the pace, and
        # LINE answers in 100-300 ms. A RetryLater from any of them sends the whole batch round again
        # (the steps already moved on are stale then, and send nothing).
        with ThreadPoolExecutor(max_workers=STEPS_IN_FLIGHT) as pool:
            outcomes = list(pool.map(self.deliver_step, batch.steps))
        return {
            f"{d.scenario_id}:{d.user_id}:{d.step_id}": o for d, o in zip(batch.steps, outcomes, strict=True)
        }

    def _scenario(self, scenario_id: str) -> Scenario | None:
        if scenario_id not in self._scenarios:
            self._scenarios[scenario_id] = self.records.load_scenario(scenario_id)
        return self._scenarios[scenario_id]

    def deliver_step(self, due: DueStep) -> StepOutcome:
        enrolment = self.records.enrolment(due.scenario_id, due.user_id)
        if (
            enrolment is None
            or enrolment.status is not EnrolmentStatus.ACTIVE
            or enrolment.entry != due.entry
            or enrolment.next_step_id != due.step_id
        ):
            return StepOutcome.STALE
        now = self.engine.clock()
        send_due = enrolment.send_due
        if send_due is not None and send_due > now:
            return StepOutcome.STALE  # an older due item of a step that was made to wait
        scenario = self._scenario(due.scenario_id)
        if scenario is None or scenario.status is ScenarioStatus.STOPPED:
            self.records.stop(enrolment, StopReason.SCENARIO_STOPPED, now)
            return StepOutcome.STOPPED
        if scenario.status is ScenarioStatus.PAUSED:
            return StepOutcome.HELD  # the enrolment stays at the step; resume() brings it back
        member = self.records.member(due.user_id)
        reason = stop_reason(member, enrolment, scenario.stop)
        if reason is not None or member is None:
            self.records.stop(enrolment, reason or StopReason.DELETED, now)
            return StepOutcome.STOPPED
        step = scenario.step(due.step_id)
        if step is None:
            return self._move_on(scenario, enrolment, due.step_id, StepOutcome.SKIPPED_REMOVED, now)
        if self._quiet_hours is None:
            self._quiet_hours = self.records.quiet_hours()
        opens = self._quiet_hours.next_open(now, self.engine.timezone)
        if opens > now:
            self.records.wait(enrolment, opens, StepOutcome.WAITING)
            return StepOutcome.WAITING
        if not meets_condition(step, member, now.astimezone(self.engine.timezone).date()):
            return self._move_on(scenario, enrolment, step.step_id, StepOutcome.SKIPPED, now)
        allowed = self.cap.next_allowed(member.user_id, now)
        if allowed is not None:
            self.records.wait(enrolment, allowed, StepOutcome.CAPPED)
            return StepOutcome.CAPPED
        outcome = self._send(enrolment, step, member, now)
        if outcome is StepOutcome.WAITING:
            return outcome
        if outcome is StepOutcome.SENT:
            self.tags.set_scenario_tags(member.user_id, step.add_tags, step.remove_tags)
            self._give_coupon(enrolment, step, member, now)
            self._switch_rich_menu(step, member)
            if self._quota_waiting:
                self._quota_waiting = False
                self.records.end_quota_wait()
            # A tag a step adds starts the scenarios it triggers (loops are refused when saving).
            self.engine.triggered(member.user_id, *map(TriggerEvent.tag_added, step.add_tags))
            self.cap.count_push(member.user_id, now)
        return self._move_on(scenario, enrolment, step.step_id, outcome, now)

    def _messages(self, scenario_id: str, step: ScenarioStep, member: Member) -> list[dict[str, Any]]:
        """The step's messages for `member`: with tracked links, each URL made the member's own (the
        links are registered first, once per batch and step; a registered link is left as it is)."""
        messages = step.line_messages(member)
        if self.tracked_links is None or self.link_codes is None:
            return messages
        links = step_links(scenario_id, step)
        if not links:
            return messages
        if (scenario_id, step.step_id) not in self._links_registered:
            self.tracked_links.register(links)
            self._links_registered.add((scenario_id, step.step_id))
        if self._link_codes is None:
            self._link_codes = self.link_codes()
        by_url: dict[str, TrackedLink] = {link.url: link for link in links}
        return tracked_messages(messages, by_url, self._link_codes, member.user_id)

    def _send(self, enrolment: Enrolment, step: ScenarioStep, member: Member, now: datetime) -> StepOutcome:
        unit = step_aggregation_unit(enrolment.scenario_id, step.step_id) if self.aggregation_units else None
        try:
            push_counted(
                self.line,
                member.user_id,
                self._messages(enrolment.scenario_id, step, member),
                enrolment.retry_key(step.step_id),
                unit,
            )
        except LineBadRequest:
            return StepOutcome.FAILED
        except LineMonthlyLimitReached:
            self.records.wait(enrolment, now + QUOTA_WAIT, StepOutcome.WAITING)
            if self.records.note_quota_wait(now):
                self._alert_quota_wait(now)
            return StepOutcome.WAITING
        except (LineRateLimited, LineUnavailable) as error:
            raise RetryLater(str(error)) from error
        return StepOutcome.SENT

    def _alert_quota_wait(self, began: datetime) -> None:
        """One staff alert per wait, as the new-friend alerts go (a multicast, its retry key from the
        wait). LINE counts it against the same quota, so it reaches staff only if some is left."""
        staff = self.staff.staff_user_ids() if self.staff else []
        if not staff:
            return
        retry_key = str(uuid.uuid5(QUOTA_ALERT_NAMESPACE, began.astimezone(UTC).isoformat()))
        try:
            self.line.multicast(staff[:500], [text_message(QUOTA_WAIT_ALERT)], retry_key=retry_key)
        except LineRequestFailed as error:
            log.warning("quota wait alert not sent", extra={"status": error.status})

    def _give_coupon(self, enrolment: Enrolment, step: ScenarioStep, member: Member, now: datetime) -> None:
        """The step's coupon, to members only, once per entry and step however often it is retried."""
        if not step.coupon_template_id or self.actions is None or not member.is_member:
            return
        template = self.actions.load_coupon_template(step.coupon_template_id)
        if template is None:
            log.warning("scenario step coupon: the template is gone", extra={"step_id": step.step_id})
            return
        today = now.astimezone(self.engine.timezone).date()
        coupon = template.coupon(enrolment.coupon_id(step.step_id, template.template_id), now, today)
        self.actions.grant_coupon(member.user_id, coupon)

    def _switch_rich_menu(self, step: ScenarioStep, member: Member) -> None:
        """Best effort: the step is sent whatever LINE answers to the menu's link."""
        if step.rich_menu is None or self.actions is None or self.menus is None:
            return
        if self._menu_ids is None:
            self._menu_ids = self.actions.rich_menu_ids()
        menu_id = self._menu_ids.get(step.rich_menu.value)
        if menu_id is None:
            log.warning("scenario step rich menu: the shop has no such menu", extra={"menu": step.rich_menu})
            return
        try:
            self.menus.link_rich_menu(member.user_id, menu_id)
        except LineRequestFailed as error:
            log.warning("scenario step rich menu not switched", extra={"status": error.status})

    def _move_on(
        self,
        scenario: Scenario,
        enrolment: Enrolment,
        step_id: str,
        outcome: StepOutcome,
        now: datetime,
    ) -> StepOutcome:
        following = self.engine.following_of(scenario, enrolment, step_id, now)
        if outcome is StepOutcome.SENT:
            following = following.model_copy(update={"last_sent_step_id": step_id, "last_sent_at": now})
        moved = self.records.move_on(enrolment, step_id, outcome, following, now)
        return outcome if moved else StepOutcome.STALE
