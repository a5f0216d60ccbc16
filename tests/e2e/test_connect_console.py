"""設定 → 外部連携 in headless Chromium on a 360 px phone, against the local stack: the owner adds an
event endpoint (the secret shown once), a visit reaches it signed, its delivery log shows the delivery;
the owner sets a forwarding URL, a refused URL is explained in Japanese; then removes the endpoint."""

from __future__ import annotations

import json

import pytest

from daifuku.domain.shop_events import signature_is_valid
from tests.e2e.test_staff_console import open_console
from tests.integration.connect_receiver import wait_for
from tests.integration.staff_api import registered_member, visit

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000


def test_the_owner_connects_a_pos_and_the_old_line_tool_from_the_console(
    local_stack, api, owner, phone_page, artifacts_dir, receiver
):
    page = phone_page
    # Given the owner on 設定 → 外部連携
    open_console(page, local_stack, owner, "settings")
    page.get_by_role("link", name="外部連携（Webhook・転送）").click()
    page.locator("#endpoint-form").wait_for(timeout=15 * SECONDS)

    # When they add an endpoint for visits
    page.get_by_label("通知先の名前（例：レジ連携）").fill("レジ連携")
    page.get_by_label("通知先のURL（https）").fill(receiver.url("/pos"))
    for name in ("会員登録", "会員情報の削除", "ポイントの増減", "クーポンの利用", "ブロック"):
        page.get_by_label(name, exact=True).uncheck()
    page.get_by_role("button", name="通知先を追加").click()

    # Then the secret is shown once, and the endpoint is listed without it
    secret_box = page.locator("#connect-secret-value")
    secret_box.wait_for(timeout=15 * SECONDS)
    secret = secret_box.input_value()
    assert secret.startswith("whsec_")
    endpoint = page.locator(".connect-endpoint", has_text="レジ連携")
    assert "来店の記録（個人情報なし）" in endpoint.inner_text()
    page.screenshot(path=str(artifacts_dir / "staff-connect.png"), full_page=True)

    # And a visit at the counter reaches the POS, signed
    user, _ = registered_member(api)
    assert visit(api, owner, user)[0] == 201
    received = wait_for(
        "the visit at the POS",
        lambda: [r for r in receiver.accepted() if json.loads(r.body)["member"]["user_id"] == user],
    )
    assert signature_is_valid(secret, received[0].headers, received[0].body)
    assert json.loads(received[0].body)["type"] == "visit.recorded"
    endpoint.get_by_role("button", name="レジ連携: 配信履歴").click()
    endpoint.locator(".connect-log li", has_text="届きました").first.wait_for(timeout=15 * SECONDS)

    # When they set a forwarding URL that is not https, they are told why; nothing is saved
    page.get_by_label("転送先のURL（https）").fill("http://old-tool.example.com/webhook")
    page.get_by_role("button", name="転送の設定を保存").click()
    page.get_by_text("https で始まるURLを入力してください。").wait_for(timeout=15 * SECONDS)

    # And they remove the endpoint after confirming
    endpoint.get_by_role("button", name="レジ連携: 削除").click()
    page.get_by_role("button", name="削除する").click()
    page.get_by_text("「レジ連携」を削除しました。").wait_for(timeout=15 * SECONDS)
    listed = api.call("GET", "/liff/api/staff/connect", owner)[1]
    assert all(e["name"] != "レジ連携" for e in listed["endpoints"])
    assert listed["forwarding"]["url"] is None
