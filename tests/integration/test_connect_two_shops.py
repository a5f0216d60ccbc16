"""Two shops, two stacks: two local stacks started as `./dev local --any-ports --shop NAME` (each its own
LINE channel, table and API), once for this module. A webhook signed for one shop, or a LIFF ID token
of one shop's LINE Login channel, is refused by the other and reaches none of its data."""

from __future__ import annotations

import json
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daifuku.domain.webhook_signature import sign_webhook_body
from daifuku_local.aws_resources import LocalChannel, local_table
from daifuku_local.line_platform.client import SimulatorClient
from tests.integration.campaign_api import make_staff
from tests.integration.member_api import MemberApi, a_form
from tests.integration.test_webhook import post_webhook, stored
from tests.local_stack_runner import RunningLocalStack, start_local_stack, stop_local_stack

SHOPS = ("ume", "sakura")


class Shop:
    """One shop's running local stack, its simulated LINE, API and table."""

    def __init__(self, name: str, stack: RunningLocalStack):
        self.name = name
        self.stack = stack
        self.line = SimulatorClient(stack.urls.simulator)
        self.api = MemberApi(stack.urls.api, self.line)
        self.table = local_table(stack.urls.aws_endpoint)
        self.channel = LocalChannel.for_shop(name)


@pytest.fixture(scope="module")
def shops(artifacts_dir: Path) -> Iterator[dict[str, Shop]]:
    started: dict[str, Shop] = {}
    try:
        for name in SHOPS:
            log_dir = artifacts_dir / f"shop-{name}-{os.getpid()}"
            stack = start_local_stack(log_dir, extra_arguments=("--shop", name, "--no-demo"))
            started[name] = Shop(name, stack)
        yield started
    finally:
        for shop in started.values():
            stop_local_stack(shop.stack)


def follow_body(user_id: str) -> bytes:
    event = {
        "type": "follow",
        "mode": "active",
        "timestamp": 1767225600000,
        "source": {"type": "user", "userId": user_id},
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "replyToken": uuid.uuid4().hex,
        "follow": {"isUnblocked": False},
    }
    return json.dumps({"destination": "U" + "e" * 32, "events": [event]}).encode()


def test_each_shop_plays_a_channel_of_its_own(shops):
    ume, sakura = shops["ume"], shops["sakura"]
    assert ume.channel.channel_secret != sakura.channel.channel_secret
    assert ume.channel.login_channel_id != sakura.channel.login_channel_id
    assert ume.stack.urls.api != sakura.stack.urls.api


def test_a_webhook_signed_for_one_shop_is_refused_by_the_other_and_stores_nothing(shops):
    ume, sakura = shops["ume"], shops["sakura"]
    user = ume.line.create_user("梅のお客さま")
    body = follow_body(user)
    signed_for_ume = sign_webhook_body(body, ume.channel.channel_secret)

    # A webhook signed with ume's channel secret is refused by sakura, and sakura stores nothing
    assert post_webhook(sakura.stack.urls.api, body, signed_for_ume) == 401
    assert stored(sakura.table, user) is None
    # while ume takes it
    assert post_webhook(ume.stack.urls.api, body, signed_for_ume) == 200
    assert stored(ume.table, user) is not None
    assert stored(sakura.table, user) is None


def test_a_members_token_of_one_shop_is_refused_by_the_other_and_reaches_none_of_its_data(shops):
    ume, sakura = shops["ume"], shops["sakura"]
    # Given a member of ume (registered through ume's API)
    member = ume.line.create_user("梅の会員", follow=True)
    status, registered = ume.api.register(member, a_form())
    assert status == 200, registered
    token = ume.api.id_token_for(member)

    # When their ume token is sent to sakura's API: 401, for the card, the registration and the profile
    for method, path, body in (
        ("POST", "/liff/api/card", None),
        ("POST", "/liff/api/registration", a_form()),
        ("GET", "/liff/api/me", None),
        ("DELETE", "/liff/api/me", None),
    ):
        status, answer = sakura.api.call(method, path, body=body, token=token)
        assert (status, answer.get("code")) == (401, "unauthenticated"), path
    # Then sakura holds nothing of them, and ume still has their card
    assert stored(sakura.table, member) is None
    assert ume.api.call("POST", "/liff/api/card", member)[0] == 200


def test_an_owner_of_one_shop_cannot_use_the_others_staff_console(shops):
    ume, sakura = shops["ume"], shops["sakura"]
    owner = make_staff(ume.table, ume.api, "owner")
    token = ume.api.id_token_for(owner)
    assert ume.api.call("GET", "/liff/api/staff/connect", owner)[0] == 200
    for method, path, body in (
        ("GET", "/liff/api/staff/connect", None),
        ("GET", "/liff/api/staff/members?q=1", None),
        ("PUT", "/liff/api/staff/connect/forwarding", {"url": "https://evil.example.com/", "silent": True}),
    ):
        assert sakura.api.call(method, path, body=body, token=token)[0] == 401, path
    forwarding: Any = sakura.table.get_item(Key={"pk": "CONNECT", "sk": "FORWARDING"}).get("Item")
    assert forwarding is None
