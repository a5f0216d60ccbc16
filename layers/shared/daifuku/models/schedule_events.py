"""Payloads that EventBridge Scheduler delivers to the functions."""

from datetime import UTC, datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field


class BirthMonthTrigger(BaseModel):
    """The monthly schedule's input. `fired_at` defaults to now for hand-fired runs."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    fired_at: AwareDatetime = Field(default_factory=lambda: datetime.now(UTC))
