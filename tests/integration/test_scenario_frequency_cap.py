"""The weekly frequency cap across a campaign and a scenario on the same day: the scenario's step is
sent, the campaign skips that member and counts them capped, and the scenario's next step waits for
the next allowed time."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from zoneinfo import ZoneInfo

import pytest

from tests.integration.campaign_api import compose, fire_due_campaigns, tag_members, wait_until_finished
from tests.integration.scenario_api import (
    advance_clock_to,
    eventually,
    next_morning,
    reset_clock,
    scenario_results,
    step_counts,
    texts_received,
)

pytestmark = pytest.mark.moves_clock

JST = ZoneInfo("Asia/Tokyo")


def test_one_push_a_week_a_campaign_skips_the_member_a_scenario_already_reached(
    api, owner, line, member_table, local_stack
):
    api_url = local_stack.urls.api
    marker = f"【{uuid.uuid4().hex[:6]}】"
    users = [line.create_user(f"上限{n}", follow=True) for n in range(2)]
    tag = f"上限{uuid.uuid4().hex[:4]}"
    tag_members(member_table, users, tag)
    scenario_id = f"s-cap-{uuid.uuid4().hex[:8]}"
    steps = [
        {
            "step_id": "first",
            "delay": {"amount": 0, "unit": "minutes"},
            "messages": [{"type": "text", "text": f"{marker}S1"}],
        },
        {
            "step_id": "second",
            "delay": {"amount": 1, "unit": "hours"},
            "messages": [{"type": "text", "text": f"{marker}S2"}],
        },
    ]
    body = {"scenario_id": scenario_id, "name": "上限テスト", "trigger": {"kind": "manual"}, "steps": steps}
    assert api.call("POST", "/liff/api/staff/scenarios", owner, body)[0] == 201
    morning = next_morning(api_url)
    advance_clock_to(api_url, morning)
    # Given the owner allows one push per member per week
    rules = {"frequency_cap": {"max_pushes_per_7_days": 1}}
    assert api.call("PUT", "/liff/api/staff/messaging-rules", owner, rules)[0] == 200
    try:
        # When a scenario's first step reaches two members
        path = f"/liff/api/staff/scenarios/{scenario_id}/enrolments"
        status, counts = api.call("POST", path, owner, {"segment": {"tags_any": [tag]}})
        assert status == 200 and counts["enrolled"] == 2, counts
        eventually(lambda: all(texts_received(line, u, f"{marker}S1") for u in users))
        # ...and then, the same day, a campaign to the tag
        campaign_id = compose(api, owner, {"tags_any": [tag]}, f"{marker}C")
        fire_due_campaigns(api_url, ahead_seconds=3600)
        finished = wait_until_finished(api, owner, campaign_id)
        # Then the campaign skipped both (each had their one push) and counted them capped
        assert (finished["sent"], finished["capped"]) == (0, 2), json.dumps(finished)
        # And the scenario's second step, due an hour later, waits for the week to pass
        advance_clock_to(api_url, morning + timedelta(hours=1, minutes=1))
        eventually(lambda: step_counts(scenario_results(api, owner, scenario_id), "second")["capped"] == 2)
        assert not any(texts_received(line, u, f"{marker}S2") for u in users)
        advance_clock_to(api_url, morning + timedelta(days=7, minutes=1))
        eventually(lambda: all(texts_received(line, u, f"{marker}S2") for u in users))
    finally:
        api.call(
            "PUT",
            "/liff/api/staff/messaging-rules",
            owner,
            {"frequency_cap": {"max_pushes_per_7_days": None}},
        )
        api.call("POST", f"/liff/api/staff/scenarios/{scenario_id}/stop", owner)
        reset_clock(api_url)
    for user in users:
        assert not texts_received(line, user, f"{marker}C")
        assert len(texts_received(line, user, f"{marker}S1")) == 1
        assert len(texts_received(line, user, f"{marker}S2")) == 1
