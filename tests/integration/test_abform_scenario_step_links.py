"""A scenario step measured like a campaign, through the local stack: the URL of its text goes out as
each recipient's own tracked link, its pushes carry the step's customAggregationUnits, and the step's
results show its clickers and LINE's count of opens (「20人未満」 while LINE says fewer than 20)."""

from __future__ import annotations

import re
import uuid
from zoneinfo import ZoneInfo

import pytest

from tests.integration.campaign_api import tag_members
from tests.integration.scenario_api import (
    advance_clock_to,
    eventually,
    next_morning,
    reset_clock,
    scenario_results,
    step_counts,
    texts_received,
)

pytestmark = [pytest.mark.slow, pytest.mark.moves_clock]
JST = ZoneInfo("Asia/Tokyo")
STEP_URL = "https://shop.example.jp/step-menu"
MEMBERS = 21  # LINE counts opens from 20 people: 19 openers are 「20人未満」, the 20th makes it 20
TRACKED = re.compile(r"https?://\S+/r/[A-Za-z0-9_-]+")


def test_a_steps_links_are_tracked_and_its_opens_counted_by_line(api, owner, line, member_table, local_stack):
    api_url = local_stack.urls.api
    marker = f"【{uuid.uuid4().hex[:6]}】"
    scenario_id = f"s-links-{uuid.uuid4().hex[:8]}"
    body = {
        "scenario_id": scenario_id,
        "name": "リンク計測のシナリオ",
        "trigger": {"kind": "manual"},
        "steps": [
            {
                "step_id": "menu",
                "delay": {"amount": 0, "unit": "minutes"},
                "messages": [{"type": "text", "text": f"{marker}今月のメニューはこちら {STEP_URL}"}],
            },
            {
                "step_id": "thanks",
                "delay": {"amount": 0, "unit": "minutes"},
                "messages": [{"type": "text", "text": f"{marker}ご来店お待ちしております。"}],
            },
        ],
    }
    status, created = api.call("POST", "/liff/api/staff/scenarios", owner, body)
    assert status == 201, created
    tag = f"計測{uuid.uuid4().hex[:6]}"
    members = [line.create_user(f"計測{n}", follow=True) for n in range(MEMBERS)]
    tag_members(member_table, members, tag)
    try:
        # Given members enrolled on a morning (inside the send window)
        morning = next_morning(api_url)
        advance_clock_to(api_url, morning)
        path = f"/liff/api/staff/scenarios/{scenario_id}/enrolments"
        assert api.call("POST", path, owner, {"segment": {"tags_any": [tag]}})[0] == 200

        # When the steps arrive, the URL is each member's own tracked link, never the URL itself
        received = {
            user: eventually(
                lambda u=user: len(texts_received(line, u, marker)) == 2 and texts_received(line, u, marker)
            )
            for user in members
        }
        links = {}
        for user, (menu, thanks) in received.items():
            assert STEP_URL not in menu and "ご来店" in thanks
            [links[user]] = TRACKED.findall(menu)
        assert len(set(links.values())) == MEMBERS
        results = eventually(
            lambda: (
                (r := scenario_results(api, owner, scenario_id))
                and step_counts(r, "thanks")["sent"] == MEMBERS
                and r
            )
        )
        menu = step_counts(results, "menu")
        assert menu["sent"] == MEMBERS and menu["clicked"] == 0
        assert step_counts(results, "thanks")["clicked"] is None  # a step without links

        # ...and two members tap the link (one of them twice), seventeen more open the messages
        for user in (members[0], members[0], members[1]):
            assert line.click_link(user, links[user])["location"] == STEP_URL
        for user in members[2:19]:
            line.open_messages(user)

        # Then the step counts two clickers, and LINE's opens as fewer than 20
        menu = step_counts(scenario_results(api, owner, scenario_id), "menu")
        assert menu["clicked"] == 2
        assert menu["opened"] is None and menu["opened_fewer_than_20"] is True

        # ...until a 20th member opens them: LINE's count, read for the step's own unit
        line.open_messages(members[19])
        menu = step_counts(scenario_results(api, owner, scenario_id), "menu")
        assert menu["opened"] == 20 and menu["opened_fewer_than_20"] is False
        assert menu["clicked"] == 2
    finally:
        api.call("POST", f"/liff/api/staff/scenarios/{scenario_id}/stop", owner)
        reset_clock(api_url)
