"""The campaign funnel's records: visits and coupon uses attributed to campaigns as they happen (on
the campaign item, beside its progress counters), and the funnel's counts read back."""

from __future__ import annotations

from datetime import datetime

from daifuku.adapters.dynamodb.campaigns import attribute_after_sends
from daifuku.adapters.dynamodb.keys import campaign_key
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.adapters.dynamodb.tracked_links import TrackedLinkRepository
from daifuku.domain.campaign_funnel import VISIT_ATTRIBUTION_WINDOW, campaign_of_coupon

FUNNEL_COUNTERS = ("planned", "sent", "blocks_within_7_days", "visits_within_7_days", "coupons_used")


class CampaignFunnelRepository:
    def __init__(self, gateway: TableGateway, links: TrackedLinkRepository):
        self._gateway = gateway
        self._links = links

    def attribute_visit(self, user_id: str, visited_at: datetime) -> list[str]:
        """Count a visit for every campaign the member was sent within the 7 days before it; once each."""
        return attribute_after_sends(
            self._gateway,
            user_id,
            visited_at,
            VISIT_ATTRIBUTION_WINDOW,
            "visited_after_at",
            "visits_within_7_days",
        )

    def count_coupon_use(self, coupon_id: str) -> str | None:
        """A campaign's coupon was used (redemption happens once per coupon): its campaign, counted."""
        campaign_id = campaign_of_coupon(coupon_id)
        if campaign_id is None:
            return None
        counted = self._gateway.update(
            campaign_key(campaign_id),
            "ADD coupons_used :one",
            condition="attribute_exists(pk)",
            values={":one": 1},
        )
        return campaign_id if counted else None

    def funnel_counts(self, campaign_id: str) -> dict[str, int]:
        item = self._gateway.get(campaign_key(campaign_id)) or {}
        return {name: int(item.get(name, 0)) for name in FUNNEL_COUNTERS}

    def clickers(self, link_ids: list[str]) -> set[str]:
        return self._links.clickers(link_ids)
