"""The expiry reminder: N days before a coupon's last day, its holder is reminded, unless they used it.

It runs daily (with the birth-month catch-up) and goes through the campaign pipeline: one campaign
per day and coupon title, whose plan is the holders, so the push workers send it with their retry
keys, pacing, flags and quota checks. Each reminded coupon is marked, so a second run (the schedule
firing twice, a retry) finds nothing left to remind and sends nothing more.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import date, datetime, timedelta
from typing import Protocol

from daifuku.domain.birth_month import BirthMonthRecords
from daifuku.domain.campaign_planning import CampaignStart, QuotaGateway, SendQueue, start_campaign
from daifuku.domain.campaigns import Campaign, TextContent
from daifuku.domain.segments import Segment
from daifuku.models.membership import Coupon
from daifuku.models.shop import ShopConfig


class ExpiringCoupons(Protocol):
    def unused_coupons_expiring_on(self, day: date) -> list[tuple[str, Coupon]]:
        """(holder, coupon) for the coupons whose last day is `day`, unused and not reminded yet."""

    def mark_reminded(self, user_id: str, coupon_id: str, at: datetime) -> None: ...


def reminder_campaign_id(expires_on: date, title: str) -> str:
    digest = hashlib.sha256(title.encode()).hexdigest()[:10]
    return f"coupon-reminder-{expires_on.isoformat()}-{digest}"


def reminder_text(shop: ShopConfig, title: str, expires_on: date) -> str:
    return shop.coupon_reminder_message.replace("{title}", title).replace(
        "{expires_on}", f"{expires_on.month}月{expires_on.day}日"
    )


def remind_expiring_coupons(
    today: date,
    shop: ShopConfig,
    coupons: ExpiringCoupons,
    campaigns: BirthMonthRecords,
    quota: QuotaGateway,
    queue: SendQueue,
    now: datetime,
) -> list[CampaignStart]:
    """Start today's reminder campaigns (none when the shop set the reminder to 0 days)."""
    if shop.coupon_reminder_days == 0:
        return []
    expires_on = today + timedelta(days=shop.coupon_reminder_days)
    holders: dict[str, list[tuple[str, Coupon]]] = defaultdict(list)
    for user_id, coupon in coupons.unused_coupons_expiring_on(expires_on):
        holders[coupon.title].append((user_id, coupon))
    started: list[CampaignStart] = []
    for title, held in sorted(holders.items()):
        campaign_id = reminder_campaign_id(expires_on, title)
        campaigns.create_campaign(
            Campaign(
                campaign_id=campaign_id,
                name=f"クーポン期限のお知らせ（{title[:40]}）",
                # Planned for the coupon's holders (recipients below); the segment matches no one, so
                # nothing could ever send this campaign to a segment instead.
                segment=Segment(registered_after=now, registered_until=now),
                messages=[TextContent(text=reminder_text(shop, title, expires_on))],
            )
        )
        holders_of_title = [user_id for user_id, _ in held]
        started.append(start_campaign(campaign_id, campaigns, quota, queue, now, recipients=holders_of_title))
        for user_id, coupon in held:
            coupons.mark_reminded(user_id, coupon.coupon_id, now)
    return started
