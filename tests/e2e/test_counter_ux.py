"""The first week's rough edges, in headless Chromium on a 360 px phone against the local stack: the
card's one-time 「登録が完了しました」, the way back from the profile, coupons in the order a customer
uses them, a way out of every error screen (and of a page opened outside LINE), the counter's search
of a friend without a number, and 「今すぐ送る」's countdown with its cancel."""

from __future__ import annotations

import uuid

import pytest

from daifuku.models.shop import Rank
from tests.e2e.test_member_card_pages import card_shown, fill_registration, open_as
from tests.e2e.test_staff_console import open_console
from tests.integration.campaign_api import tag_members
from tests.integration.member_api import shop_configured, unique
from tests.integration.staff_api import give_coupon, new_template, registered_member

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds
BANNER = "登録が完了しました"
SHOW_AT_COUNTER = "お会計時にご提示ください"


def test_the_card_says_registered_once_and_the_profile_leads_back_to_it(
    local_stack, line, phone_page, artifacts_dir
):
    user = line.create_user(unique("登録花子"), follow=True)
    open_as(phone_page, local_stack, user, "register.html")
    fill_registration(phone_page, unique("登録 花子"), phone="09012345678")
    phone_page.get_by_role("button", name="登録する").click()

    card_shown(phone_page)
    phone_page.locator("#registered-banner").get_by_text(BANNER).wait_for()
    assert "registered" not in phone_page.url
    phone_page.screenshot(path=str(artifacts_dir / "card-registered-banner.png"), full_page=True)
    phone_page.reload()
    card_shown(phone_page)
    assert phone_page.locator("#registered-banner").is_hidden()

    phone_page.get_by_role("link", name="登録情報の確認・変更").click()
    phone_page.locator("[data-field=phone]").get_by_text("090-1234-5678").wait_for(timeout=15 * SECONDS)
    phone_page.screenshot(path=str(artifacts_dir / "profile-back-to-card.png"), full_page=True)
    phone_page.get_by_role("link", name="会員証に戻る").click()
    card_shown(phone_page)
    assert phone_page.locator("#registered-banner").is_hidden()


def test_unused_coupons_come_first_with_the_counter_notice_and_the_lowest_rank_shows_from_0(
    local_stack, api, owner, clerk, member_table, phone_page, artifacts_dir
):
    ranks = (Rank(name="レギュラー", min_points=0), Rank(name="ゴールド", min_points=100))
    titles = [f"{word}{uuid.uuid4().hex[:4]}" for word in ("先に切れる券", "あとで切れる券", "使った券")]
    with shop_configured(member_table, ranks=ranks):
        user, _ = registered_member(api, name="順番 花子")
        soon, later, used = (
            new_template(api, owner, title=title, valid_days=days)
            for title, days in zip(titles, (3, 30, 1), strict=True)
        )
        for template in (later, used, soon):  # handed over in another order than they expire
            coupon_id = give_coupon(api, owner, template["template_id"], user)
            if template is used:
                path = f"/liff/api/staff/members/{user}/coupons/{coupon_id}/redeem"
                assert api.call("POST", path, clerk)[0] == 200

        open_as(phone_page, local_stack, user, "card.html")
        card_shown(phone_page)
        coupons = phone_page.locator("#coupons .coupon")
        coupons.nth(2).wait_for()

        assert [coupons.nth(n).locator(".coupon-title").inner_text() for n in range(3)] == titles
        assert [coupons.nth(n).locator(".coupon-show").count() for n in range(3)] == [1, 1, 0]
        assert coupons.nth(0).get_by_text(SHOW_AT_COUNTER).is_visible()
        assert "使用済み" in coupons.nth(2).inner_text()
        assert phone_page.locator("#points-rank").get_by_text("レギュラー").is_visible()
        phone_page.screenshot(path=str(artifacts_dir / "card-coupon-order.png"), full_page=True)


