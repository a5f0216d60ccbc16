"""「今すぐ送る」 can be cancelled until sending begins, and a cancel racing the planner is decided by
the table: the campaign ends cancelled, and nothing reaches LINE unless sending had already begun."""

from __future__ import annotations

import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.integration.campaign_api import compose, fire_due_campaigns, progress, tag_members

pytestmark = pytest.mark.slow


def texts_received(line, user: str, marker: str) -> int:
    return sum(1 for message in line.received(user) if marker in message.get("text", ""))


def test_a_send_now_campaign_waits_a_minute_and_a_cancel_stops_it(line, member_table, api, owner):
    marker = f"今すぐ取消{uuid.uuid4().hex[:6]}"
    users = [line.create_user(f"取消{n}", follow=True) for n in range(2)]
    tag_members(member_table, users, marker)
    campaign_id = compose(api, owner, {"tags_any": [marker]}, f"{marker}のお知らせ")
    assert progress(api, owner, campaign_id)["status"] == "draft"

    status, cancelled = api.call("POST", f"/liff/api/staff/campaigns/{campaign_id}/cancel", owner)

    assert (status, cancelled["status"]) == (200, "cancelled")
    fired = fire_due_campaigns(api.api_url, ahead_seconds=300)
    assert [f for f in fired if f["campaign_id"] == campaign_id] == []
    assert progress(api, owner, campaign_id)["status"] == "cancelled"
    assert [texts_received(line, user, marker) for user in users] == [0, 0]


@pytest.mark.parametrize("round_", range(3))
def test_a_cancel_racing_the_planner_leaves_one_consistent_outcome(line, member_table, api, owner, round_):
    marker = f"競合{uuid.uuid4().hex[:6]}"
    users = [line.create_user(f"競合{n}", follow=True) for n in range(2)]
    tag_members(member_table, users, marker)
    campaign_id = compose(api, owner, {"tags_any": [marker]}, f"{marker}のお知らせ")

    with ThreadPoolExecutor(2) as pool:
        planner = pool.submit(fire_due_campaigns, api.api_url, 300)
        cancel = pool.submit(api.call, "POST", f"/liff/api/staff/campaigns/{campaign_id}/cancel", owner)
        cancel_status, cancel_answer = cancel.result()
        fired = [f for f in planner.result() if f["campaign_id"] == campaign_id]

    final = progress(api, owner, campaign_id)
    if cancel_status == 200:
        assert cancel_answer["status"] == "cancelled" and final["status"] == "cancelled"
    else:  # too late: the planner had finished, and the campaign ran to its end
        assert (cancel_status, cancel_answer["code"]) == (409, "invalid_transition"), cancel_answer
        assert final["status"] in ("sending", "done")
    planner_started = any(f.get("status") in ("sending", "done") for f in fired)
    if not planner_started:
        assert [texts_received(line, user, marker) for user in users] == [0, 0]
