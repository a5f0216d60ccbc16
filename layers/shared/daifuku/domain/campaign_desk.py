"""What the staff console does with campaigns: estimate a segment, create and schedule, cancel, follow.

Campaigns are started by their one-time schedule (the planner), never inside the request: planning
a large shop reads thousands of members, which is no work for an API request.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from daifuku.domain.ab_tests import winner_campaign_id
from daifuku.domain.campaign_funnel import MONTHLY_AGGREGATION_UNITS, aggregation_unit_for
from daifuku.domain.campaign_planning import MemberSelection, QuotaGateway, QuotaStanding, recipients_of
from daifuku.domain.campaigns import (
    AbMode,
    AbTest,
    Campaign,
    CampaignMessage,
    CampaignProgress,
    CampaignStatus,
    InvalidTransition,
    WinnerMetric,
)
from daifuku.domain.errors import CampaignNotFound, IdempotencyKeyReused, LineRequestFailed
from daifuku.domain.scenarios import ScenarioId, ScenarioLookup, check_enrolment_action
from daifuku.domain.segments import IndexedSelection, Segment
from daifuku.models.boundary_types import Instant, Tag, Text
from daifuku.models.shop import CouponTemplate

# Scheduler fires within the minute: "now" is the next minute, and a time in the past means now.
EARLIEST_START = timedelta(minutes=1)
# Planner steps a cancel can race: draft → planned → sending.
CANCEL_ATTEMPTS = 3
# What a retried create must ask for again: the campaign_id is its retry key (send_at moves with the
# clock when it is too soon, so it is not compared).
CAMPAIGN_REQUEST_FIELDS = {
    "name",
    "segment",
    "messages",
    "allow_partial_send",
    "coupon",
    "track_links",
    "click_tag",
    "click_scenario_id",
    "ab",
}


class CampaignRequest(BaseModel):
    """The composer's request. `campaign_id` lets the console retry a request without a second campaign."""

    model_config = ConfigDict(extra="forbid", defer_build=True)

    campaign_id: str = Field(
        default_factory=lambda: f"c-{uuid.uuid4().hex[:16]}",
        min_length=1,
        max_length=60,
        pattern=r"^[A-Za-z0-9_-]+$",
    )
    name: Annotated[str, Text(80)]
    segment: Segment
    messages: list[CampaignMessage] = Field(min_length=1, max_length=5)
    send_at: Instant | None = None
    allow_partial_send: bool = False
    coupon: CouponTemplate | None = None
    track_links: bool = False  # each URL sent as the recipient's own tracked link
    click_tag: Tag | None = None  # added to a member on their first click
    click_scenario_id: ScenarioId | None = None  # a first click starts this (manual-trigger) scenario
    ab: AbTest | None = None  # an A/B test of 2–4 variants (domain/ab_tests.py); `messages` unused then

    @model_validator(mode="after")
    def _ab_can_be_judged(self) -> CampaignRequest:
        if self.ab is not None and self.ab.winner_by is WinnerMetric.CLICK and not self.track_links:
            # Its own code: the composer shows it beside the winner's metric.
            raise PydanticCustomError(
                "click_needs_track_links", "an A/B test judged by clicks needs track_links"
            )
        if self.click_scenario_id is not None and not self.track_links:
            raise ValueError("a click's scenario needs track_links")
        return self


