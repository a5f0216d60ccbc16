"""The receipt QR on a 360 px phone, in headless Chromium against the local stack: the POS asks for the
receipt's code, the customer taps 「レシートのQRコードを読み取る」 on the card (liff-mock's camera reads
the QR's URL), the points go up on the card at once; the same receipt scanned again gives nothing
and says it was received already. The owner makes and revokes the key in 設定's POS screen."""

from __future__ import annotations

import uuid

import pytest
from playwright.sync_api import expect

from daifuku.adapters.dynamodb.keys import LEDGER_SK_PREFIX
from daifuku.models.shop import PointsRule
from tests.e2e.test_member_card_pages import card_shown, open_as
from tests.integration.member_api import shop_configured
from tests.integration.pos_api import PosClient, new_key
from tests.integration.staff_api import items_under, member_item, registered_member

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000


def scan_receipt(page, scanned: str) -> None:
    """The customer points the LINE app's camera at the receipt: liff-mock's camera reads `scanned`."""
    page.evaluate("value => liff.$mock.set(p => ({ ...p, scanCode: { value } }))", scanned)
    page.get_by_role("button", name="レシートのQRコードを読み取る").click()


def test_a_receipt_scanned_on_the_card_gives_its_points_once(
    local_stack, api, owner, member_table, phone_page, artifacts_dir
) -> None:
    with shop_configured(member_table, points_rule=PointsRule(points_per_visit=1, yen_per_point=100)):
        # Given a member, and a receipt of 2,480 yen whose QR the POS printed (1 + 24 points)
        user, _ = registered_member(api, name="レシート 花子")
        pos = PosClient(local_stack.urls.api, new_key(api, owner, ["points:write"])["key"])
        status, receipt, _ = pos.call(
            "POST", "/receipt-codes", {"receipt_id": uuid.uuid4().hex, "amount_yen": 2480}
        )
        assert status == 201, receipt
        qr = receipt["url"] or receipt["code"]

        # When the customer opens the card and scans the receipt
        open_as(phone_page, local_stack, user, "card.html")
        card_shown(phone_page)
        scan_receipt(phone_page, qr)

        # Then the page says so and the card shows the points at once
        result = phone_page.locator("#receipt-result")
        result.get_by_text("25ポイントを受け取りました").wait_for(timeout=15 * SECONDS)
        assert phone_page.locator("#points-rank dd").first.inner_text() == "25ポイント"
        phone_page.screenshot(path=str(artifacts_dir / "card-receipt-points.png"), full_page=True)

        # When the same receipt is scanned again, and a stranger's QR after it
        scan_receipt(phone_page, qr)
        result.get_by_text("このレシートのポイントは受け取り済みです。").wait_for(timeout=15 * SECONDS)
        scan_receipt(phone_page, "https://example.com/menu")
        result.get_by_text("このQRコードはレシートのものではありません。").wait_for(timeout=15 * SECONDS)
        phone_page.screenshot(path=str(artifacts_dir / "card-receipt-refused.png"), full_page=True)

    # Then the points came once
    assert member_item(member_table, user)["points"] == 25
    assert len([e for e in items_under(member_table, user, LEDGER_SK_PREFIX) if "receipt-" in e["sk"]]) == 1
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360


def test_the_owner_makes_a_key_sees_it_once_and_revokes_it(
    local_stack, api, owner, phone_page, artifacts_dir
) -> None:
    # Given the owner on the POS screen of 設定
    phone_page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={owner}#pos")
    phone_page.get_by_label("キーの名前").wait_for(timeout=15 * SECONDS)
    name = f"レジ{uuid.uuid4().hex[:4]}"

    # When they name a key, allow looking up members and giving points, and create it
    phone_page.get_by_label("キーの名前").fill(name)
    phone_page.get_by_label("会員の確認（会員番号・表示名・ランク・ポイント・クーポン）").check()
    phone_page.get_by_label("お買い上げのポイント付与とレシートQRの発行").check()
    phone_page.get_by_role("button", name="キーを作成する").click()

    # Then the key is shown once, and it works
    phone_page.get_by_text(f"「{name}」を作成しました").wait_for(timeout=15 * SECONDS)
    key = phone_page.get_by_role("textbox", name="APIキー", exact=True).input_value()
    assert key.startswith("dfk_")
    assert PosClient(local_stack.urls.api, key).call("GET", "/members/1")[0] in (200, 404)
    listed = phone_page.locator("#pos-keys li").filter(has_text=name)
    phone_page.screenshot(path=str(artifacts_dir / "staff-pos-keys.png"), full_page=True)
    assert phone_page.evaluate("document.documentElement.scrollWidth") <= 360

    # When they revoke it (after the confirmation)
    listed.get_by_role("button", name=f"「{name}」を無効にする").click()
    phone_page.locator("#confirm-yes").click()

    # Then it is marked revoked and refused at once
    phone_page.get_by_text(f"「{name}」を無効にしました。").wait_for(timeout=15 * SECONDS)
    expect(phone_page.locator("#pos-keys li").filter(has_text=name)).to_contain_text(
        "無効化", timeout=15 * SECONDS
    )
    assert PosClient(local_stack.urls.api, key).call("GET", "/members/1")[0] == 401
