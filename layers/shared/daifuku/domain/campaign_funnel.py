"""The funnel of a campaign: planned → delivered → opened (LINE's count) → clicked → visited within
7 days → coupon used, and blocked within 7 days beside it.

Visits and coupon uses are attributed as they happen, as blocks are (adapters/dynamodb/campaigns.py):
a visit counts once for each campaign the member was sent within the 7 days before it (the first
such visit only), and a redemption of a campaign's own coupon counts for that campaign. Clicks are
the recipients who clicked at least one of its tracked links (domain/tracked_links.py).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from daifuku.domain.campaigns import Campaign
from daifuku.domain.tracked_links import links_of

VISIT_ATTRIBUTION_WINDOW = timedelta(days=7)
CAMPAIGN_COUPON_PREFIX = "campaign-"


class CampaignFunnel(BaseModel):
    model_config = ConfigDict(frozen=True)

    campaign_id: str
    planned: int
    delivered: int
    opened: int | None = None  # LINE's count; None until LINE has counted (or when it cannot)
    clicked: int | None = None  # None: the campaign's links were not tracked
    visited_within_7_days: int
    coupon_used: int | None = None  # None: the campaign gave no coupon
    blocked_within_7_days: int


class FunnelRecords(Protocol):
    def funnel_counts(self, campaign_id: str) -> dict[str, int]:
        """planned, sent, blocks_within_7_days, visits_within_7_days, coupons_used."""

    def clickers(self, link_ids: list[str]) -> set[str]: ...


class CampaignResults(Protocol):
    """The hooks the visit and the coupon redemption paths call."""

    def attribute_visit(self, user_id: str, visited_at: datetime) -> list[str]: ...

    def count_coupon_use(self, coupon_id: str) -> str | None: ...


def campaign_of_coupon(coupon_id: str) -> str | None:
    """The campaign whose coupon this is (`campaign-<id>`), or None."""
    return (
        coupon_id.removeprefix(CAMPAIGN_COUPON_PREFIX)
        if coupon_id.startswith(CAMPAIGN_COUPON_PREFIX)
        else None
    )


def funnel_of(campaign: Campaign, records: FunnelRecords) -> CampaignFunnel:
    counts = records.funnel_counts(campaign.campaign_id)
    clicked = None
    if campaign.track_links:
        link_ids = [link.link_id for link in links_of(campaign.link_source, campaign.line_messages(), None)]
        clicked = len(records.clickers(link_ids))
    return CampaignFunnel(
        campaign_id=campaign.campaign_id,
        planned=counts.get("planned", 0),
        delivered=counts.get("sent", 0),
        clicked=clicked,
        visited_within_7_days=counts.get("visits_within_7_days", 0),
        coupon_used=counts.get("coupons_used", 0) if campaign.coupon is not None else None,
        blocked_within_7_days=counts.get("blocks_within_7_days", 0),
    )
