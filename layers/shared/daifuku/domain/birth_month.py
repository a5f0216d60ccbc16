"""The monthly birth-month campaign: which month a run is for, and reaching every member once.

The monthly run sends to the members born this month who registered by then. Each daily catch-up
run sends to those who registered since the previous run, so the runs' windows never overlap and
no member gets the message twice, however often a schedule fires.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from daifuku.domain.campaign_planning import (
    CampaignStart,
    PlanningRecords,
    QuotaGateway,
    SendQueue,
    start_campaign,
)
from daifuku.domain.campaigns import Campaign, CampaignStatus, TextContent
from daifuku.domain.segments import Segment
from daifuku.models.shop import ShopConfig


def birth_month_campaign_period(fired_at: datetime, shop_timezone: str) -> str:
    """The year-month (YYYY-MM) in the shop's time zone that a schedule firing at `fired_at` is for."""
    return fired_at.astimezone(ZoneInfo(shop_timezone)).strftime("%Y-%m")


def monthly_campaign_id(period: str) -> str:
    return f"birth-month-{period}"


def catch_up_campaign_id(period: str, day: int) -> str:
    return f"birth-month-{period}-catch-up-{day:02d}"


class BirthMonthRecords(PlanningRecords, Protocol):
    def create_campaign(self, campaign: Campaign) -> Campaign: ...


def start_birth_month_campaign(
    period: str,
    shop: ShopConfig,
    records: BirthMonthRecords,
    quota: QuotaGateway,
    queue: SendQueue,
    now: datetime,
) -> CampaignStart:
    """Create and start the month's campaign; a second run finds it and changes nothing."""
    month = int(period[5:7])
    campaign = records.create_campaign(
        Campaign(
            campaign_id=monthly_campaign_id(period),
            name=f"{period[:4]}年{month}月 誕生月メッセージ",
            segment=Segment(birth_month=month, registered_until=now),
            messages=[TextContent(text=shop.birth_month_message)],
            coupon=shop.birthday_coupon,
        )
    )
    return start_campaign(campaign.campaign_id, records, quota, queue, now)


def start_birth_month_catch_up(
    period: str,
    shop: ShopConfig,
    records: BirthMonthRecords,
    quota: QuotaGateway,
    queue: SendQueue,
    now: datetime,
    shop_timezone: str,
) -> CampaignStart | None:
    """Send to the members who registered since the last run of `period`; None when there is nothing to do.

    Nothing happens before the monthly run, when catch-up is switched off, or when the last run
    was not started (refused for quota, say): a catch-up never sends what the monthly run did not.
    """
    if not shop.birth_month_catch_up:
        return None
    day = now.astimezone(ZoneInfo(shop_timezone)).day
    if records.load_campaign(catch_up_campaign_id(period, day)) is not None:
        # The schedule fired again today: finish today's run if it stopped half-way, else nothing.
        return start_campaign(catch_up_campaign_id(period, day), records, quota, queue, now)
    previous = _latest_run(period, day, records)
    if previous is None or previous.status not in (CampaignStatus.SENDING, CampaignStatus.DONE):
        return None
    since = previous.segment.registered_until
    assert since is not None, "birth-month runs always close their window"
    campaign = records.create_campaign(
        previous.model_copy(
            update={
                "campaign_id": catch_up_campaign_id(period, day),
                "name": f"{previous.name[:60]}（追加 {day}日）",
                "segment": previous.segment.model_copy(
                    update={"registered_after": since, "registered_until": now}
                ),
                "status": CampaignStatus.DRAFT,
            }
        )
    )
    return start_campaign(campaign.campaign_id, records, quota, queue, now)


def _latest_run(period: str, before_day: int, records: PlanningRecords) -> Campaign | None:
    """The newest catch-up run before `before_day`, else the monthly run."""
    for day in range(before_day - 1, 0, -1):
        campaign = records.load_campaign(catch_up_campaign_id(period, day))
        if campaign is not None:
            return campaign
    return records.load_campaign(monthly_campaign_id(period))
