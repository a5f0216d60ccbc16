"""The coupons a customer takes on their card page, in headless Chromium on a 360 px phone against the
local stack: points exchanged for a reward (once, however often tapped), and the counter poster's
coupon claimed through card.html?claim=<today's code> (once per member; a forged code is refused with
the reason; a friend who is not a member yet registers first and then gets it)."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from daifuku.adapters.dynamodb.keys import COUPON_SK_PREFIX, LEDGER_SK_PREFIX
from daifuku.domain.poster_codes import issue_poster_code, poster_signing_key
from daifuku.models.shop import RegistrationMode
from daifuku_local.aws_resources import LocalChannel
from tests.e2e.test_member_card_pages import card_shown, fill_registration, open_as
from tests.integration.member_api import MemberApi, shop_configured, unique
from tests.integration.staff_api import items_under, member_item, new_template, registered_member

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds


def give_points(api: MemberApi, owner: str, user: str, points: int) -> None:
    body = {"delta": points, "reason": "テスト", "entry_id": uuid.uuid4().hex}
    status, answer = api.call("POST", f"/liff/api/staff/members/{user}/points", owner, body)
    assert status == 200, answer


def todays_poster_code(api: MemberApi, owner: str, template_id: str) -> str:
    status, poster = api.call("GET", f"/liff/api/staff/coupon-templates/{template_id}/poster-code", owner)
    assert status == 200, poster
    code: str = poster["code"]
    return code


def open_poster_link(page, local_stack, user: str, code: str) -> None:
    """What scanning the counter poster does: the card LIFF app opened with ?claim=<code>."""
    page.goto(f"{local_stack.urls.liff_site}/card.html?simUser={user}&claim={code}")


def reward_of(page, title: str):
    return page.locator("#rewards .reward").filter(has_text=title)


def test_a_member_exchanges_points_for_a_coupon_once_however_often_they_tap(
    local_stack, api, member_table, owner, phone_page, artifacts_dir
):
    user, _ = registered_member(api, name="交換 花子")
    give_points(api, owner, user, 120)
    drink = new_template(api, owner, title=f"ドリンク1杯無料{uuid.uuid4().hex[:4]}", points_cost=50)
    dinner = new_template(api, owner, title=f"ディナー券{uuid.uuid4().hex[:4]}", points_cost=500)

    open_as(phone_page, local_stack, user, "card.html")
    card_shown(phone_page)
    reward_of(phone_page, drink["title"]).wait_for(timeout=15 * SECONDS)
    assert phone_page.locator("#points-rank dd").first.inner_text() == "120ポイント"
    assert reward_of(phone_page, drink["title"]).get_by_text("50ポイント").is_visible()
    too_dear = reward_of(phone_page, dinner["title"])
    assert too_dear.get_by_role("button").is_disabled()
    assert "あと380ポイントで交換できます" in too_dear.inner_text()
    phone_page.screenshot(path=str(artifacts_dir / "card-exchange.png"), full_page=True)

    # The first answer is lost on the way back (the server exchanged): the next tap sends the same id.
    lost: list[str] = []

    def lose_the_first_answer(route) -> None:
        if route.request.method != "POST" or lost:
            route.continue_()
            return
        route.fetch()
        lost.append(route.request.post_data_json["exchange_id"])
        route.abort("connectionreset")

    phone_page.route("**/liff/api/points/exchange", lose_the_first_answer)
    button = reward_of(phone_page, drink["title"]).get_by_role("button")
    # An impatient double tap: the first opens the confirmation, the second lands on the dialog,
    # which does not take it as an answer.
    button.dblclick()
    dialog = phone_page.get_by_role("dialog", name="ポイントを交換しますか？")
    dialog.get_by_text(f"50ポイントを使って「{drink['title']}」と交換しますか？").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "card-exchange-confirmation.png"), full_page=True)
    dialog.get_by_role("button", name="交換する").dblclick()
    phone_page.get_by_text("交換できませんでした。").wait_for()

    with phone_page.expect_request(lambda r: r.method == "POST" and "points/exchange" in r.url) as retried:
        reward_of(phone_page, drink["title"]).get_by_role("button").click()
        dialog.get_by_role("button", name="交換する").click()
    assert retried.value.post_data_json["exchange_id"] == lost[0]
    phone_page.get_by_text(f"「{drink['title']}」と交換しました。").wait_for()
    phone_page.locator("#coupons").get_by_text(drink["title"]).wait_for()
    assert phone_page.locator("#points-rank dd").first.inner_text() == "70ポイント"
    phone_page.screenshot(path=str(artifacts_dir / "card-exchanged.png"), full_page=True)

    coupons = [c for c in items_under(member_table, user, COUPON_SK_PREFIX) if c["title"] == drink["title"]]
    deductions = [e for e in items_under(member_table, user, LEDGER_SK_PREFIX) if int(e["delta"]) < 0]
    assert (len(coupons), len(deductions)) == (1, 1)
    assert member_item(member_table, user)["points"] == 70

    # The page after a reload shows what was stored: one coupon, 70 points.
    open_as(phone_page, local_stack, user, "card.html")
    reward_of(phone_page, drink["title"]).wait_for(timeout=15 * SECONDS)
    assert phone_page.locator("#coupons").get_by_text(drink["title"]).count() == 1
    assert phone_page.locator("#points-rank dd").first.inner_text() == "70ポイント"


def test_not_enough_points_is_said_plainly(local_stack, api, member_table, owner, phone_page):
    user, _ = registered_member(api, name="不足 花子")
    give_points(api, owner, user, 60)
    cake = new_template(api, owner, title=f"ケーキ1個{uuid.uuid4().hex[:4]}", points_cost=60)
    open_as(phone_page, local_stack, user, "card.html")
    button = reward_of(phone_page, cake["title"]).get_by_role("button")
    button.wait_for(timeout=15 * SECONDS)
    give_points(api, owner, user, -30)  # spent at the counter while the page was open
    button.click()
    phone_page.get_by_role("dialog").get_by_role("button", name="交換する").click()
    phone_page.get_by_text("ポイントが足りないため、交換できませんでした。").wait_for()
    assert reward_of(phone_page, cake["title"]).get_by_role("button").is_disabled()
    assert [c for c in items_under(member_table, user, COUPON_SK_PREFIX) if c["title"] == cake["title"]] == []


def test_the_poster_coupon_is_claimed_once_and_a_forged_code_is_refused(
    local_stack, api, member_table, owner, phone_page, artifacts_dir
):
    user, _ = registered_member(api, name="受取 花子")
    poster = new_template(api, owner, title=f"来店感謝クーポン{uuid.uuid4().hex[:4]}")
    code = todays_poster_code(api, owner, poster["template_id"])

    open_poster_link(phone_page, local_stack, user, code)
    card_shown(phone_page)
    phone_page.locator("#claim-result").get_by_text("クーポンを受け取りました").wait_for(timeout=15 * SECONDS)
    phone_page.locator("#coupons").get_by_text(poster["title"]).wait_for()
    assert "claim=" not in phone_page.url  # a reload claims nothing
    phone_page.screenshot(path=str(artifacts_dir / "card-poster-claimed.png"), full_page=True)

    open_poster_link(phone_page, local_stack, user, code)  # the poster scanned again
    phone_page.locator("#claim-result").get_by_text("このクーポンはすでに受け取り済みです。").wait_for(
        timeout=15 * SECONDS
    )
    assert phone_page.locator("#coupons").get_by_text(poster["title"]).count() == 1
    claimed = [c for c in items_under(member_table, user, COUPON_SK_PREFIX) if c["title"] == poster["title"]]
    assert len(claimed) == 1

    forged = code[:-1] + ("A" if code[-1] != "A" else "B")
    open_poster_link(phone_page, local_stack, user, forged)
    phone_page.locator("#claim-result").get_by_text("このQRコードは正しいものではありません。").wait_for(
        timeout=15 * SECONDS
    )
    # A photo of an old poster: genuinely signed, but for another day.
    old = issue_poster_code(
        poster["template_id"], date(2020, 1, 1), poster_signing_key(LocalChannel().channel_secret)
    )
    open_poster_link(phone_page, local_stack, user, old)
    phone_page.locator("#claim-result").get_by_text("このQRコードの有効期限が切れています。").wait_for(
        timeout=15 * SECONDS
    )
    phone_page.screenshot(path=str(artifacts_dir / "card-poster-forged.png"), full_page=True)
    assert [c["title"] for c in items_under(member_table, user, COUPON_SK_PREFIX)].count(poster["title"]) == 1


def test_a_friend_who_is_not_a_member_registers_first_then_gets_the_poster_coupon(
    local_stack, line, api, member_table, owner, phone_page, artifacts_dir
):
    friend = line.create_user(unique("新規花子"), follow=True)
    poster = new_template(api, owner, title=f"初回来店クーポン{uuid.uuid4().hex[:4]}")
    code = todays_poster_code(api, owner, poster["template_id"])
    with shop_configured(member_table, registration_mode=RegistrationMode.REGISTRATION_FIRST):
        open_poster_link(phone_page, local_stack, friend, code)
        phone_page.wait_for_url("**/register.html?claim=*")
        phone_page.get_by_role("button", name="登録する").wait_for()
        fill_registration(phone_page, "新規 花子", phone="080-2222-7777")
        phone_page.get_by_role("button", name="登録する").click()
        phone_page.wait_for_url("**/card.html*")
        card_shown(phone_page)
        phone_page.locator("#claim-result").get_by_text("クーポンを受け取りました").wait_for(
            timeout=15 * SECONDS
        )
    phone_page.locator("#coupons").get_by_text(poster["title"]).wait_for()
    assert "claim=" not in phone_page.url
    phone_page.screenshot(path=str(artifacts_dir / "card-poster-after-registration.png"), full_page=True)
    held = [c["title"] for c in items_under(member_table, friend, COUPON_SK_PREFIX)]
    assert held.count(poster["title"]) == 1
