"""An A/B campaign in winner mode through the local stack: the test group splits between the
variants, the leader by click rate goes to the rest after the wait, and each member gets exactly one
message."""

from __future__ import annotations

import re
import uuid

import pytest

from tests.integration.campaign_api import compose, fire_due_campaigns, tag_members, wait_until_finished

pytestmark = pytest.mark.slow

A_URL, B_URL = "https://shop.example.jp/a", "https://shop.example.jp/b"


def test_the_winner_goes_to_the_rest_and_each_member_gets_one_message(line, member_table, api, owner):
    # Given 60 friends and an A/B campaign: half of them as the test group, the winner by clicks
    tag = f"AB-{uuid.uuid4().hex[:6]}"
    friends = [line.create_user(f"AB{n}", follow=True) for n in range(60)]
    tag_members(member_table, friends, tag)
    marker = uuid.uuid4().hex[:8]
    variants = [
        [{"type": "text", "text": f"A案 {marker} {A_URL}"}],
        [{"type": "text", "text": f"B案 {marker} {B_URL}"}],
    ]
    ab = {"variants": variants, "mode": "winner", "test_percent": 50, "wait_hours": 1, "winner_by": "click"}
    campaign_id = compose(api, owner, {"tags_any": [tag]}, f"A案 {marker}", track_links=True, ab=ab)

    # When the test is sent, and everyone who got B taps its link
    fire_due_campaigns(api.api_url)
    test = wait_until_finished(api, owner, campaign_id)
    received = {
        user: [m["text"] for m in line.received(user) if marker in m.get("text", "")] for user in friends
    }
    got_a = [u for u, texts in received.items() if texts and texts[0].startswith("A案")]
    got_b = [u for u, texts in received.items() if texts and texts[0].startswith("B案")]
    assert test["sent"] == len(got_a) + len(got_b) and len(got_a) >= 5 and len(got_b) >= 5
    assert 15 <= test["sent"] <= 45  # about half: a stable hash, not an exact count
    for user in got_b:
        [url] = re.findall(r"https?://\S+/r/[A-Za-z0-9_-]+", received[user][0])
        assert line.click_link(user, url)["location"] == B_URL
    status, results = api.call("GET", f"/liff/api/staff/campaigns/{campaign_id}/ab", owner)
    assert status == 200, results
    assert results["leader"] == 1 and results["variants"][1]["rate"] == 1.0 and results["significant"]
    assert [v["sent"] for v in results["variants"]] == [len(got_a), len(got_b)]

    # Then after the wait the rest receive the winner only, and each member got exactly one message
    fire_due_campaigns(api.api_url, ahead_seconds=3600 + 300)
    rest = wait_until_finished(api, owner, f"{campaign_id}-w")
    assert rest["sent"] == 60 - test["sent"]
    received = {
        user: [m["text"] for m in line.received(user) if marker in m.get("text", "")] for user in friends
    }
    assert all(len(texts) == 1 for texts in received.values()), received
    held = [u for u in friends if u not in got_a and u not in got_b]
    assert held and all(received[u][0].startswith("B案") for u in held)
    status, results = api.call("GET", f"/liff/api/staff/campaigns/{campaign_id}/ab", owner)
    assert results["winner"] == 1


def test_a_split_not_adding_up_and_too_few_recipients_are_refused(line, member_table, api, owner):
    texts = [[{"type": "text", "text": "A"}], [{"type": "text", "text": "B"}]]
    status, answer = api.call(
        "POST",
        "/liff/api/staff/campaigns",
        owner,
        {"name": "AB", "segment": {}, "messages": texts[0], "ab": {"variants": texts, "shares": [60, 30]}},
    )
    assert status == 422, answer
    tag = f"AB少-{uuid.uuid4().hex[:6]}"
    few = [line.create_user(f"AB少{n}", follow=True) for n in range(3)]
    tag_members(member_table, few, tag)
    ab = {"variants": texts, "winner_by": "visit"}
    campaign_id = compose(api, owner, {"tags_any": [tag]}, "A", ab=ab)
    fire_due_campaigns(api.api_url)
    finished = wait_until_finished(api, owner, campaign_id)
    assert finished["status"] == "failed" and "at least 5" in (finished["status_reason"] or "")
