"""The monthly birth-month campaign: which month a run is for, and starting it exactly once."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol
from zoneinfo import ZoneInfo

from daifuku.domain.campaigns import (
    Campaign,
    CampaignPlan,
    CampaignStatus,
    QuotaWouldBeExceeded,
    SendBatch,
    TextContent,
    plan_campaign,
)
from daifuku.domain.segments import MemberFacts, Segment, matches
from daifuku.models.member import Member
from daifuku.models.shop import ShopConfig


def birth_month_campaign_period(fired_at: datetime, shop_timezone: str) -> str:
    """The year-month (YYYY-MM) in the shop's time zone that a schedule firing at `fired_at` is for."""
    return fired_at.astimezone(ZoneInfo(shop_timezone)).strftime("%Y-%m")


class BirthMonthRecords(Protocol):
    def create_campaign(self, campaign: Campaign) -> Campaign: ...

    def move_campaign(
        self, campaign_id: str, status: CampaignStatus, reason: str | None = None
    ) -> Campaign: ...

    def members_born_in(self, month: int) -> list[Member]: ...


class QuotaGateway(Protocol):
    def message_quota(self) -> int | None: ...

    def messages_sent_this_month(self) -> int: ...


class SendQueue(Protocol):
    def enqueue(self, batches: tuple[SendBatch, ...]) -> None: ...


def start_birth_month_campaign(
    period: str,
    shop: ShopConfig,
    records: BirthMonthRecords,
    quota: QuotaGateway,
    queue: SendQueue,
    now: datetime,
) -> CampaignPlan | None:
    """Create, plan and enqueue the campaign of `period`; None when it already started.

    Safe to run twice, or to retry after a crash: the campaign id is the period, a campaign past
    planning is left alone, and batches enqueued twice carry the same X-Line-Retry-Key, so LINE
    accepts each at most once.
    """
    month = int(period[5:7])
    campaign = records.create_campaign(
        Campaign(
            campaign_id=f"birth-month-{period}",
            name=f"{period[:4]}年{month}月 誕生月メッセージ",
            segment=Segment(birth_month=month),
            messages=[TextContent(text=shop.birth_month_message)],
        )
    )
    if campaign.status not in (CampaignStatus.DRAFT, CampaignStatus.PLANNED):
        return None
    today = now.date()
    recipients = [
        member.user_id
        for member in records.members_born_in(month)
        if matches(campaign.segment, member, MemberFacts(), today)
    ]
    limit = quota.message_quota()
    remaining = None if limit is None else max(0, limit - quota.messages_sent_this_month())
    try:
        plan = plan_campaign(campaign, recipients, remaining, used_scan=False, now=now)
    except QuotaWouldBeExceeded as refused:
        records.move_campaign(campaign.campaign_id, CampaignStatus.FAILED, str(refused))
        raise
    if campaign.status is CampaignStatus.DRAFT:
        records.move_campaign(campaign.campaign_id, CampaignStatus.PLANNED)
    queue.enqueue(plan.batches)
    records.move_campaign(campaign.campaign_id, CampaignStatus.SENDING)
    return plan
