"""Segments select the right members, and the exclusions hold whatever the segment says."""

from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from daifuku.domain.segments import IndexedSelection, Segment, matches
from daifuku.models.member import Member, MembershipStatus

TODAY = date(2026, 11, 22)


def member(n: int = 1, **fields) -> Member:
    base = {"user_id": f"U{n:032x}", "status": MembershipStatus.REGISTERED, "member_no": f"{n:06d}"}
    return Member(**(base | fields))


@pytest.mark.parametrize(
    ("flags", "why"),
    [
        ({"blocked": True}, "blocked"),
        ({"do_not_send": True}, "do-not-send"),
        ({"complaint_hold": True}, "complaint hold"),
        ({"status": MembershipStatus.DELETED}, "deleted"),
    ],
)
def test_no_segment_reaches_an_excluded_member(flags, why):
    everyone = Segment()
    assert matches(everyone, member(**flags), TODAY) is False, why


def test_birth_month_selects_by_month_and_uses_the_index():
    segment = Segment(birth_month=11)
    assert segment.selection() is IndexedSelection.BIRTH_MONTH
    assert matches(segment, member(birthdate=date(1990, 11, 3)), TODAY)
    assert not matches(segment, member(birthdate=date(1990, 12, 3)), TODAY)
    assert not matches(segment, member(), TODAY)


def test_tags_any_and_all():
    tagged = member(tags=frozenset({"vip", "cake"}))
    assert matches(Segment(tags_any=("vip", "wine")), tagged, TODAY)
    assert not matches(Segment(tags_all=("vip", "wine")), tagged, TODAY)
    assert Segment(tags_all=("vip",)).selection() is IndexedSelection.TAGS


def test_no_visit_for_days_includes_members_who_never_came():
    segment = Segment(no_visit_for_days=90)
    assert matches(segment, member(last_visit_on=None), TODAY)
    assert matches(segment, member(last_visit_on=date(2026, 6, 1)), TODAY)
    assert not matches(segment, member(last_visit_on=date(2026, 11, 1)), TODAY)
    assert segment.selection() is IndexedSelection.SCAN


def test_first_followed_between_and_points_range():
    followed = member(first_followed_at=datetime(2026, 3, 15, tzinfo=UTC))
    segment = Segment(
        first_followed_from=date(2026, 3, 1), first_followed_until=date(2026, 3, 31), points_min=10
    )
    assert matches(segment, followed.model_copy(update={"points": 10}), TODAY)
    assert not matches(segment, followed.model_copy(update={"points": 9}), TODAY)


def test_contradictory_ranges_are_refused():
    with pytest.raises(ValidationError):
        Segment(points_min=5, points_max=1)


def test_segments_round_trip_as_json():
    segment = Segment(birth_month=4, tags_any=("vip",), custom_field_equals={"favourite": "大福"})
    assert Segment.model_validate_json(segment.model_dump_json()) == segment
