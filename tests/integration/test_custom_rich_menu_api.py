"""The owner's own rich menu through the local stack: a standard layout with their image, published
before the answer (the image on LINE is theirs, byte for byte); every area of it answers when tapped;
an image LINE would refuse is a 422 that says why in Japanese and changes nothing; and the standard
menu comes back on request."""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from daifuku.adapters.dynamodb.keys import SHOP_KEY
from tests.integration.connect_receiver import wait_for
from tests.integration.staff_api import registered_member
from tests.integration.test_rich_menu_actions import centre, line_get, replies_since
from tests.integration.test_rich_menu_painter import (
    REPAINT_DEADLINE_SECONDS,
    image_digest,
    set_theme_colour,
    shop_menus,
)

pytestmark = pytest.mark.slow

MENUS = "/liff/api/staff/rich-menus"
SIX_AREAS = [
    {"action": "card"},
    {"action": "coupons"},
    {"action": "shop_info", "label": "営業時間"},
    {"action": "link", "label": "ご予約", "url": "https://example.com/reserve"},
    {"action": "shop_info"},
    {"action": "coupons", "label": "特典"},
]


def encoded(width: int, height: int, kind: str = "PNG") -> tuple[str, bytes]:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (120, 40, 90)).save(output, format=kind)
    data = output.getvalue()
    return base64.b64encode(data).decode(), data


@pytest.fixture
def standard_menus_after(api, owner, member_table) -> Iterator[None]:
    """The member menu put back to the standard one, whatever the test left."""
    yield
    status, answer = api.call("DELETE", f"{MENUS}/member", owner)
    assert status == 200, answer
    item = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True)["Item"]
    assert "member" not in item["config"].get("custom_rich_menus", {})


def test_the_owners_image_and_layout_become_the_member_menu_and_every_area_answers(
    local_stack, api, owner, clerk, line, member_table, standard_menus_after
):
    # Given a member who sees the member menu
    member, _ = registered_member(api)
    image, data = encoded(2500, 1686, "JPEG")
    body = {"template": "large_6", "areas": SIX_AREAS, "image_base64": image}
    assert api.call("PUT", f"{MENUS}/member", clerk, body)[0] == 403, "only the owner may"

    # When the owner sets a large menu of six areas with their own image
    status, answer = api.call("PUT", f"{MENUS}/member", owner, body)

    # Then it is on LINE before the answer: their image, byte for byte, six areas, linked to members
    assert status == 200, answer
    assert answer["menus"]["member"] == {
        "custom": True,
        "has_image": True,
        "template": "large_6",
        "areas": SIX_AREAS,
    }
    menu_id = shop_menus(member_table)["member"]
    assert image_digest(local_stack, menu_id) == hashlib.sha256(data).hexdigest()
    menu = line_get(local_stack, f"/v2/bot/richmenu/{menu_id}")
    assert menu["size"] == {"width": 2500, "height": 1686} and len(menu["areas"]) == 6
    assert line.rich_menu(member)["richMenuId"] == menu_id
    # and every area answers the member's tap: a page opens, or the shop replies
    for area in menu["areas"]:
        seen = len(line.transcript(member))
        tapped = line.tap_rich_menu(member, *centre(area))
        assert tapped["action"] == area["action"]
        if area["action"]["type"] == "postback":
            assert tapped["webhookStatus"] == 200
            assert replies_since(line, member, seen), area["action"]["label"]
    labels = [area["action"]["label"] for area in menu["areas"]]
    assert labels == ["会員証", "クーポン", "営業時間", "ご予約", "お店の情報", "特典"]

    # When the owner changes only the actions and keeps the image
    kept = {"template": "large_4_grid", "areas": SIX_AREAS[:4], "keep_image": True}
    status, answer = api.call("PUT", f"{MENUS}/member", owner, kept)
    # Then the new menu shows the same image with four areas
    assert status == 200, answer
    new_id = shop_menus(member_table)["member"]
    assert new_id != menu_id
    assert image_digest(local_stack, new_id) == hashlib.sha256(data).hexdigest()
    assert len(line_get(local_stack, f"/v2/bot/richmenu/{new_id}")["areas"]) == 4

    # When the shop's colour changes and the menus are repainted
    before = shop_menus(member_table)
    colour = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True)["Item"]["config"]["theme_color"]
    try:
        set_theme_colour(member_table, "#224488")
        assert api.call("POST", f"{MENUS}/refresh", owner)[0] == 202
        wait_for(
            "the drawn menu repainted",
            lambda: shop_menus(member_table)["pre_registration"] != before["pre_registration"],
            REPAINT_DEADLINE_SECONDS,
        )
        # Then the drawn menu is new, and the member menu still shows the owner's image, untouched
        assert shop_menus(member_table)["member"] == new_id
        assert image_digest(local_stack, new_id) == hashlib.sha256(data).hexdigest()
    finally:
        # The colour back, and its repaint finished before the next test taps a menu
        repainted_id = shop_menus(member_table)["pre_registration"]
        set_theme_colour(member_table, colour)
        api.call("POST", f"{MENUS}/refresh", owner)
        wait_for(
            "the colour's repaint",
            lambda: shop_menus(member_table)["pre_registration"] != repainted_id,
            REPAINT_DEADLINE_SECONDS,
        )


@pytest.mark.parametrize(
    ("template", "size", "kind", "reason", "says"),
    [
        (
            "large_6",
            (2500, 843),
            "PNG",
            "image_size",
            "2500×1686ピクセルにしてください（この画像は2500×843ピクセルです）。",
        ),
        ("compact_3", (1200, 405), "PNG", "image_size", "この画像は1200×405ピクセルです"),
        ("compact_3", (2500, 843), "GIF", "image_type", None),
    ],
    ids=["compact image for a large layout", "too small", "gif"],
)
def test_an_image_line_would_refuse_is_a_422_in_japanese_and_nothing_changes(
    api, owner, member_table, template, size, kind, reason, says
):
    before = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True)["Item"]["config"]
    image, _ = encoded(*size, kind)
    areas: list[dict[str, Any]] = [{"action": "card"}] + [{"action": "shop_info"}] * 5
    body = {"template": template, "areas": areas[: 6 if template == "large_6" else 3], "image_base64": image}

    status, answer = api.call("PUT", f"{MENUS}/member", owner, body)

    assert status == 422, answer
    assert answer["errors"] == [{"field": "image_base64", "code": reason}]
    if says:
        assert says in answer["message"]
    after = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True)["Item"]["config"]
    assert after.get("custom_rich_menus") == before.get("custom_rich_menus")
    assert after["rich_menus"] == before["rich_menus"]


def test_a_layout_that_leaves_members_without_their_card_is_refused(api, owner):
    body = {"template": "compact_2", "areas": [{"action": "coupons"}, {"action": "shop_info"}]}
    status, answer = api.call("PUT", f"{MENUS}/member", owner, body)
    assert (status, answer["errors"]) == (422, [{"field": "areas", "code": "needs_card"}])
    status, answer = api.call("PUT", f"{MENUS}/somewhere", owner, body)
    assert status == 422 and answer["errors"][0]["field"] == "menu_kind"


def test_the_editor_lists_the_layouts_and_each_menu_as_it_is(api, owner):
    status, answer = api.call("GET", MENUS, owner)
    assert status == 200, answer
    assert {t["size"] for t in answer["templates"]} == {"large", "compact"}
    assert answer["menus"]["pre_registration"]["template"] == "compact_2"
    assert [a["action"] for a in answer["menus"]["pre_registration"]["areas"]] == ["register", "shop_info"]
