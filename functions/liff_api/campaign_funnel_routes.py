"""GET /liff/api/staff/campaigns/<id>/funnel: a campaign's funnel (domain/campaign_funnel.py), shown on
the composer's result screen and the dashboard. Declared on the staff router (imported by the handler)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger

from daifuku.domain.ab_tests import judge, winner_campaign_id
from daifuku.domain.campaign_funnel import UnitStatistics, funnel_of
from daifuku.domain.errors import CampaignNotFound, LineRequestFailed
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.staff_routes import staff_route

tracer = function_tracer("liff_api")
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


@staff_route("GET", "/campaigns/<campaign_id>/ab")
@tracer.capture_method
def ab_test_results(campaign_id: str) -> dict[str, Any]:
    """Each variant's rate with its 95% interval, the leader, whether the lead is significant, and
    (winner mode) the variant the rest received."""
    records = current_wiring().table.campaigns()
    campaign = records.load_campaign(campaign_id)
    if campaign is None or campaign.ab is None:
        raise CampaignNotFound(campaign_id)
    winner = records.winner_variant(winner_campaign_id(campaign_id))
    result = judge(campaign.ab, *records.ab_counts(campaign), winner=winner)
    return result.model_dump(mode="json") | {"mode": campaign.ab.mode.value}
