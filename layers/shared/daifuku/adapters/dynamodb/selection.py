"""Reading members in bulk: a campaign segment's members through its best index, the staff search,
and members by id. Counts the items it reads (the planner reports it; a Scan shows)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Attr

from daifuku.adapters.dynamodb.keys import MEMBER_SK, member_key
from daifuku.adapters.dynamodb.table import TableGateway, on_index
from daifuku.domain.campaign_planning import MemberSelection
from daifuku.domain.search_text import search_form
from daifuku.domain.segments import IndexedSelection, Segment
from daifuku.models.member import Member
from daifuku.table_schema import (
    BIRTH_MONTH_INDEX,
    PHONE_LAST4_INDEX,
    STORE_INDEX,
    TAG_INDEX,
    SecondaryIndex,
)

# What a name fragment is looked for in.
NAMED_ATTRIBUTES = ("name", "name_kana", "display_name")


@dataclass
class MemberReader:
    """One per run: `items_read` is what this run read."""

    _gateway: TableGateway
    items_read: int = 0  # members read while selecting and sending (benchmark, selection-cost test)

    def select_members(self, segment: Segment) -> MemberSelection:
        """Read the members of `segment` through its best index; a Scan only without one."""
        selection = segment.selection()
        if selection is IndexedSelection.BIRTH_MONTH and segment.birth_month is not None:
            members = list(self.members_born_in(segment.birth_month))
        elif selection is IndexedSelection.STORE and segment.store_id is not None:
            members = list(self._members_in(STORE_INDEX, segment.store_id))
        elif selection is IndexedSelection.TAGS:
            # All-of: every member has the first tag. Any-of: the union of the tags' members.
            tags = segment.tags_all[:1] or segment.tags_any
            members = self.members(self._tagged_user_ids(dict.fromkeys(tags)))
        else:
            members = list(self._scan_members())
        return MemberSelection(members=tuple(members), used_scan=selection is IndexedSelection.SCAN)

    def every_member(self) -> Iterator[Member]:
        """Every member item (friends, guests, members, tombstones): a Scan, for the owner's customer list."""
        return self._scan_members()

    def members_born_in(self, month: int) -> Iterator[Member]:
        """The members whose birth month is `month`: a Query on the birth-month index, never a Scan."""
        return self._members_in(BIRTH_MONTH_INDEX, f"{month:02d}")

    def members(self, user_ids: tuple[str, ...], *, eligibility_only: bool = False) -> list[Member]:
        """The members among `user_ids`; with eligibility_only, read only what the exclusions need."""
        projection: dict[str, Any] = {}
        if eligibility_only:
            names = {f"#a{n}": name for n, name in enumerate(Member.CAMPAIGN_ELIGIBILITY_ATTRIBUTES)}
            projection = {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
        found = [
            Member.model_validate(item)
            for item in self._gateway.batch_get([member_key(user_id) for user_id in user_ids], **projection)
        ]
        self.items_read += len(found)
        return found

    # The staff search

    def members_tagged(self, tag: str) -> list[Member]:
        return self.members(self._tagged_user_ids([tag]))

    def members_by_phone_last4(self, last4: str) -> list[Member]:
        return list(self._members_in(PHONE_LAST4_INDEX, last4))

    def members_named(self, fragment: str, limit: int) -> list[Member]:
        """Members whose name, kana or LINE display name contains `fragment`, compared in
        search_form (hiragana = katakana, either width). A Scan filtered here rather than in
        DynamoDB: stored names are as typed, and a small shop's table reads in well under a second."""
        wanted = search_form(fragment)
        names = {"#sk": "sk", "#n": "name", "#k": "name_kana", "#d": "display_name", "#u": "user_id"}
        scan = {
            "FilterExpression": Attr("sk").eq(MEMBER_SK),
            "ProjectionExpression": ", ".join(names),
            "ExpressionAttributeNames": names,
        }
        user_ids: list[str] = []
        for page in self._gateway.scan_pages(**scan):
            user_ids += [
                item["user_id"]
                for item in page["Items"]
                if any(wanted in search_form(item.get(name) or "") for name in NAMED_ATTRIBUTES)
            ]
            if len(user_ids) >= limit:
                break
        return self.members(tuple(user_ids[:limit]))

    # Reading

    def _tagged_user_ids(self, tags: Any) -> tuple[str, ...]:
        user_ids = {
            item["user_id"]
            for tag in tags
            for item in self._query(TAG_INDEX, tag, ProjectionExpression="user_id")
        }
        return tuple(sorted(user_ids))

    def _members_in(self, index: SecondaryIndex, value: str) -> Iterator[Member]:
        for item in self._query(index, value):
            if item.get("sk") == MEMBER_SK:
                yield Member.model_validate(item)

    def _query(self, index: SecondaryIndex, value: str, **options: Any) -> Iterator[dict[str, Any]]:
        for page in self._gateway.query_pages(**on_index(index, value), **options):
            self.items_read += len(page["Items"])
            yield from page["Items"]

    def _scan_members(self) -> Iterator[Member]:
        for page in self._gateway.scan_pages(FilterExpression=Attr("sk").eq(MEMBER_SK)):
            self.items_read += page["ScannedCount"]
            yield from (Member.model_validate(item) for item in page["Items"])
