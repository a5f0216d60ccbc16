"""The LINE simulator's console on a 360 px phone: nothing scrolls sideways, its controls are usable,
and it opens each of the shop's LIFF pages as the selected user."""

from __future__ import annotations

import uuid

import pytest

from tests.conftest import PHONE

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds
SHOP_PAGES = {
    "会員証": "card.html",
    "会員登録": "register.html",
    "プロフィール": "profile.html",
    "スタッフ": "staff.html",
}


def horizontal_overflow(page) -> int:
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def test_the_console_works_on_a_360_px_phone_and_opens_every_liff_page_as_the_user(
    local_stack, line, browser, artifacts_dir
):
    # Given a friend of the shop in the simulator, and the console on a 360 px phone
    name = f"スマホ{uuid.uuid4().hex[:4]}"
    user = line.create_user(name, follow=True)
    context = browser.new_context(**PHONE)
    page = context.new_page()
    page.goto(local_stack.urls.simulator_console)

    # When the user is picked, then their chat, rich menu and page links fit the screen
    page.get_by_role("button", name=name).click()
    page.get_by_text("友だち追加しました").first.wait_for(timeout=30 * SECONDS)
    page.locator("#rich-menu button").first.wait_for(timeout=30 * SECONDS)
    assert horizontal_overflow(page) <= 0
    for control in (page.get_by_role("button", name="友だち追加"), page.get_by_role("button", name="送信")):
        box = control.bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360 and box["height"] >= 44
    menu = page.locator("#rich-menu").bounding_box()
    assert menu is not None and menu["x"] >= 0 and menu["x"] + menu["width"] <= 360
    page.fill("#text", "こんにちは")
    page.get_by_role("button", name="送信").click()
    page.locator("#transcript").get_by_text("こんにちは").wait_for()
    page.screenshot(path=str(artifacts_dir / "simulator-console-360.png"), full_page=True)

    # and each of the shop's LIFF pages opens as that user
    for label, html in SHOP_PAGES.items():
        link = page.get_by_role("link", name=f"{label}を{name}さんとして開く")
        assert link.get_attribute("href").endswith(f"/{html}?simUser={user}")
        with context.expect_page() as opened:
            link.click()
        liff_page = opened.value
        liff_page.wait_for_load_state()
        assert f"/{html}?simUser={user}" in liff_page.url
        # The page started LIFF as the user: it left 「読み込み中です…」 for what it shows that user
        liff_page.wait_for_function(
            "() => !document.body.innerText.includes('読み込み中')", timeout=30 * SECONDS
        )
        liff_page.screenshot(path=str(artifacts_dir / f"simulator-opened-{html.removesuffix('.html')}.png"))
        liff_page.close()
    context.close()
