"""Tracked links: each link's record and unique-click counter, each recipient's first click, and the
campaign recipients who clicked (the funnel's "clicked")."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.keys import (
    CAMPAIGN_CLICKER,
    campaign_clicker_key,
    campaign_partition,
    link_click_key,
    member_key,
    tag_key,
    tracked_link_key,
    utc,
)
from daifuku.adapters.dynamodb.table import CONDITION_FAILED, TableGateway, codes, update_request
from daifuku.domain.errors import RecordContention
from daifuku.domain.tracked_links import TrackedLink
from daifuku.models.member import MembershipStatus

# A click's transaction can meet another click of the same link (the link's counter): tried again.
CLICK_CONFLICT_ATTEMPTS = 5


class TrackedLinkRepository:
    def __init__(self, gateway: TableGateway):
        self._gateway = gateway

    def register(self, links: list[TrackedLink]) -> None:
        for link in links:
            item = {
                **tracked_link_key(link.link_id),
                **link.model_dump(exclude={"link_id"}, exclude_none=True),
            }
            self._gateway.put({**item, "clicks": 0}, if_absent=True)

    def tracked_link(self, link_id: str) -> TrackedLink | None:
        item = self._gateway.get(tracked_link_key(link_id), consistent=False)
        if item is None:
            # Registered a moment ago (a send in progress): an eventually consistent read can miss it.
            item = self._gateway.get(tracked_link_key(link_id))
        if item is None:
            return None
        return TrackedLink(
            link_id=link_id, url=item["url"], source=item["source"], click_tag=item.get("click_tag")
        )

    def record_click(self, link: TrackedLink, user_id: str, at: datetime) -> bool:
        """One transaction: the recipient's click (only if it is their first on this link), the link's
        counter, and for a campaign the recipient among its clickers (first click on any of its links)."""
        transaction: list[dict[str, Any]] = [
            {
                "Put": {
                    "Item": {
                        **link_click_key(link.link_id, user_id),
                        "user_id_clicked": user_id,
                        "at": utc(at),
                    },
                    "ConditionExpression": "attribute_not_exists(pk)",
                }
            },
            {"Update": update_request(tracked_link_key(link.link_id), "ADD clicks :one", values={":one": 1})},
        ]
        campaign_id = link.campaign_id
        if campaign_id is not None:
            transaction.append(
                {
                    "Update": update_request(
                        campaign_clicker_key(campaign_id, user_id),
                        "SET first_clicked_at = if_not_exists(first_clicked_at, :at), "
                        "user_id_clicked = :user ADD clicks :one",
                        values={":at": utc(at), ":user": user_id, ":one": 1},
                    )
                }
            )
        reasons = self._gateway.transact(transaction, conflict_attempts=CLICK_CONFLICT_ATTEMPTS)
        if reasons is None:
            return True
        if CONDITION_FAILED in codes(reasons):
            return False
        raise RecordContention(user_id)

    def add_tag(self, user_id: str, tag: str) -> bool:
        """The member's tag set and its TAG# item; False when the user is not a (living) member."""
        condition = "attribute_exists(member_no) AND #status <> :deleted"
        update = update_request(
            member_key(user_id),
            "ADD tags :tag",
            condition,
            {"#status": "status"},
            {":tag": {tag}, ":deleted": MembershipStatus.DELETED.value},
        )
        return (
            self._gateway.transact(
                [
                    {"Update": update},
                    {"Put": {"Item": {**tag_key(user_id, tag), "tag": tag, "user_id": user_id}}},
                ]
            )
            is None
        )

    def link_clicks(self, link_id: str) -> int:
        item = self._gateway.get(tracked_link_key(link_id))
        return int(item.get("clicks", 0)) if item else 0

    def campaign_clickers(self, campaign_id: str) -> int:
        """The campaign's recipients who clicked at least one of its links."""
        condition = Key("pk").eq(campaign_partition(campaign_id)) & Key("sk").begins_with(
            CAMPAIGN_CLICKER.sk_prefix()
        )
        return sum(
            page["Count"]
            for page in self._gateway.query_pages(KeyConditionExpression=condition, Select="COUNT")
        )
