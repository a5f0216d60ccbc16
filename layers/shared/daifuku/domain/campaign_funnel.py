"""The funnel of a campaign: planned → delivered → opened (LINE's count) → clicked → visited within
7 days → coupon used, and blocked within 7 days beside it.

Visits and coupon uses are attributed as they happen, as blocks are (adapters/dynamodb/campaigns.py):
a visit counts once for each campaign the member was sent within the 7 days before it (the first
such visit only), and a redemption of a campaign's own coupon counts for that campaign. Clicks are
the recipients who clicked at least one of its tracked links (domain/tracked_links.py).
"""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime, timedelta
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from daifuku.domain.ab_tests import campaign_links
from daifuku.domain.campaigns import Campaign

VISIT_ATTRIBUTION_WINDOW = timedelta(days=7)
MONTHLY_AGGREGATION_UNITS = 1000  # LINE's limit of custom aggregation units a month
UNIT_NAME = re.compile(r"[^A-Za-z0-9_]")
STATISTICS_DAYS = 30  # the longest period one request may ask for
CAMPAIGN_COUPON_PREFIX = "campaign-"


class CampaignFunnel(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True)

    campaign_id: str
    planned: int
    delivered: int
    opened: int | None = None  # LINE's count; None until LINE has counted (or when it cannot)
    opened_fewer_than_20: bool = False  # LINE counted, but fewer than 20 people
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


class UnitStatistics(Protocol):
    def unit_statistics(self, unit: str, first: date, last: date) -> dict[str, Any]: ...


def aggregation_unit_for(campaign_id: str) -> str:
    """A unit name LINE accepts (`[a-zA-Z0-9_]{1,30}`), distinct per campaign."""
    name = "c_" + UNIT_NAME.sub("_", campaign_id)
    if len(name) <= 30:
        return name
    return f"{name[:21]}_{hashlib.sha256(campaign_id.encode()).hexdigest()[:8]}"


def opens(statistics: dict[str, Any]) -> tuple[int | None, bool]:
    """(unique openers, fewer than 20): LINE's `overview.uniqueImpression`, null below 20."""
    overview = statistics.get("overview") or {}
    value = overview.get("uniqueImpression")
    return (int(value), False) if value is not None else (None, True)


def funnel_of(
    campaign: Campaign,
    records: FunnelRecords,
    statistics: UnitStatistics | None = None,
    today: date | None = None,
) -> CampaignFunnel:
    counts = records.funnel_counts(campaign.campaign_id)
    opened, fewer = None, False
    if statistics is not None and campaign.aggregation_unit and campaign.send_at and today is not None:
        first = campaign.send_at.date()
        last = min(today, first + timedelta(days=STATISTICS_DAYS - 1))
        if counts.get("sent", 0) and last >= first:
            opened, fewer = opens(statistics.unit_statistics(campaign.aggregation_unit, first, last))
    clicked = None
    if campaign.track_links:
        link_ids = [link.link_id for links in campaign_links(campaign).values() for link in links]
        clicked = len(records.clickers(link_ids))
    return CampaignFunnel(
        campaign_id=campaign.campaign_id,
        planned=counts.get("planned", 0),
        delivered=counts.get("sent", 0),
        opened=opened,
        opened_fewer_than_20=fewer,
        clicked=clicked,
        visited_within_7_days=counts.get("visits_within_7_days", 0),
        coupon_used=counts.get("coupons_used", 0) if campaign.coupon is not None else None,
        blocked_within_7_days=counts.get("blocks_within_7_days", 0),
    )
