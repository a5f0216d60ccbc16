"""The rich menus' pages in headless Chromium on a 360 px phone: the owner's #menus screen (one tap
asks for the menus to be redrawn, a double tap asks once; a clerk sees the owner-only notice), and
the card opened by the menu's 「クーポン」 (`?view=coupons`), which shows the coupons even when there
are none."""

from __future__ import annotations

import pytest

from tests.e2e.test_staff_console import a_member, open_console

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_the_owner_asks_for_the_menus_to_be_redrawn(local_stack, owner, phone_page, artifacts_dir):
    requests = []
    phone_page.on(
        "request",
        lambda request: requests.append(request.url) if request.url.endswith("/rich-menus/refresh") else None,
    )
    open_console(phone_page, local_stack, owner, "menus")
    phone_page.get_by_role("heading", name="リッチメニュー").wait_for()
    with phone_page.expect_response("**/liff/api/staff/rich-menus/refresh") as answered:
        phone_page.get_by_role("button", name="今の設定でメニューを作り直す").dblclick()
    assert answered.value.status == 202
    phone_page.get_by_text("作り直しを依頼しました。1分ほどでお客さまのメニューに反映されます。").wait_for()
    assert len(requests) == 1, "a double tap asks once"
    phone_page.screenshot(path=str(artifacts_dir / "staff-rich-menus.png"), full_page=True)


def test_a_clerk_sees_that_only_the_owner_may(local_stack, clerk, phone_page):
    open_console(phone_page, local_stack, clerk, "menus")
    phone_page.get_by_text("リッチメニューの作り直しはオーナーのみ行えます。").wait_for()
    assert phone_page.get_by_role("button", name="今の設定でメニューを作り直す").count() == 0


def test_the_coupons_button_opens_the_card_at_its_coupons(local_stack, api, phone_page, artifacts_dir):
    # Given a member without coupons, when the menu's 「クーポン」 opens their card
    user, _ = a_member(api)
    phone_page.goto(f"{local_stack.urls.liff_site}/card.html?simUser={user}&view=coupons")
    # Then the coupons are in view and focused, and say there are none yet
    heading = phone_page.get_by_role("heading", name="クーポン")
    heading.wait_for()
    phone_page.get_by_text("お持ちのクーポンはまだありません。").wait_for()
    phone_page.wait_for_function("document.activeElement?.id === 'coupons-heading'")
    assert heading.is_visible()
    phone_page.screenshot(path=str(artifacts_dir / "card-coupons-view.png"))
