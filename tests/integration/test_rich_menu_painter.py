"""The owner changes the shop's colour and the rich menus follow, with no command to run: the painter
function redraws them, and members keep the member menu."""

from __future__ import annotations

import hashlib
import json
import time
import urllib.request
from typing import Any

from daifuku.adapters.dynamodb.keys import SHOP_KEY
from daifuku_local.aws_resources import LocalChannel
from tests.integration.staff_api import registered_member
from tests.local_stack_runner import RunningLocalStack

CHANNEL = LocalChannel()
REFRESH = "/liff/api/staff/rich-menus/refresh"
# The painter redraws both menus (a few seconds of Pillow) on a loaded machine: a generous deadline.
REPAINT_DEADLINE_SECONDS = 120


def line_get(stack: RunningLocalStack, path: str) -> bytes:
    request = urllib.request.Request(stack.urls.simulator + path)
    request.add_header("Authorization", f"Bearer {CHANNEL.channel_access_token}")
    with urllib.request.urlopen(request, timeout=10) as response:
        return bytes(response.read())


def image_digest(stack: RunningLocalStack, rich_menu_id: str) -> str:
    return hashlib.sha256(line_get(stack, f"/v2/bot/richmenu/{rich_menu_id}/content")).hexdigest()


def shop_menus(member_table: Any) -> dict[str, Any]:
    item = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True)["Item"]
    return dict(item["config"]["rich_menus"])


def set_theme_colour(member_table: Any, colour: str) -> None:
    """What the settings tab's save writes (the config item), before it asks for a repaint."""
    item = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True)["Item"]
    member_table.put_item(Item={**item, "config": {**item["config"], "theme_color": colour}})


def wait_for_new_menus(line, member_table, user: str, old: dict[str, Any]) -> dict[str, Any]:
    """Poll until the shop config names new menus and the member sees the new member menu."""
    deadline = time.monotonic() + REPAINT_DEADLINE_SECONDS
    while time.monotonic() < deadline:
        menus = shop_menus(member_table)
        seen = line.rich_menu(user)
        changed = all(menus[kind] != old[kind] for kind in ("pre_registration", "member"))
        if changed and seen and seen["richMenuId"] == menus["member"]:
            return menus
        time.sleep(0.5)
    raise AssertionError(f"the menus were not repainted within {REPAINT_DEADLINE_SECONDS} s")


def test_a_new_colour_redraws_and_relinks_the_menus_with_no_command(
    local_stack, api, owner, clerk, line, member_table
):
    # Given a member who sees the member menu, and the menus as they are
    member, _ = registered_member(api)
    old = shop_menus(member_table)
    assert line.rich_menu(member)["richMenuId"] == old["member"]
    old_digests = {kind: image_digest(local_stack, old[kind]) for kind in ("pre_registration", "member")}
    original_colour = member_table.get_item(Key=SHOP_KEY)["Item"]["config"]["theme_color"]
    try:
        # When the owner changes the colour and asks for the menus to be redrawn
        set_theme_colour(member_table, "#b03a5b")
        assert api.call("POST", REFRESH, clerk)[0] == 403, "only the owner may"
        status, answer = api.call("POST", REFRESH, owner)
        assert (status, answer) == (202, {"status": "requested"})

        # Then new menus with new images are linked: the member keeps the member menu
        new = wait_for_new_menus(line, member_table, member, old)
        for kind in ("pre_registration", "member"):
            assert image_digest(local_stack, new[kind]) != old_digests[kind], kind
        assert line.rich_menu(member)["name"] == "会員メニュー"
        # a new friend gets the new pre-registration menu, and the old menus are gone
        newcomer = api.simulated_user(follow=True)
        assert line.rich_menu(newcomer)["richMenuId"] == new["pre_registration"]
        listed = json.loads(line_get(local_stack, "/v2/bot/richmenu/list"))["richmenus"]
        assert {menu["richMenuId"] for menu in listed} == {new["pre_registration"], new["member"]}
    finally:
        set_theme_colour(member_table, original_colour)
        api.call("POST", REFRESH, owner)
        wait_for_new_menus(line, member_table, member, shop_menus(member_table))
