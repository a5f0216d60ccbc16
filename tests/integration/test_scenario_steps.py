"""Scenarios through the local stack, with its clock moved through a customer's week: each step arrives
once, at its time, inside the send window; a visit and a block stop the member and are counted."""

from __future__ import annotations

import uuid
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.integration.member_api import a_form
from tests.integration.scenario_api import (
    advance_clock_to,
    clock_now,
    eventually,
    fire_scenario_schedule,
    reset_clock,
    scenario_results,
    step_counts,
    texts_received,
)
from tests.integration.staff_api import visit

pytestmark = pytest.mark.moves_clock

JST = ZoneInfo("Asia/Tokyo")


def step(step_id: str, days: int, text: str) -> dict:
    return {
        "step_id": step_id,
        "delay": {"amount": days, "unit": "days", "after": "previous", "at": "10:00"},
        "messages": [{"type": "text", "text": text}],
    }


def at_jst(day: datetime, hh: int, mm: int) -> datetime:
    return datetime.combine(day.astimezone(JST).date(), time(hh, mm), JST)


@pytest.fixture
def scenario(api, owner, local_stack):
    """A three-step friend-added scenario (days 1, 3 and 6 at 10:00), stopped by a visit; stopped and
    the clock put back afterwards, so no later test's new friend enters it."""
    marker = f"【{uuid.uuid4().hex[:6]}】"
    scenario_id = f"s-week-{uuid.uuid4().hex[:8]}"
    body = {
        "scenario_id": scenario_id,
        "name": "友だち追加の1週間",
        "trigger": {"kind": "friend_added"},
        "steps": [
            step("welcome", 1, f"{marker}ご来店お待ちしております。"),
            step("reminder", 2, f"{marker}今週のおすすめです。"),
            step("coupon", 3, f"{marker}特別なご案内です。"),
        ],
        "stop": {"visited": True},
    }
    status, created = api.call("POST", "/liff/api/staff/scenarios", owner, body)
    assert status == 201, created
    yield scenario_id, marker
    api.call("POST", f"/liff/api/staff/scenarios/{scenario_id}/stop", owner)
    reset_clock(local_stack.urls.api)


def test_three_steps_arrive_once_each_at_their_time_and_a_visit_or_a_block_stops_the_member(
    api, owner, line, local_stack, scenario
):
    scenario_id, marker = scenario
    api_url = local_stack.urls.api
    # Given three customers who add the shop as a friend (one registers, so staff can record a visit)
    stays, visits, blocks = (api.simulated_user(follow=True) for _ in range(3))
    assert api.register(visits, a_form())[0] == 200
    enrolled_at = clock_now(api_url)
    day1 = enrolled_at + timedelta(days=1)

    # When the clock reaches 09:50 the next day, nothing is due yet
    advance_clock_to(api_url, at_jst(day1, 9, 50))
    assert fire_scenario_schedule(api_url)["enqueued"] == 0
    # ...and at 10:01, step 1 reaches all three, once each
    advance_clock_to(api_url, at_jst(day1, 10, 1))
    for user in (stays, visits, blocks):
        assert eventually(lambda u=user: texts_received(line, u, marker)) == [
            f"{marker}ご来店お待ちしております。"
        ]

    # When one visits the shop and another blocks it
    assert visit(api, owner, visits)[0] == 201
    line.block(blocks)

    # And the clock moves through the rest of the week, step by step
    advance_clock_to(api_url, at_jst(day1 + timedelta(days=2), 10, 1))
    eventually(lambda: len(texts_received(line, stays, marker)) == 2)
    advance_clock_to(api_url, at_jst(day1 + timedelta(days=5), 10, 1))
    eventually(lambda: len(texts_received(line, stays, marker)) == 3)

    # Then the one who stayed got each step once, in order; the visitor and the blocker got only step 1
    assert texts_received(line, stays, marker) == [
        f"{marker}ご来店お待ちしております。",
        f"{marker}今週のおすすめです。",
        f"{marker}特別なご案内です。",
    ]
    results = eventually(
        lambda: (r := scenario_results(api, owner, scenario_id))["totals"]["finished"] == 1 and r
    )
    assert len(texts_received(line, visits, marker)) == 1
    assert len(texts_received(line, blocks, marker)) == 1
    # ...and the results say so: enrolled, sent per step, stopped by which condition, the block counted
    totals = results["totals"]
    assert (totals["enrolled"], totals["stopped_visited"], totals["stopped_blocked"]) == (3, 1, 1)
    assert step_counts(results, "welcome")["sent"] == 3
    assert step_counts(results, "welcome")["blocks_within_7_days"] == 1
    assert step_counts(results, "reminder")["sent"] == 1
    assert step_counts(results, "coupon")["sent"] == 1
