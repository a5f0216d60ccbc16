"""The weekly frequency cap: at most N pushes per member in any rolling 7 days, across campaigns,
scenarios and reminders (the owner sets N, or leaves it off). A scenario step over the cap waits for
the next allowed time; a campaign skips the member and counts them `capped`; birthday and rank-up
messages obey it unless the owner exempts them."""

from __future__ import annotations

from datetime import datetime, timedelta

from pydantic import BaseModel, ConfigDict, Field

from daifuku.domain.scenarios import QuietHours

WINDOW = timedelta(days=7)
BIRTH_MONTH_CAMPAIGN_PREFIX = "birth-month-"


class FrequencyCapRule(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    max_pushes_per_7_days: int | None = Field(default=None, ge=1, le=50)  # None: no cap
    exempt_birthday: bool = False
    exempt_rank_up: bool = False

    def applies_to_campaign(self, campaign_id: str) -> bool:
        if self.max_pushes_per_7_days is None:
            return False
        return not (self.exempt_birthday and campaign_id.startswith(BIRTH_MONTH_CAMPAIGN_PREFIX))


class MessagingRules(BaseModel):
    """The shop's send rules, set by the owner in the シナリオ tab."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    quiet_hours: QuietHours = QuietHours()
    frequency_cap: FrequencyCapRule = FrequencyCapRule()


def recent(pushed_at: list[datetime], now: datetime) -> list[datetime]:
    """The pushes within the 7 days before `now`, oldest first."""
    return sorted(at for at in pushed_at if now - at < WINDOW)


def next_allowed(pushed_at: list[datetime], limit: int | None, now: datetime) -> datetime | None:
    """None when one more push fits in the rolling 7 days; else when it will."""
    if limit is None:
        return None
    within = recent(pushed_at, now)
    if len(within) < limit:
        return None
    # The oldest push that must fall out of the window for one more to fit.
    return within[len(within) - limit] + WINDOW
