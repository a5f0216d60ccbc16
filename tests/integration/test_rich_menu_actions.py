"""Every area of every rich menu Daifuku creates answers when a customer taps it: a reply in LINE, or a
LIFF page of the shop that loads."""

from __future__ import annotations

import json
import re
import time
import urllib.parse
import urllib.request
from typing import Any
from urllib.parse import urlsplit

import pytest

from daifuku.adapters.dynamodb.keys import SHOP_KEY
from daifuku_local.aws_resources import LocalChannel
from daifuku_local.line_platform.client import SimulatorClient
from tests.local_stack_runner import RunningLocalStack

CHANNEL = LocalChannel()
LIFF_URI = re.compile(r"^https://liff\.line\.me/([^/?#]+)(.*)$")
# The webhook reads the shop config again within this many seconds of a change.
SHOP_CONFIG_LIVE_SECONDS = 90


def line_get(stack: RunningLocalStack, path: str) -> Any:
    request = urllib.request.Request(stack.urls.simulator + path)
    request.add_header("Authorization", f"Bearer {CHANNEL.channel_access_token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.loads(response.read())


def link_menu(stack: RunningLocalStack, user: str, rich_menu_id: str) -> None:
    request = urllib.request.Request(
        f"{stack.urls.simulator}/v2/bot/user/{user}/richmenu/{rich_menu_id}", data=b"", method="POST"
    )
    request.add_header("Authorization", f"Bearer {CHANNEL.channel_access_token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def liff_page_url(line: SimulatorClient, uri: str) -> str:
    """Where LINE opens `https://liff.line.me/<liffId>…`: the LIFF app's endpoint (the local site's
    page for the LIFF id), with the rest of the URI appended."""
    match = LIFF_URI.match(uri)
    assert match, f"{uri} is not a LIFF URL"
    links = line._call("GET", "/_sim/console-config")
    liff_id, rest = match.groups()
    endpoint = links["liffApps"].get(liff_id)
    if endpoint is None:
        assert liff_id in links["liffPages"], f"{liff_id} is not one of the shop's LIFF apps"
        endpoint = f"{links['liffSite']}/{links['liffPages'][liff_id]}"
    return f"{endpoint}{rest}"


def replies_since(line: SimulatorClient, user: str, count: int) -> list[dict[str, Any]]:
    transcript = line.transcript(user)[count:]
    return [entry["message"] for entry in transcript if entry["direction"] == "to_user"]


def flex_texts(node: Any) -> list[str]:
    if isinstance(node, dict):
        own = [node["text"]] if node.get("type") == "text" else []
        return own + [text for value in node.values() for text in flex_texts(value)]
    if isinstance(node, list):
        return [text for value in node for text in flex_texts(value)]
    return []


def centre(area: dict[str, Any]) -> tuple[int, int]:
    bounds = area["bounds"]
    return bounds["x"] + bounds["width"] // 2, bounds["y"] + bounds["height"] // 2


@pytest.fixture(scope="module")
def daifuku_menus(local_stack: RunningLocalStack) -> list[dict[str, Any]]:
    """Every rich menu on the channel: the demo seed created them as `daifuku setup` does."""
    menus = line_get(local_stack, "/v2/bot/richmenu/list")["richmenus"]
    assert {menu["name"] for menu in menus} >= {"会員登録メニュー", "会員メニュー"}
    return list(menus)


def test_every_area_of_every_menu_answers(local_stack, line, api, daifuku_menus):
    for menu in daifuku_menus:
        # Given a friend of the shop who sees this menu
        user = api.simulated_user(follow=True)
        link_menu(local_stack, user, menu["richMenuId"])
        assert line.rich_menu(user)["richMenuId"] == menu["richMenuId"]
        for area in menu["areas"]:
            label = f"{menu['name']} / {area['action'].get('label')}"
            seen = len(line.transcript(user))
            # When they tap the area
            answer = line.tap_rich_menu(user, *centre(area))
            action = answer["action"]
            assert action == area["action"], label
            # Then LINE opens a page of the shop that loads, or Daifuku replies
            if action["type"] == "uri":
                status, page = fetch(liff_page_url(line, action["uri"]))
                assert status == 200, label
                script = re.search(r'<script type="module" src="([^"]+)"', page)
                assert script, f"{label}: the page has no script"
                page_url = liff_page_url(line, action["uri"])
                script_url = urllib.parse.urljoin(page_url, script.group(1))
                assert fetch(script_url)[0] == 200, label
            else:
                assert answer["webhookStatus"] == 200, label
                assert replies_since(line, user, seen), f"{label}: no reply reached the customer"


def test_the_coupons_button_opens_the_card_at_its_coupons(line, daifuku_menus):
    member_menu = next(menu for menu in daifuku_menus if menu["name"] == "会員メニュー")
    coupons = next(area["action"] for area in member_menu["areas"] if area["action"]["label"] == "クーポン")
    url = urlsplit(liff_page_url(line, coupons["uri"]))
    assert url.path.endswith("/card.html")
    assert url.query == "view=coupons"


def test_shop_information_answers_with_what_the_shop_set(local_stack, line, api, member_table):
    # Given the shop has set its hours, phone and map, but no address
    item = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True)["Item"]
    info = {
        "hours": "10:00〜19:00",
        "closed_days": "水曜日",
        "phone": "0312345678",
        "map_url": "https://maps.example.com/daifukudo",
    }
    member_table.put_item(Item={**item, "config": {**item["config"], "shop_info": info}})
    user = api.simulated_user(follow=True)
    try:
        # When a customer taps 「お店の情報」 (the webhook sees the change within its refresh time)
        deadline = time.monotonic() + SHOP_CONFIG_LIVE_SECONDS
        while True:
            seen = len(line.transcript(user))
            assert line.send_postback(user, "action=shop_info") == 200
            card = replies_since(line, user, seen)[-1]
            if "10:00〜19:00" in flex_texts(card) or time.monotonic() > deadline:
                break
            time.sleep(1)
        # Then the reply is a Flex card of what was set, and nothing about what was not
        assert card["type"] == "flex"
        texts = flex_texts(card["contents"])
        assert {"営業時間", "10:00〜19:00", "定休日", "水曜日", "電話番号", "03-1234-5678"} <= set(texts)
        assert "住所" not in texts
        buttons = [box["action"] for box in card["contents"]["footer"]["contents"]]
        assert {"type": "uri", "label": "電話をかける", "uri": "tel:0312345678"} in buttons
        assert {"type": "uri", "label": "地図を開く", "uri": "https://maps.example.com/daifukudo"} in buttons
    finally:
        member_table.put_item(Item=item)
