"""Segments: who a campaign is for. A typed, serialisable definition and the rules every send obeys.

A segment's criteria are ANDed; tags can be any-of or all-of. However a segment is written, blocked
friends, members flagged do-not-send or complaint-hold, and deleted members are never recipients.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from daifuku.models.boundary_types import Amount, Day, DayCount, Instant, RankName, StoreId, Tag, Text
from daifuku.models.member import Member, MembershipStatus

# Tags, ranks or custom fields one segment can name.
MAX_LISTED = 30
CustomFieldName = Annotated[str, Text(40)]
CustomFieldValue = Annotated[str, Text(100, min_length=0)]


class IndexedSelection(StrEnum):
    BIRTH_MONTH = "birth_month"
    STORE = "store"
    TAGS = "tags"
    SCAN = "scan"


class Segment(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    birth_month: int | None = Field(default=None, ge=1, le=12)
    tags_any: tuple[Tag, ...] = Field(default=(), max_length=MAX_LISTED)
    tags_all: tuple[Tag, ...] = Field(default=(), max_length=MAX_LISTED)
    store_id: StoreId | None = None
    registered: bool | None = None
    last_visit_before: Day | None = None
    last_visit_after: Day | None = None
    no_visit_for_days: DayCount | None = None
    # Registered within (after, until]: the birth-month catch-up takes who registered since the last run.
    registered_after: Instant | None = None
    registered_until: Instant | None = None
    first_followed_from: Day | None = None
    first_followed_until: Day | None = None
    ranks: tuple[RankName, ...] = Field(default=(), max_length=MAX_LISTED)
    points_min: Amount | None = None
    points_max: Amount | None = None
    custom_field_equals: dict[CustomFieldName, CustomFieldValue] = Field(
        default_factory=dict, max_length=MAX_LISTED
    )

    @model_validator(mode="after")
    def _ranges_are_ordered(self) -> Segment:
        if self.points_min is not None and self.points_max is not None and self.points_min > self.points_max:
            raise ValueError("points_min is above points_max")
        if (
            self.first_followed_from
            and self.first_followed_until
            and self.first_followed_from > self.first_followed_until
        ):
            raise ValueError("first_followed_from is after first_followed_until")
        return self

    def selection(self) -> IndexedSelection:
        """The index that reads the fewest members for this segment; SCAN only with no indexed criterion."""
        if self.birth_month is not None:
            return IndexedSelection.BIRTH_MONTH
        if self.store_id is not None:
            return IndexedSelection.STORE
        if self.tags_all or self.tags_any:
            return IndexedSelection.TAGS
        return IndexedSelection.SCAN


def is_excluded(member: Member) -> bool:
    """The exclusions no segment can switch off."""
    return not member.can_receive_campaigns


def matches(segment: Segment, member: Member, today: date) -> bool:
    """True when `member` is in `segment` and may receive campaigns."""
    return not is_excluded(member) and in_segment(segment, member, today)


def in_segment(segment: Segment, member: Member, today: date) -> bool:
    """True when `member` fits the segment's criteria, before the exclusions."""
    checks = [
        segment.birth_month is None
        or (member.birthdate is not None and member.birthdate.month == segment.birth_month),
        segment.store_id is None or member.store_id == segment.store_id,
        segment.registered is None or (member.status is MembershipStatus.REGISTERED) == segment.registered,
        not segment.tags_any or bool(member.tags.intersection(segment.tags_any)),
        not segment.tags_all or member.tags.issuperset(segment.tags_all),
        not segment.ranks or member.rank in segment.ranks,
        segment.points_min is None or (member.points or 0) >= segment.points_min,
        segment.points_max is None or (member.points or 0) <= segment.points_max,
        all(member.custom_fields.get(k) == v for k, v in segment.custom_field_equals.items()),
        _visit_matches(segment, member.last_visit_on, today),
        _followed_between(segment, member.first_followed_at),
        _registered_within(segment, member.registered_at),
    ]
    return all(checks)


def _visit_matches(segment: Segment, last_visit: date | None, today: date) -> bool:
    if segment.last_visit_after and (last_visit is None or last_visit <= segment.last_visit_after):
        return False
    if segment.last_visit_before and last_visit is not None and last_visit >= segment.last_visit_before:
        return False
    if segment.no_visit_for_days is not None:
        threshold = today - timedelta(days=segment.no_visit_for_days)
        return last_visit is None or last_visit < threshold
    return True


def _followed_between(segment: Segment, first_followed_at: datetime | None) -> bool:
    if segment.first_followed_from is None and segment.first_followed_until is None:
        return True
    if first_followed_at is None:
        return False
    followed_on = first_followed_at.date()
    if segment.first_followed_from and followed_on < segment.first_followed_from:
        return False
    return not (segment.first_followed_until and followed_on > segment.first_followed_until)


def _registered_within(segment: Segment, registered_at: datetime | None) -> bool:
    if segment.registered_after is None and segment.registered_until is None:
        return True
    if registered_at is None:
        return False
    if segment.registered_after and registered_at <= segment.registered_after:
        return False
    return not (segment.registered_until and registered_at > segment.registered_until)
