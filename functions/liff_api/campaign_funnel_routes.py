"""GET /liff/api/staff/campaigns/<id>/funnel: a campaign's funnel (domain/campaign_funnel.py), shown on
the composer's result screen and the dashboard. Declared on the staff router (imported by the handler)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Tracer

from daifuku.domain.campaign_funnel import funnel_of
from daifuku.domain.errors import CampaignNotFound
from daifuku.wiring import current_wiring
from functions.liff_api.staff_routes import staff_route

tracer = Tracer(service="liff_api")


@staff_route("GET", "/campaigns/<campaign_id>/funnel")
@tracer.capture_method
def campaign_funnel(campaign_id: str) -> dict[str, Any]:
    table = current_wiring().table
    campaign = table.campaigns().load_campaign(campaign_id)
    if campaign is None:
        raise CampaignNotFound(campaign_id)
    return funnel_of(campaign, table.campaign_funnel).model_dump(mode="json")