def test_an_error_screen_offers_to_load_again(local_stack, api, phone_page, artifacts_dir):
    user, _ = registered_member(api, name="再読込 花子")
    failures = []

    def fail_once(route) -> None:
        if failures:
            route.continue_()
            return
        failures.append(route.request.url)
        route.fulfill(status=500, json={"message": "Internal Server Error"})

    phone_page.route("**/liff/api/card", fail_once)
    open_as(phone_page, local_stack, user, "card.html")
    phone_page.get_by_text("読み込みに失敗しました。").wait_for(timeout=15 * SECONDS)
    phone_page.screenshot(path=str(artifacts_dir / "card-load-failed.png"), full_page=True)

    phone_page.get_by_role("button", name="もう一度読み込む").click()

    card_shown(phone_page)
    assert failures and phone_page.get_by_role("button", name="もう一度読み込む").count() == 0


def test_a_page_opened_outside_line_says_so_and_links_to_the_shops_account(
    local_stack, phone_page, artifacts_dir
):
    for page_name in ("card.html", "profile.html"):
        phone_page.goto(f"{local_stack.urls.liff_site}/{page_name}")
        phone_page.get_by_text("このページはLINEアプリから開いてください。").wait_for(timeout=15 * SECONDS)
        link = phone_page.get_by_role("link", name="お店のLINEアカウントを開く")
        assert link.get_attribute("href") == "https://line.me/R/ti/p/@daifuku"
        assert phone_page.get_by_role("button", name="もう一度読み込む").is_visible()
        assert phone_page.get_by_text("読み込み中です").count() == 0
    phone_page.screenshot(path=str(artifacts_dir / "outside-line.png"), full_page=True)


def test_a_friend_without_a_number_is_found_without_a_null_number(
    local_stack, line, clerk, phone_page, artifacts_dir
):
    name = unique("番号なし")
    line.create_user(name, follow=True)
    open_console(phone_page, local_stack, clerk, "members")
    phone_page.get_by_role("searchbox", name="検索").fill(name)
    phone_page.get_by_role("button", name="検索する").click()
    result = phone_page.locator("#search-results li").filter(has_text=name)
    result.wait_for(timeout=15 * SECONDS)

    assert "会員番号なし" in result.inner_text() and "null" not in result.inner_text()


def test_send_now_counts_down_and_can_be_cancelled_before_sending_begins(
    local_stack, line, member_table, owner, phone_page, artifacts_dir
):
    marker = f"取消{uuid.uuid4().hex[:6]}"
    friend = line.create_user(f"{marker}さん", follow=True)
    tag_members(member_table, [friend], marker)
    open_console(phone_page, local_stack, owner, "campaign")
    phone_page.get_by_label("配信名（お客さまには表示されません）").fill(f"取り消す配信 {marker}")
    phone_page.get_by_label("タグ（いずれかを持つ方）").fill(marker)
    phone_page.locator("#estimate[aria-busy=false]").get_by_text("対象 1人").wait_for(timeout=15 * SECONDS)
    phone_page.get_by_label("本文").fill(f"本日のお知らせ {marker}")
    phone_page.get_by_role("button", name="内容を確認する").click()
    dialog = phone_page.get_by_role("dialog", name="この内容で配信しますか？")
    dialog.get_by_role("button", name="配信する").click()

    countdown = phone_page.get_by_role("timer")
    countdown.get_by_text("開始まであと").wait_for(timeout=15 * SECONDS)
    phone_page.screenshot(path=str(artifacts_dir / "staff-campaign-countdown.png"), full_page=True)
    phone_page.get_by_role("button", name="送信を取り消す").click()
    confirm = phone_page.get_by_role("dialog", name="この配信を取り消しますか？")
    confirm.get_by_role("button", name="取り消す").click()

    phone_page.get_by_text("配信を取り消しました。").wait_for(timeout=15 * SECONDS)
    phone_page.locator("#progress-status").get_by_text("取り消しました").wait_for(timeout=15 * SECONDS)
    assert countdown.is_hidden() and phone_page.get_by_role("button", name="送信を取り消す").is_hidden()
    phone_page.screenshot(path=str(artifacts_dir / "staff-campaign-cancelled.png"), full_page=True)
    assert not any(marker in m.get("text", "") for m in line.received(friend))
