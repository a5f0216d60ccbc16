"""The campaign funnel's records: visits and coupon uses attributed to campaigns as they happen (on
the campaign item, beside its progress counters), and the funnel's counts read back."""

from __future__ import annotations

from datetime import datetime, timedelta

from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.keys import CAMPAIGN_LOG_PK, campaign_key, send_key, utc
from daifuku.adapters.dynamodb.table import CONDITION_FAILED, TableGateway, codes, update_request
from daifuku.adapters.dynamodb.tracked_links import TrackedLinkRepository
from daifuku.domain.campaign_funnel import VISIT_ATTRIBUTION_WINDOW, campaign_of_coupon
from daifuku.domain.errors import RecordContention
from daifuku.domain.push_worker import RecipientOutcome

FUNNEL_COUNTERS = ("planned", "sent", "blocks_within_7_days", "visits_within_7_days", "coupons_used")


class CampaignFunnelRepository:
    def __init__(self, gateway: TableGateway, links: TrackedLinkRepository):
        self._gateway = gateway
        self._links = links

    def attribute_visit(self, user_id: str, visited_at: datetime) -> list[str]:
        """Count a visit for every campaign the member was sent within the 7 days before it; once each."""
        since = visited_at - VISIT_ATTRIBUTION_WINDOW
        log = self._gateway.query_page(
            KeyConditionExpression=Key("pk").eq(CAMPAIGN_LOG_PK)
            & Key("sk").between(utc(since - timedelta(days=1)), utc(visited_at) + "~")
        )
        attributed: list[str] = []
        for entry in log:
            campaign_id = entry["campaign_id"]
            guard = update_request(
                send_key(campaign_id, user_id),
                "SET visited_after_at = :visited",
                "outcome = :sent AND #at >= :since AND #at <= :visited "
                "AND attribute_not_exists(visited_after_at)",
                {"#at": "at"},
                {":visited": utc(visited_at), ":since": utc(since), ":sent": RecipientOutcome.SENT.value},
            )
            count = update_request(
                campaign_key(campaign_id), "ADD visits_within_7_days :one", values={":one": 1}
            )
            reasons = self._gateway.transact([{"Update": guard}, {"Update": count}])
            if reasons is None:
                attributed.append(campaign_id)
            elif CONDITION_FAILED not in codes(reasons):
                raise RecordContention(user_id)
        return attributed

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
