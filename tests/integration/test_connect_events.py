"""Outgoing events through the local stack: the owner adds an endpoint in 設定, things happen in the shop,
and the endpoint (a test server) receives every event, signed, even after failing for a while; an
endpoint that never recovers leaves its messages in the DLQ after the retries."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from daifuku.domain.shop_events import signature_is_valid
from daifuku_cli.main import main as daifuku
from daifuku_local.aws_resources import aws_client
from infra.connect_queue_policy import CONNECT_MAX_RECEIVE_COUNT
from tests.integration.connect_receiver import Received, TestReceiver, wait_for
from tests.integration.member_api import MemberApi
from tests.integration.staff_api import give_coupon, new_template, registered_member, visit

ENDPOINTS = "/liff/api/staff/connect/endpoints"
ALL_EVENTS = [
    "member.registered",
    "member.deleted",
    "visit.recorded",
    "points.changed",
    "coupon.redeemed",
    "friend.blocked",
]


@pytest.fixture
def add_endpoint(api: MemberApi, owner: str) -> Iterator[Any]:
    """Adds endpoints as the owner does in 設定, and removes them after the test (the stack is shared)."""
    added: list[str] = []

    def add(url: str, events: list[str], include_personal: bool = False) -> dict[str, Any]:
        body = {"name": "レジ連携", "url": url, "events": events, "include_personal": include_personal}
        status, endpoint = api.call("POST", ENDPOINTS, owner, body)
        assert status == 201, endpoint
        added.append(endpoint["endpoint_id"])
        return endpoint

    yield add
    for endpoint_id in added:
        api.call("DELETE", f"{ENDPOINTS}/{endpoint_id}", owner)


def about(user: str) -> Any:
    return lambda r: json.loads(r.body)["member"]["user_id"] == user


def test_an_endpoint_failing_for_a_while_receives_every_event_signed_once_it_recovers(
    api, owner, line, receiver, add_endpoint
):
    # Given an endpoint for every event, personal fields not in its scope, failing its next 4 requests
    endpoint = add_endpoint(receiver.url(), ALL_EVENTS)
    secret = endpoint["secret"]
    assert secret.startswith("whsec_")
    receiver.fail_next(4)
    status, listed = api.call("GET", "/liff/api/staff/connect", owner)
    assert status == 200
    shown = next(e for e in listed["endpoints"] if e["endpoint_id"] == endpoint["endpoint_id"])
    assert "secret" not in shown  # shown once, when it was created

    # When a customer registers, visits, redeems a coupon, deletes their data and blocks the shop
    user, member_no = registered_member(api)
    assert visit(api, owner, user)[0] == 201
    coupon_id = give_coupon(api, owner, new_template(api, owner)["template_id"], user)
    redeem = f"/liff/api/staff/members/{user}/coupons/{coupon_id}/redeem"
    assert api.call("POST", redeem, owner)[0] == 200
    assert api.delete_my_data(user)[0] == 200
    assert line.block(user) == 200

    # Then every event reaches the endpoint, each with a valid signature and no personal field
    def every_type() -> list[Received] | None:
        accepted = receiver.accepted(about(user))
        types = {json.loads(r.body)["type"] for r in accepted}
        return accepted if types >= set(ALL_EVENTS) else None

    accepted = wait_for("every event type", every_type)
    assert receiver.failed(), "the endpoint failed first"
    for received in accepted:
        assert signature_is_valid(secret, received.headers, received.body)
        event = json.loads(received.body)
        assert event["id"] == received.headers["X-Daifuku-Event-Id"]
        assert set(event["member"]) == {"user_id", "member_no"}
    registered = next(
        json.loads(r.body) for r in accepted if r.headers["X-Daifuku-Event"] == "member.registered"
    )
    assert registered["member"]["member_no"] == member_no
    visited = next(json.loads(r.body) for r in accepted if r.headers["X-Daifuku-Event"] == "visit.recorded")
    assert visited["data"]["points_added"] >= 0

    # And the owner's delivery log shows the failures and the deliveries
    status, log = api.call("GET", f"{ENDPOINTS}/{endpoint['endpoint_id']}/deliveries", owner)
    assert status == 200
    outcomes = {(d["delivered"], d["status"]) for d in log["deliveries"]}
    assert (False, 503) in outcomes and (True, 200) in outcomes


def test_personal_fields_reach_only_an_endpoint_whose_scope_includes_them(api, receiver, add_endpoint):
    personal = add_endpoint(receiver.url("/personal"), ["member.registered"], include_personal=True)
    add_endpoint(receiver.url("/plain"), ["member.registered"])
    user, _ = registered_member(api)

    def both() -> list[Received] | None:
        accepted = receiver.accepted(about(user))
        return accepted if {r.path for r in accepted} == {"/personal", "/plain"} else None

    by_path = {r.path: r for r in wait_for("both endpoints", both)}
    assert json.loads(by_path["/personal"].body)["member"]["name"].startswith("会員")
    assert "name" not in json.loads(by_path["/plain"].body)["member"]
    assert signature_is_valid(personal["secret"], by_path["/personal"].headers, by_path["/personal"].body)


def test_an_endpoint_that_never_recovers_leaves_its_event_in_the_dlq_after_the_retries(
    api, owner, local_stack, receiver, add_endpoint, capsys
):
    # Given an endpoint that always fails
    receiver.fail_always()
    endpoint = add_endpoint(receiver.url("/down"), ["visit.recorded"])
    user, _ = registered_member(api)

    # When a visit is recorded
    assert visit(api, owner, user)[0] == 201

    # Then after the retries the message waits in the DLQ, and the log holds every attempt
    sqs = aws_client("sqs", local_stack.urls.aws_endpoint)
    dlq = sqs.get_queue_url(QueueName="daifuku-connect-dlq")["QueueUrl"]

    def in_dlq() -> dict[str, Any] | None:
        for message in sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0).get(
            "Messages", []
        ):
            body = json.loads(message["Body"])
            if body.get("endpoint_id") == endpoint["endpoint_id"] and body["event"]["user_id"] == user:
                return dict(body)
        return None

    dead = wait_for("the event in the DLQ", in_dlq, seconds=240)
    assert dead["event"]["type"] == "visit.recorded"
    assert len(receiver.failed(about(user))) == CONNECT_MAX_RECEIVE_COUNT
    assert receiver.accepted(about(user)) == []

    # And once the endpoint is back, the operator sees the dead event and redrives it: it arrives
    where = ["--local", local_stack.urls.aws_endpoint]
    capsys.readouterr()
    assert daifuku(["dlq", "show", "--connect", *where]) == 0
    assert f"event {endpoint['endpoint_id']}" in capsys.readouterr().out
    receiver.fail_always(False)
    assert daifuku(["dlq", "redrive", "--connect", *where]) == 0
    assert "back to the connect queue" in capsys.readouterr().out
    wait_for("the redriven event", lambda: receiver.accepted(about(user)))


@pytest.mark.parametrize(
    ("url", "code"),
    [
        ("http://pos.example.com/hook", "not_https"),
        ("https://user:secret@pos.example.com/hook", "credentials_in_url"),
        ("not a url", "no_host"),
    ],
)
def test_an_endpoint_url_daifuku_cannot_send_to_is_refused_and_nothing_is_added(api, owner, url, code):
    before = api.call("GET", "/liff/api/staff/connect", owner)[1]["endpoints"]
    body = {"name": "x", "url": url, "events": ["visit.recorded"]}
    status, answer = api.call("POST", ENDPOINTS, owner, body)
    assert (status, answer["errors"]) == (422, [{"field": "url", "code": code}])
    assert api.call("GET", "/liff/api/staff/connect", owner)[1]["endpoints"] == before


def test_only_owners_manage_endpoints_and_bad_bodies_get_422(api, clerk, owner):
    body = {"name": "x", "url": "https://pos.example.com/hook", "events": ["visit.recorded"]}
    assert api.call("POST", ENDPOINTS, clerk, body)[0] == 403
    assert api.call("GET", "/liff/api/staff/connect", clerk)[0] == 403
    assert api.call("POST", ENDPOINTS, owner, body | {"events": []})[0] == 422
    assert api.call("POST", ENDPOINTS, owner, body | {"events": ["member.exploded"]})[0] == 422
    assert api.call("DELETE", f"{ENDPOINTS}/nosuch", owner)[0] == 404
    assert api.call("GET", f"{ENDPOINTS}/nosuch/deliveries", owner)[0] == 404


def test_a_slow_endpoint_holds_back_no_other_endpoint(api, add_endpoint):
    # Given one endpoint that answers nothing for now, and another that answers at once
    slow, quick = TestReceiver(), TestReceiver()
    try:
        add_endpoint(slow.url("/slow"), ["member.registered"])
        add_endpoint(quick.url("/quick"), ["member.registered"])
        with slow.holding():
            # When a customer registers
            user, _ = registered_member(api)
            # Then the quick endpoint has the event while the slow one has still answered nothing
            wait_for("the quick endpoint's event", lambda: quick.accepted(about(user)))
            assert slow.accepted(about(user)) == []
        # And the slow one gets it too once it answers again
        wait_for("the slow endpoint's event", lambda: slow.accepted(about(user)))
    finally:
        slow.close()
        quick.close()
