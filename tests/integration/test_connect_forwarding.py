"""Living beside another LINE tool, through the local stack: every webhook request LINE sends is passed
on to the other tool (a test server) with its body and X-Line-Signature unchanged, also while that tool
fails for a while; Daifuku's answer to LINE never waits for it; the silent switch."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import uuid

from daifuku.domain.webhook_signature import sign_webhook_body
from daifuku_local.aws_resources import LocalChannel
from tests.integration.connect_receiver import wait_for
from tests.integration.staff_api import items_under
from tests.integration.test_webhook import post_webhook, stored

FORWARDING = "/liff/api/staff/connect/forwarding"
SECRET = LocalChannel().channel_secret


def a_body(text: str) -> bytes:
    """A webhook body as LINE might send it, spaced its own way: forwarding must keep every byte."""
    destination = "U" + uuid.uuid4().hex
    return f'{{"destination":"{destination}", "events":[],  "note":"{text}"}}'.encode()


def test_every_webhook_reaches_the_other_tool_unchanged_also_while_it_fails_for_a_while(
    local_stack, api, owner, line, receiver, forward_to
):
    # Given forwarding to the other tool, which fails its next 3 requests
    forward_to(receiver.url("/line/webhook"))
    receiver.fail_next(3)

    # When LINE sends requests (signed bodies, and a friend's follow and message from the simulator)
    bodies = [a_body(f"大福 {n}") for n in range(4)]
    for body in bodies:
        assert post_webhook(local_stack.urls.api, body, sign_webhook_body(body, SECRET)) == 200
    friend = line.create_user("転送テスト", follow=True)
    assert line.send_text(friend, "こんにちは") == 200

    # Then the other tool receives each body byte for byte with LINE's signature
    def all_bodies() -> bool:
        accepted = {r.body: r for r in receiver.accepted()}
        return all(body in accepted for body in bodies)

    wait_for("every forwarded body", all_bodies)
    assert receiver.failed(), "the other tool failed first"
    accepted = {r.body: r for r in receiver.accepted()}
    for body in bodies:
        assert accepted[body].headers["X-Line-Signature"] == sign_webhook_body(body, SECRET)
        assert accepted[body].path == "/line/webhook"

    # And the simulator's own requests arrive with signatures the other tool can verify
    def friends_events() -> list[str]:
        types = []
        for received in receiver.accepted():
            for event in json.loads(received.body).get("events", []):
                if event.get("source", {}).get("userId") == friend:
                    assert received.headers["X-Line-Signature"] == sign_webhook_body(received.body, SECRET)
                    types.append(event["type"])
        return types if {"follow", "message"} <= set(types) else []

    wait_for("the friend's follow and message", friends_events)
    # And the owner's forwarding log shows the failures and the deliveries
    status, log = api.call("GET", f"{FORWARDING}/deliveries", owner)
    assert status == 200
    outcomes = {(d["delivered"], d["status"]) for d in log["deliveries"]}
    assert (False, 503) in outcomes and (True, 200) in outcomes


def test_daifukus_answer_to_line_never_waits_for_the_other_tool(local_stack, receiver, forward_to):
    forward_to(receiver.url())
    body = a_body("待たない")
    with receiver.holding():
        # While the other tool holds every request unanswered, LINE gets Daifuku's answer
        assert post_webhook(local_stack.urls.api, body, sign_webhook_body(body, SECRET)) == 200
        assert receiver.accepted(lambda r: r.body == body) == []
    # and the request reaches the other tool once it answers again
    wait_for("the held body", lambda: receiver.accepted(lambda r: r.body == body))


def test_silent_daifuku_records_and_forwards_but_neither_replies_nor_switches_menus(
    local_stack, line, member_table, receiver, forward_to
):
    # Given Daifuku kept silent beside the old tool
    forward_to(receiver.url(), silent=True)

    # When a new friend adds the shop
    friend = line.create_user("静かなテスト")
    assert line.follow(friend) == 200

    # Then Daifuku records them, the old tool gets the follow, and Daifuku sent nothing and linked no menu
    assert stored(member_table, friend) is not None
    wait_for(
        "the forwarded follow",
        lambda: any(friend in r.body.decode() for r in receiver.accepted()),
    )
    assert line.received(friend) == []
    assert linked_rich_menu(local_stack.urls.simulator, friend) is None
    # ...and the staff's inbox shows no welcome as sent: the other tool answered, if anyone did
    assert [m for m in items_under(member_table, friend, "MSG#") if m["direction"] == "out"] == []


def linked_rich_menu(simulator: str, user_id: str) -> str | None:
    """The rich menu linked to the user alone (LINE's GET /v2/bot/user/{userId}/richmenu), not the default."""
    request = urllib.request.Request(f"{simulator}/v2/bot/user/{user_id}/richmenu")
    request.add_header("Authorization", f"Bearer {LocalChannel().channel_access_token}")
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return str(json.loads(response.read())["richMenuId"])
    except urllib.error.HTTPError as error:
        assert error.code == 404
        return None


def test_a_forwarding_url_that_is_not_https_or_is_daifukus_own_webhook_is_refused(api, owner, local_stack):
    before = api.call("GET", "/liff/api/staff/connect", owner)[1]["forwarding"]
    for url, code in [
        ("http://old-tool.example.com/webhook", "not_https"),
        (local_stack.urls.webhook, "points_at_daifuku"),
    ]:
        status, answer = api.call("PUT", FORWARDING, owner, {"url": url, "silent": False})
        assert (status, answer.get("errors")) == (422, [{"field": "url", "code": code}])
    assert api.call("GET", "/liff/api/staff/connect", owner)[1]["forwarding"] == before
    assert api.call("PUT", FORWARDING, owner, {"url": 12})[0] == 422
