"""The owner's own rich menu in headless Chromium on a 360 px phone: a standard layout, the areas'
actions (a link among them), their image refused with the reason in Japanese when it is the wrong
size, then taken and published; and the standard menu back after a confirmation."""

from __future__ import annotations

import hashlib
import io

import pytest
from PIL import Image

from tests.e2e.test_staff_console import open_console
from tests.integration.test_rich_menu_actions import line_get
from tests.integration.test_rich_menu_painter import image_digest, shop_menus

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds
# Publishing draws the other menu and calls LINE a dozen times: generous on a loaded machine.
PUBLISH_WAIT = 120 * SECONDS


def png(path, width: int, height: int) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), (40, 90, 160)).save(output, format="PNG")
    path.write_bytes(output.getvalue())
    return output.getvalue()


def test_the_owner_sets_a_layout_actions_and_their_own_image(
    local_stack, api, owner, line, member_table, phone_page, artifacts_dir, tmp_path
):
    # Given the owner on #menus, editing the members' menu
    open_console(phone_page, local_stack, owner, "menus")
    editor = phone_page.locator("#menu-editor")
    editor.get_by_role("heading", name="メニューのレイアウトと画像").wait_for()
    editor.get_by_label("設定するメニュー").select_option(label="会員のメニュー")
    assert editor.get_by_text("いまは標準のメニューです。").is_visible()

    # When they choose the large layout of one wide button above three, and a link for the fourth
    editor.get_by_label("レイアウト", exact=True).select_option(label="大：4分割（上1・下3）")
    areas = editor.locator(".menu-area")
    assert areas.count() == 4
    assert areas.nth(0).get_by_label("押したときの動作").input_value() == "card"
    fourth = areas.nth(3)
    fourth.get_by_label("押したときの動作").select_option(label="リンクを開く")
    fourth.get_by_label("ボタンの名前（任意・20文字まで）").fill("ご予約")
    fourth.get_by_label("リンク先（https://で始まるURL）").fill("https://example.com/reserve")

    # and pick an image of the compact size: refused, with the reason under the field
    png(tmp_path / "small.png", 2500, 843)
    editor.get_by_label("メニューの画像（任意）").set_input_files(str(tmp_path / "small.png"))
    editor.get_by_role("button", name="このメニューにする").click()
    problem = phone_page.locator("#menu-editor-image-error")
    problem.get_by_text("2500×1686ピクセルにしてください（この画像は2500×843ピクセルです）。").wait_for(
        timeout=PUBLISH_WAIT
    )
    phone_page.screenshot(path=str(artifacts_dir / "staff-menu-editor-refused.png"), full_page=True)

    # When they pick one of the right size
    image = png(tmp_path / "menu.png", 2500, 1686)
    editor.get_by_label("メニューの画像（任意）").set_input_files(str(tmp_path / "menu.png"))
    assert problem.is_hidden(), "the problem goes when the field is edited"
    editor.get_by_role("button", name="このメニューにする").click()

    # Then the menu is published: their image, four areas, the link last
    phone_page.locator("#menu-editor-done").get_by_text("メニューを反映しました。").wait_for(
        timeout=PUBLISH_WAIT
    )
    assert editor.get_by_text("いまはアップロードした画像で表示しています。").is_visible()
    phone_page.screenshot(path=str(artifacts_dir / "staff-menu-editor-saved.png"), full_page=True)
    member_menu = shop_menus(member_table)["member"]
    assert image_digest(local_stack, member_menu) == hashlib.sha256(image).hexdigest()
    published = line_get(local_stack, f"/v2/bot/richmenu/{member_menu}")
    assert [area["action"]["label"] for area in published["areas"]] == [
        "会員証",
        "クーポン",
        "お店の情報",
        "ご予約",
    ]
    assert published["areas"][3]["action"]["uri"] == "https://example.com/reserve"

    # When they go back to the standard menu, after a confirmation
    editor.get_by_role("button", name="標準のメニューに戻す").click()
    phone_page.get_by_role("dialog", name="標準のメニューに戻しますか？").get_by_role(
        "button", name="戻す"
    ).click()
    phone_page.locator("#menu-editor-done").get_by_text("標準のメニューに戻しました。").wait_for(
        timeout=PUBLISH_WAIT
    )
    standard = line_get(local_stack, f"/v2/bot/richmenu/{shop_menus(member_table)['member']}")
    assert [area["action"]["label"] for area in standard["areas"]] == ["会員証", "クーポン", "お店の情報"]
