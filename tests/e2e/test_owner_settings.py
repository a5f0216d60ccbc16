"""The owner's 設定 tab in headless Chromium on a 360 px phone, against the local stack: the owner
changes the shop's name and colour, the points rule, the ranks and the welcome message, each section
saved on its own with its problems shown next to the field; then a new friend is welcomed with the
new message, a visit with the bill's amount gives the new points, and the rank-up sends the new
rank-up message (the simulator's transcripts show what reached LINE)."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from daifuku.adapters.dynamodb.keys import SHOP_KEY
from tests.e2e.test_staff_console import a_member, open_console
from tests.integration.member_api import unique

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds
# The webhook keeps the shop's configuration 30 seconds: a new friend sees a saved welcome within a minute.
LIVE_WITHIN_SECONDS = 75


def eventually(check: Callable[[], Any], seconds: float = LIVE_WITHIN_SECONDS, every: float = 2) -> Any:
    """Ask `check` until it answers something truthy (polling the observable result, not timing it)."""
    deadline = time.monotonic() + seconds
    while True:
        answer = check()
        if answer or time.monotonic() > deadline:
            return answer
        time.sleep(every)


def welcome_of_a_new_friend(line, expected: str) -> Callable[[], str | None]:
    """Each call: a new friend follows; their welcome's text when it contains `expected`."""

    def follow_once() -> str | None:
        friend = line.create_user(unique("設定ともだち"), follow=True)
        received = json.dumps(line.received(friend), ensure_ascii=False)
        return received if expected in received else None

    return follow_once


@pytest.fixture
def shop_config_restored(member_table, line) -> Iterator[None]:
    """The shop's configuration as it was after the test, and live again on the webhook before the next."""
    before = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True).get("Item")
    yield
    if before is not None:
        member_table.put_item(Item=before)
        restored = before["config"].get("welcome", {}).get("new_friend", "友だち追加ありがとうございます")
        assert eventually(welcome_of_a_new_friend(line, restored.split("\n")[0][:12]))


def section(page, name: str):
    return page.locator(f"#settings-{name}")


def save(page, name: str, title: str) -> None:
    page.get_by_role("button", name=f"「{title}」を保存").click()


def test_the_owner_changes_the_shop_and_customers_see_it_in_line(
    local_stack, api, line, owner, phone_page, artifacts_dir, shop_config_restored
):
    page = phone_page
    tag = uuid.uuid4().hex[:4]
    shop_name = f"和菓子 大福堂 {tag}"
    welcome = f"{{name}}さま、ようこそ！{tag}の店です。"
    rank_up = f"{{name}}さま、{{rank}}ランクになりました！{tag}"

    # Given the owner on the 設定 tab
    open_console(page, local_stack, owner, "settings")
    shop = section(page, "shop")
    shop.wait_for(timeout=15 * SECONDS)

    # When they save a colour that is not a colour, the problem shows next to the field, and
    # goes as soon as the field is edited
    shop.get_by_label("お店の名前").fill(shop_name)
    colour = shop.get_by_label("テーマカラー")
    colour.fill("purple")
    save(page, "shop", "お店")
    problem = page.locator("#settings-shop-theme-color-error")
    problem.get_by_text("#と6桁の英数字").wait_for()
    assert colour.get_attribute("aria-invalid") == "true"
    colour.fill("#8a2be2")
    assert problem.inner_text() == ""
    save(page, "shop", "お店")
    shop.get_by_text("「お店」を保存しました。").wait_for()
    page.locator("#shop-name").get_by_text(shop_name).wait_for()

    # The points rule and ranks: thresholds out of order are refused next to the threshold
    points = section(page, "points")
    points.get_by_label("1回の来店で付くポイント").fill("7")
    points.get_by_label("お会計金額で付くポイント（何円ごとに1ポイント・任意）").fill("100")
    while points.get_by_role("button", name="削除").count():
        points.get_by_role("button", name="削除").first.click()
    for name, threshold in (("ブロンズ", "0"), ("ゴールド", "0")):
        points.get_by_role("button", name="ランクを追加").click()
        points.get_by_label("ランク名").last.fill(name)
        points.get_by_label("必要なポイント").last.fill(threshold)
    points.get_by_label("ランクアップのメッセージ（空欄なら送りません）").fill(rank_up)
    save(page, "points", "ポイントとランク")
    page.locator("#settings-points-ranks-1-min-points-error").get_by_text(
        "ひとつ上のランクより大きいポイントにしてください。"
    ).wait_for()
    points.get_by_label("必要なポイント").last.fill("20")
    assert page.locator("#settings-points-ranks-1-min-points-error").inner_text() == ""
    save(page, "points", "ポイントとランク")
    points.get_by_text("「ポイントとランク」を保存しました。").wait_for()

    # The welcome, with its LINE-like preview
    messages = section(page, "messages")
    messages.get_by_label("友だち追加のあいさつ").fill(welcome)
    messages.locator(".settings-preview").first.get_by_text(
        f"山田 花子さま、ようこそ！{tag}の店です。"
    ).wait_for()
    save(page, "messages", "メッセージ")
    messages.get_by_text("「メッセージ」を保存しました。").wait_for()
    page.screenshot(path=str(artifacts_dir / "staff-settings.png"), full_page=True)

    # Then a new friend is welcomed with the new message (within a minute on the webhook)
    welcomed = eventually(welcome_of_a_new_friend(line, f"さま、ようこそ！{tag}の店です。"))
    assert welcomed, "no new friend saw the new welcome within a minute"

    # And a visit with a bill of 1,500 yen gives 7 + 15 points, and the rank-up sends the new message
    member, _ = a_member(api, name="設定 花子")
    page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={owner}#member/{member}")
    page.locator("#member-name").get_by_text("設定 花子").wait_for(timeout=15 * SECONDS)
    page.get_by_label("お会計金額（円・任意）").fill("1500")
    with page.expect_response("**/visits") as answered:
        page.get_by_role("button", name="来店を記録").click()
    visit = answered.value.json()
    assert (visit["points_added"], visit["points"], visit["rank"], visit["rank_up"]) == (
        22,
        22,
        "ゴールド",
        True,
    )
    texts = [m.get("text", "") for m in line.received(member)]
    assert f"設定 花子さま、ゴールドランクになりました！{tag}" in texts
    # The registration-complete message reached them once, when they registered
    assert sum("会員登録ありがとうございます" in text for text in texts) == 1
    page.screenshot(path=str(artifacts_dir / "staff-visit-with-amount.png"), full_page=True)


def test_a_clerk_sees_no_settings_tab_and_the_api_refuses_them(local_stack, api, clerk, phone_page):
    open_console(phone_page, local_stack, clerk)
    assert phone_page.locator("#settings-tab").is_hidden()
    status, answer = api.call("PUT", "/liff/api/staff/settings/shop", clerk, {"shop_name": "x"})
    assert (status, answer["code"]) == (403, "not_owner")