class SegmentEstimate(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    recipients: int
    skipped_by_flag: int
    used_scan: bool
    message_cost: int  # LINE counts one message per recipient, whatever the number of bubbles
    quota_limit: int | None
    quota_used: int
    quota_remaining: int | None

    @property
    def within_quota(self) -> bool:
        return self.quota_remaining is None or self.message_cost <= self.quota_remaining


class DeskRecords(Protocol):
    def create_campaign(self, campaign: Campaign) -> Campaign: ...

    def load_campaign(self, campaign_id: str) -> Campaign | None: ...

    def move_campaign(
        self, campaign_id: str, status: CampaignStatus, reason: str | None = None
    ) -> Campaign: ...

    def select_members(self, segment: Segment) -> MemberSelection: ...

    def progress(self, campaign_id: str) -> CampaignProgress | None: ...

    def recent_campaigns(self, limit: int = 20) -> list[CampaignProgress]: ...


class AggregationUnitUsage(Protocol):
    def aggregation_units_used(self) -> int: ...


class StartSchedules(Protocol):
    def schedule_start(self, campaign_id: str, at: datetime) -> None: ...

    def cancel_start(self, campaign_id: str) -> None: ...


@dataclass
class CampaignDesk:
    records: DeskRecords
    schedules: StartSchedules
    quota: QuotaGateway
    clock: Callable[[], datetime]
    units: AggregationUnitUsage | None = None  # LINE's per-unit statistics: the month's units used
    scenarios: ScenarioLookup | None = None  # where a click's scenario is checked

    def estimate(self, segment: Segment) -> SegmentEstimate:
        """The live count: exactly the recipients the planner would pick now."""
        recipients, skipped = recipients_of(segment, self.records.select_members(segment), self.clock())
        quota = QuotaStanding.read(self.quota)
        return SegmentEstimate(
            recipients=len(recipients),
            skipped_by_flag=len(skipped),
            used_scan=segment.selection() is IndexedSelection.SCAN,
            message_cost=len(recipients),
            quota_limit=quota.limit,
            quota_used=quota.used,
            quota_remaining=quota.remaining,
        )

    def create(self, request: CampaignRequest) -> tuple[Campaign, datetime]:
        """Save the campaign as a draft and schedule its start; a repeated request changes nothing."""
        if request.click_scenario_id:
            check_enrolment_action(self.scenarios, request.click_scenario_id)
        earliest = self.clock() + EARLIEST_START
        start_at = max(request.send_at or earliest, earliest)
        campaign = self.records.create_campaign(
            Campaign(
                campaign_id=request.campaign_id,
                name=request.name,
                segment=request.segment,
                messages=request.messages,
                send_at=start_at,
                allow_partial_send=request.allow_partial_send,
                coupon=request.coupon,
                track_links=request.track_links,
                click_tag=request.click_tag,
                click_scenario_id=request.click_scenario_id,
                aggregation_unit=self._aggregation_unit(request.campaign_id),
                ab=request.ab,
            )
        )
        if request.ab is not None and request.ab.mode is AbMode.WINNER:
            self._create_winner_follow_up(campaign, start_at)
        asked = request.model_dump(mode="json", include=CAMPAIGN_REQUEST_FIELDS)
        if campaign.model_dump(mode="json", include=CAMPAIGN_REQUEST_FIELDS) != asked:
            raise IdempotencyKeyReused(request.campaign_id)  # the id holds another campaign
        if campaign.status is CampaignStatus.DRAFT:
            self.schedules.schedule_start(campaign.campaign_id, campaign.send_at or start_at)
        return campaign, campaign.send_at or start_at

    def _create_winner_follow_up(self, test: Campaign, start_at: datetime) -> None:
        """The campaign that sends the test's winner to the rest, wait_hours after the test."""
        assert test.ab is not None
        follow_up = self.records.create_campaign(
            Campaign(
                campaign_id=winner_campaign_id(test.campaign_id),
                name=f"{test.name}（勝者）"[:80],
                segment=test.segment,
                messages=test.ab.variants[0],  # replaced by the winner's when it starts
                send_at=(test.send_at or start_at) + timedelta(hours=test.ab.wait_hours),
                allow_partial_send=test.allow_partial_send,
                coupon=test.coupon,
                track_links=test.track_links,
                click_tag=test.click_tag,
                click_scenario_id=test.click_scenario_id,
                aggregation_unit=self._aggregation_unit(winner_campaign_id(test.campaign_id)),
                winner_of=test.campaign_id,
            )
        )
        if follow_up.status is CampaignStatus.DRAFT and follow_up.send_at is not None:
            self.schedules.schedule_start(follow_up.campaign_id, follow_up.send_at)

    def _aggregation_unit(self, campaign_id: str) -> str | None:
        """The campaign's unit for LINE's statistics, while the month's units last (else none: the
        funnel then shows opens as not counted)."""
        if self.units is None:
            return None
        try:
            used = self.units.aggregation_units_used()
        except LineRequestFailed:
            return None
        return aggregation_unit_for(campaign_id) if used < MONTHLY_AGGREGATION_UNITS else None

    def cancel(self, campaign_id: str) -> Campaign:
        """Stop a campaign: its schedule is deleted, and batches still queued send nothing."""
        if self.records.load_campaign(campaign_id) is None:
            raise CampaignNotFound(campaign_id)
        self.schedules.cancel_start(campaign_id)
        # The planner may move it (draft → planned → sending) between our read and our write: the
        # write is conditional on the state read, so read again and cancel from where it is now.
        for _ in range(CANCEL_ATTEMPTS - 1):
            with contextlib.suppress(InvalidTransition):
                return self._move_to_cancelled(campaign_id)
        return self._move_to_cancelled(campaign_id)

    def _move_to_cancelled(self, campaign_id: str) -> Campaign:
        return self.records.move_campaign(campaign_id, CampaignStatus.CANCELLED, "cancelled by the owner")

    def progress(self, campaign_id: str) -> CampaignProgress:
        progress = self.records.progress(campaign_id)
        if progress is None:
            raise CampaignNotFound(campaign_id)
        return progress
