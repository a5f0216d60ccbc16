"""GET /liff/api/staff/campaigns/<id>/funnel: a campaign's funnel (domain/campaign_funnel.py), shown on
the composer's result screen and the dashboard. Declared on the staff router (imported by the handler)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger, Tracer

from daifuku.domain.campaign_funnel import UnitStatistics, funnel_of
from daifuku.domain.errors import CampaignNotFound, LineRequestFailed
from daifuku.wiring import current_wiring
from functions.liff_api.staff_routes import staff_route

tracer = Tracer(service="liff_api")
logger = Logger(service="liff_api")
JST = ZoneInfo("Asia/Tokyo")  # LINE's statistics are by JST day


@staff_route("GET", "/campaigns/<campaign_id>/funnel")
@tracer.capture_method
def campaign_funnel(campaign_id: str) -> dict[str, Any]:
    table = current_wiring().table
    campaign = table.campaigns().load_campaign(campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id)
    wiring = current_wiring()
    try:
        statistics: UnitStatistics | None = wiring.line()
        funnel = funnel_of(campaign, table.campaign_funnel, statistics, datetime.now(JST).date())
    except LineRequestFailed as error:
        # LINE's statistics are a nicety: without them the funnel shows opens as not counted.
        logger.warning("unit statistics unavailable", extra={"status": error.status})
        funnel = funnel_of(campaign, table.campaign_funnel)
    return funnel.model_dump(mode="json")
