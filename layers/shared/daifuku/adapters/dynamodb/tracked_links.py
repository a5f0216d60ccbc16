"""Tracked links: each link's record and each recipient's first click on it (counted by queries)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.keys import (
    LINK_CLICK,
    link_click_key,
    tracked_link_key,
    utc,
)
from daifuku.adapters.dynamodb.member_tags import add_member_tag
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.tracked_links import TrackedLink


class TrackedLinkRepository:
    def __init__(self, gateway: TableGateway):
        self._gateway = gateway

    def register(self, links: list[TrackedLink]) -> None:
        for link in links:
            item = {
                **tracked_link_key(link.link_id),
                **link.model_dump(exclude={"link_id"}, exclude_none=True),
            }
            self._gateway.put(item, if_absent=True)

    def tracked_link(self, link_id: str) -> TrackedLink | None:
        item = self._gateway.get(tracked_link_key(link_id), consistent=False)
        if item is None:
            # Registered a moment ago (a send in progress): an eventually consistent read can miss it.
            item = self._gateway.get(tracked_link_key(link_id))
        if item is None:
            return None
        return TrackedLink(
            link_id=link_id,
            url=item["url"],
            source=item["source"],
            click_tag=item.get("click_tag"),
            click_scenario_id=item.get("click_scenario_id"),
        )

    def record_click(self, link: TrackedLink, user_id: str, at: datetime) -> bool:
        """The recipient's click, only if it is their first on this link: one conditional write and no
        counter, so concurrent clicks on one link never contend for an item (the counts are queries)."""
        item = {**link_click_key(link.link_id, user_id), "user_id_clicked": user_id, "at": utc(at)}
        return self._gateway.put(item, if_absent=True)

    def add_tag(self, user_id: str, tag: str) -> bool:
        return add_member_tag(self._gateway, user_id, tag)

    def link_clicks(self, link_id: str) -> int:
        """The recipients who clicked the link (each once)."""
        return sum(
            page["Count"]
            for page in self._gateway.query_pages(
                KeyConditionExpression=self._clicks_of(link_id), Select="COUNT"
            )
        )

    def clickers(self, link_ids: list[str]) -> set[str]:
        """The recipients who clicked at least one of the links (a send's links: the funnel's clicked)."""
        found: set[str] = set()
        for link_id in link_ids:
            for item in self._gateway.query(
                KeyConditionExpression=self._clicks_of(link_id), ProjectionExpression="user_id_clicked"
            ):
                found.add(item["user_id_clicked"])
        return found

    @staticmethod
    def _clicks_of(link_id: str) -> Any:
        return Key("pk").eq(tracked_link_key(link_id)["pk"]) & Key("sk").begins_with(LINK_CLICK.sk_prefix())
