"""Payloads that EventBridge Scheduler delivers to the functions."""

from datetime import UTC, datetime

from pydantic import BaseModel, ConfigDict, Field

from daifuku.models.boundary_types import CampaignId, Instant


class BirthMonthTrigger(BaseModel):
    """The monthly schedule's input. `fired_at` defaults to now for hand-fired runs."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    fired_at: Instant = Field(default_factory=lambda: datetime.now(UTC))


class BirthMonthCatchUpTrigger(BirthMonthTrigger):
    """The daily catch-up schedule's input: the members who registered since the last run."""


class CampaignStartTrigger(BaseModel):
    """A campaign's one-time schedule's input: plan and queue this campaign."""

    model_config = ConfigDict(extra="ignore", frozen=True, defer_build=True)

    campaign_id: CampaignId
