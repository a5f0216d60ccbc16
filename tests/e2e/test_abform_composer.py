"""The composer's A/B form in headless Chromium on a 360 px phone: the owner composes an A/B campaign
of two variants with tracked links, sees a split that does not add up refused beside its field (by the
form, and by the server's 422), sends it, and reads each variant's rates with the interval: 「差がある
とは言えません」 before anyone clicks, and B ahead once B's recipients tap its link (the simulator's
clicks)."""

from __future__ import annotations

import json
import re
import uuid

import pytest

from tests.e2e.test_staff_console import open_console
from tests.integration.campaign_api import fire_due_campaigns, tag_members

pytestmark = [pytest.mark.slow, pytest.mark.browser]
SECONDS = 1000
A_URL, B_URL = "https://shop.example.jp/ab-a", "https://shop.example.jp/ab-b"
FRIENDS = 40  # enough that a stable hash gives each variant at least 5


def test_the_owner_composes_sends_and_reads_an_ab_campaign(
    local_stack, line, api, member_table, owner, phone_page, artifacts_dir
):
    page = phone_page
    tag = f"AB画面{uuid.uuid4().hex[:6]}"
    friends = [line.create_user(f"AB画面{n}", follow=True) for n in range(FRIENDS)]
    tag_members(member_table, friends, tag)
    marker = uuid.uuid4().hex[:8]

    # Given the owner on the composer, with the A/B test turned on: two variants, each one message
    open_console(page, local_stack, owner, "campaign")
    page.get_by_label("配信名（お客さまには表示されません）").fill(f"AB配信 {marker}")
    page.get_by_label("タグ（いずれかを持つ方）").fill(tag)
    page.locator("#estimate[aria-busy=false]").get_by_text(f"対象 {FRIENDS}人").wait_for(timeout=15 * SECONDS)
    page.get_by_label("A/Bテストにする（2〜4案を送り比べます）").check()
    editors = page.locator("#message-editors .message-editor")
    assert editors.count() == 2
    assert editors.locator(".message-heading").all_inner_texts() == ["A案", "B案"]
    editors.nth(0).get_by_label("本文").fill(f"A案 {marker} 詳しくは{A_URL}")
    editors.nth(1).get_by_label("本文").fill(f"B案 {marker} 詳しくは{B_URL}")
    assert page.locator("#preview .chat-variant").all_inner_texts() == ["A案", "B案"]

    # When the winner mode's test group is out of range, or clicks judge it without tracked links,
    # the form says so beside each field
    page.get_by_label("一部の方で試して、成績の良い案を残りの方に送る").check()
    page.get_by_label("試しに送る方の割合（5〜50%）").fill("70")
    page.get_by_label("メッセージ内のURLを計測用のリンクにする（誰がクリックしたかがわかります）").uncheck()
    page.get_by_role("button", name="内容を確認する").click()
    page.locator("#ab-test-percent-error").get_by_text(
        "試しに送る方の割合は5〜50%の数字で入力してください。"
    ).wait_for()
    assert (
        page.locator("#ab-winner-by-error").inner_text()
        == "クリック率で比べるには、「リンクの計測」をオンにしてください。"
    )
    page.get_by_label("試しに送る方の割合（5〜50%）").fill("20")
    page.get_by_label("メッセージ内のURLを計測用のリンクにする（誰がクリックしたかがわかります）").check()

    # When the shares do not add up, the form says so beside them
    page.get_by_label("割合を指定する").check()
    page.get_by_label("A案の割合（%）").fill("60")
    page.get_by_label("B案の割合（%）").fill("30")
    page.get_by_text("合計 90%").wait_for()
    page.get_by_role("button", name="内容を確認する").click()
    shares_error = page.locator("#ab-shares-error")
    shares_error.get_by_text("割合は各案1%以上で、合計100%になるように入力してください。").wait_for()
    page.screenshot(path=str(artifacts_dir / "staff-ab-shares-problem.png"), full_page=True)

    # ...and when the server refuses a split (a request altered on its way: the server's 422), the
    # form shows the server's reason beside the same field
    page.get_by_label("B案の割合（%）").fill("40")
    assert shares_error.inner_text() == ""

    def altered(route):
        body = json.loads(route.request.post_data or "{}")
        body["ab"]["shares"] = [70, 40]
        route.continue_(post_data=json.dumps(body))

    page.route("**/liff/api/staff/campaigns", altered)
    page.get_by_role("button", name="内容を確認する").click()
    dialog = page.get_by_role("dialog", name="この内容で配信しますか？")
    dialog.get_by_text("A/Bテスト：2案をお客さまごとに振り分けて送ります。").wait_for()
    with page.expect_response("**/liff/api/staff/campaigns") as refused:
        dialog.get_by_role("button", name="配信する").click()
    assert refused.value.status == 422
    shares_error.get_by_text("割合は各案1%以上で、合計100%になるように入力してください。").wait_for()
    page.unroute("**/liff/api/staff/campaigns")

    # Then with an even split it is sent: each friend gets one of the two variants
    page.get_by_label("均等に分ける").check()
    page.screenshot(path=str(artifacts_dir / "staff-ab-composer.png"), full_page=True)
    page.get_by_role("button", name="内容を確認する").click()
    with page.expect_response("**/liff/api/staff/campaigns") as created:
        dialog.get_by_role("button", name="配信する").click()
    assert created.value.status == 201
    campaign_id = created.value.json()["campaign_id"]
    page.locator("#progress").wait_for(state="visible")
    fire_due_campaigns(local_stack.urls.api)
    status = page.locator("#progress-status")
    page.wait_for_function(
        "() => ['配信が完了しました', '配信できませんでした'].includes("
        "document.querySelector('#progress-status').textContent)",
        timeout=120 * SECONDS,
    )
    page.screenshot(path=str(artifacts_dir / "staff-ab-sent.png"), full_page=True)
    assert status.inner_text() == "配信が完了しました", api.call(
        "GET", f"/liff/api/staff/campaigns/{campaign_id}", owner
    )

    results = page.locator(".ab-results")
    results.get_by_role("heading", name="A/Bテストの結果").wait_for(timeout=15 * SECONDS)
    assert results.locator(".ab-verdict").inner_text().startswith("差があるとは言えません")
    received = {u: [m["text"] for m in line.received(u) if marker in m.get("text", "")] for u in friends}
    assert all(len(texts) == 1 for texts in received.values()), received
    got_b = [u for u, texts in received.items() if texts[0].startswith("B案")]
    got_a = [u for u in friends if u not in got_b]
    assert len(got_a) >= 5 and len(got_b) >= 5
    counts = results.locator(".ab-counts").all_inner_texts()
    assert counts[0].startswith(f"送信 {len(got_a)}人") and counts[1].startswith(f"送信 {len(got_b)}人")

    # When everyone who got B opens it and taps its link (the simulator plays LINE's side)
    for user in got_b:
        line.open_messages(user)
        [url] = re.findall(r"https?://\S+/r/[A-Za-z0-9_-]+", received[user][0])
        assert line.click_link(user, url)["location"] == B_URL

    # Then 「結果を更新」 shows B ahead with its interval, and the difference as significant
    results.get_by_role("button", name="結果を更新").click()
    page.locator(".ab-results .ab-verdict").get_by_text("B案の成績が高く、差があると言えます。").wait_for()
    page.locator(
        "[data-funnel=clicked] .funnel-value", has_text=f"{len(got_b)}人"
    ).wait_for()  # the funnel too
    variant_b = page.locator(".ab-results [data-variant='1']")
    assert "いちばん高い案" in variant_b.inner_text()
    assert f"クリック {len(got_b)}人" in variant_b.locator(".ab-counts").inner_text()
    rate_b = variant_b.locator(".ab-rate").inner_text()
    assert rate_b.startswith("クリック率 100.0%（95%信頼区間 ") and rate_b.endswith("〜100.0%）"), rate_b
    rate_a = page.locator(".ab-results [data-variant='0'] .ab-rate").inner_text()
    assert rate_a.startswith("クリック率 0.0%（95%信頼区間 0.0%〜"), rate_a
    page.screenshot(path=str(artifacts_dir / "staff-ab-results.png"), full_page=True)
    status, api_results = api.call("GET", f"/liff/api/staff/campaigns/{campaign_id}/ab", owner)
    assert status == 200 and api_results["leader"] == 1 and api_results["significant"]
