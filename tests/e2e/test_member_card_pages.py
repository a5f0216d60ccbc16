"""The member card in headless Chromium on a 360 px phone, against the local stack with liff-mock: the
customer opens the pages as they would in LINE, in both ways of joining."""

from __future__ import annotations

import json
import re

import pytest

from daifuku.domain.barcode import qr_code_svg
from daifuku.models.shop import CouponTemplate, RegistrationMode
from tests.integration.member_api import MemberApi, shop_configured, unique

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds


def open_as(page, local_stack, user: str, page_name: str) -> None:
    """What tapping the LIFF link in LINE does: the page, with the simulated user signed in."""
    page.goto(f"{local_stack.urls.liff_site}/{page_name}?simUser={user}")


def fill_registration(page, name: str, birthdate: str = "1992-04-08", phone: str = "090-1111-2222") -> None:
    page.get_by_label("お名前").fill(name)
    page.get_by_label("生年月日").fill(birthdate)
    page.get_by_label("電話番号").fill(phone)


def card_shown(page) -> dict[str, str]:
    page.locator("#card").wait_for(state="visible", timeout=15 * SECONDS)
    return {
        "member_no": page.locator("#member-no").inner_text(),
        "status": page.locator("#card-status").inner_text(),
        "token": page.locator("#qr").get_attribute("data-token") or "",
        "qr_path": page.locator("#qr svg path").get_attribute("d") or "",
        "barcode_text": page.locator("#barcode-text").inner_text(),
        "barcode_bars": str(page.locator("#barcode svg rect").count()),
    }


def staff_check(api: MemberApi, member_table, token: str) -> dict:
    clerk = api.simulated_user(unique("スタッフ"))
    member_table.put_item(Item={"pk": "STAFF", "sk": clerk, "role": "staff"})
    status, check = api.call("POST", "/liff/api/staff/card-check", clerk, {"token": token})
    assert status == 200
    return check


def qr_path_of(token: str) -> str:
    found = re.search(r' d="([^"]+)"', qr_code_svg(token))
    assert found
    return found.group(1)


def test_guest_card_first_a_new_customer_sees_a_number_then_registers_and_keeps_it(
    local_stack, line, api, member_table, phone_page, artifacts_dir
):
    user = line.create_user(unique("ゲスト花子"), follow=True)
    with shop_configured(member_table, registration_mode=RegistrationMode.GUEST_CARD_FIRST):
        open_as(phone_page, local_stack, user, "card.html")
        guest_card = card_shown(phone_page)
        assert re.fullmatch(r"\d{6}", guest_card["member_no"])
        assert guest_card["status"] == "仮会員"
        assert guest_card["barcode_text"] == guest_card["member_no"]
        phone_page.screenshot(path=str(artifacts_dir / "member-card-guest.png"), full_page=True)

        phone_page.get_by_role("link", name=re.compile("会員登録する")).click()
        phone_page.wait_for_url("**/register.html")
        phone_page.get_by_role("button", name="登録する").wait_for()
        assert guest_card["member_no"] in phone_page.locator("#lead").inner_text()
        fill_registration(phone_page, "ゲスト 花子")
        phone_page.get_by_role("button", name="登録する").click()
        phone_page.wait_for_url("**/card.html*")
        registered_card = card_shown(phone_page)
    assert registered_card["member_no"] == guest_card["member_no"]
    assert registered_card["status"] == "会員"
    assert line.rich_menu(user)["name"] == "会員メニュー"
    phone_page.screenshot(path=str(artifacts_dir / "member-card-guest-registered.png"), full_page=True)


def test_registration_first_the_form_then_the_card_whose_qr_the_staff_scanner_accepts(
    local_stack, line, api, member_table, phone_page, artifacts_dir
):
    user = line.create_user(unique("登録花子"), follow=True)
    with shop_configured(
        member_table,
        registration_mode=RegistrationMode.REGISTRATION_FIRST,
        welcome_coupon=CouponTemplate(title="ご登録ありがとうクーポン", description="焼き菓子ひとつ"),
    ):
        open_as(phone_page, local_stack, user, "card.html")
        phone_page.wait_for_url("**/register.html")  # no card before the form
        phone_page.get_by_role("button", name="登録する").wait_for()
        phone_page.screenshot(path=str(artifacts_dir / "member-registration-form.png"), full_page=True)
        fill_registration(phone_page, "登録 花子", phone="０８０－３３３３－４４４４")
        phone_page.get_by_role("button", name="登録する").click()
        phone_page.wait_for_url("**/card.html*")
        card = card_shown(phone_page)
        phone_page.get_by_text("ご登録ありがとうクーポン").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "member-card-registered.png"), full_page=True)

    stored = api.me(user)
    # /me answers as the profile page shows it: the phone with its hyphens (stored as digits).
    assert stored["member_no"] == card["member_no"] and stored["phone"] == "080-3333-4444"
    # The QR on the page is exactly the QR of the token the page holds (the server draws it) ...
    assert card["qr_path"] == qr_path_of(card["token"])
    # ... and the staff scanner's check accepts that token as this member's live card.
    assert staff_check(api, member_table, card["token"]) == {
        "valid": True,
        "reason": "ok",
        "member_no": card["member_no"],
        "status": "registered",
    }
    assert int(card["barcode_bars"]) > 10


