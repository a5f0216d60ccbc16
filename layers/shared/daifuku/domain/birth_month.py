"""Birth-month campaigns: which month a run is for."""

from datetime import datetime
from zoneinfo import ZoneInfo


def birth_month_campaign_period(fired_at: datetime, shop_timezone: str) -> str:
    """The year-month (YYYY-MM) in the shop's time zone that a schedule firing at `fired_at` is for."""
    return fired_at.astimezone(ZoneInfo(shop_timezone)).strftime("%Y-%m")