def test_the_card_replaces_its_qr_token_every_30_seconds(local_stack, line, api, phone_page):
    user = line.create_user(unique("更新花子"))
    api.register(user, {"name": "更新 花子", "birthdate": "1980-01-01", "phone": "09055556666"})
    phone_page.clock.install()
    open_as(phone_page, local_stack, user, "card.html")
    card_shown(phone_page)
    with phone_page.expect_response("**/liff/api/card/token") as refreshed:
        phone_page.clock.fast_forward("00:31")
    fresh = refreshed.value.json()
    phone_page.wait_for_function(
        "token => document.querySelector('#qr').dataset.token === token", arg=fresh["token"]
    )
    assert fresh["token"].startswith("DC1.")


def test_problems_are_shown_next_to_their_field_in_japanese(local_stack, line, phone_page, artifacts_dir):
    user = line.create_user(unique("入力ミス"))
    open_as(phone_page, local_stack, user, "register.html")
    phone_page.get_by_role("button", name="登録する").wait_for()
    fill_registration(phone_page, "", birthdate="2999-01-01", phone="0120")
    phone_page.get_by_role("button", name="登録する").click()
    assert phone_page.locator("#field-name-error").inner_text() == "入力してください。"
    assert phone_page.locator("#field-birthdate-error").inner_text() == "未来の日付は入力できません。"
    assert "電話番号の形式" in phone_page.locator("#field-phone-error").inner_text()
    assert phone_page.get_by_label("電話番号").get_attribute("aria-invalid") == "true"
    phone_page.screenshot(path=str(artifacts_dir / "member-registration-errors.png"), full_page=True)

    # What only the server can know comes back the same way, next to the field.
    def refuse(route) -> None:
        problems = {"code": "invalid_fields", "errors": [{"field": "phone", "code": "invalid_phone"}]}
        route.fulfill(status=422, content_type="application/json", body=json.dumps(problems))

    phone_page.route("**/liff/api/registration", refuse)
    fill_registration(phone_page, "入力 ミス")
    phone_page.get_by_role("button", name="登録する").click()
    phone_page.locator("#field-phone-error").get_by_text("電話番号の形式").wait_for()
    assert phone_page.locator("#field-name-error").inner_text() == ""


def test_a_member_edits_their_profile_then_deletes_their_data(
    local_stack, line, api, member_table, phone_page, artifacts_dir
):
    user = line.create_user(unique("編集花子"), follow=True)
    status, registered = api.register(
        user, {"name": "編集 花子", "birthdate": "1985-12-24", "phone": "090-7777-8888"}
    )
    assert status == 200
    open_as(phone_page, local_stack, user, "profile.html")
    phone_page.get_by_text("1985年12月24日").wait_for()
    phone_page.get_by_role("button", name="登録情報を変更する").click()
    phone_page.get_by_label("お名前").fill("編集 はな")
    phone_page.get_by_role("button", name="保存する").click()
    phone_page.get_by_text("登録情報を保存しました。").wait_for()
    assert api.me(user)["name"] == "編集 はな"

    phone_page.get_by_role("button", name="登録情報を削除する").click()
    dialog = phone_page.get_by_role("dialog", name="本当に削除しますか？")
    dialog.wait_for()
    assert "再発行されません" in dialog.inner_text()
    phone_page.screenshot(path=str(artifacts_dir / "member-profile-delete-confirmation.png"), full_page=True)
    dialog.get_by_role("button", name="削除する").click()
    phone_page.get_by_text("登録情報を削除しました。").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "member-profile-deleted.png"), full_page=True)

    assert api.me(user)["name"] is None
    tombstone = member_table.get_item(Key={"pk": f"USER#{user}", "sk": "MEMBER"})["Item"]
    assert tombstone["status"] == "deleted" and tombstone["member_no"] == registered["member_no"]
    assert line.rich_menu(user)["name"] == "会員登録メニュー"
