"""The staff console's owner screens in headless Chromium on a 360 px phone, against the local stack:
coupons (create one, hand it to a member, print today's poster QR), a points adjustment, bulk flags
on search results (a later campaign skips those members) and the audit log of what was just done.
A clerk sees the owner-only notices instead."""

from __future__ import annotations

import uuid

import pytest

from daifuku.adapters.dynamodb.keys import COUPON_SK_PREFIX
from tests.e2e.test_staff_console import a_member, open_console
from tests.integration.campaign_api import (
    compose,
    fire_due_campaigns,
    tag_members,
    wait_until_finished,
)
from tests.integration.staff_api import give_coupon, items_under, member_item, new_template
from tests.unit.test_poster import decoded_qr, rasterised

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds


def test_the_owner_creates_a_coupon_and_hands_it_to_a_member_whose_card_shows_it(
    local_stack, api, member_table, owner, phone_page, artifacts_dir
):
    user, _ = a_member(api, name="配布 花子")
    title = f"焼き菓子プレゼント{uuid.uuid4().hex[:4]}"
    open_console(phone_page, local_stack, owner, "coupons")
    phone_page.get_by_label("クーポン名").fill(title)
    phone_page.get_by_label("説明（任意）").fill("お好きな焼き菓子をひとつ")
    phone_page.get_by_label("割引の内容（任意）").fill("無料")
    phone_page.get_by_label("有効期間（日数）").fill("14")
    phone_page.get_by_label("ポイント交換に必要なポイント数（任意）").fill("30")
    with phone_page.expect_response("**/liff/api/staff/coupon-templates") as created:
        phone_page.get_by_role("button", name="クーポンを作成").dblclick()
    phone_page.get_by_text(f"「{title}」を作成しました。").wait_for()
    phone_page.locator("#templates").get_by_text(title).wait_for()
    template = created.value.json()
    assert (template["valid_days"], template["points_cost"], template["discount_text"]) == (14, 30, "無料")
    status, listed = api.call("GET", "/liff/api/staff/coupon-templates", owner)
    assert (
        status == 200 and [t["title"] for t in listed["templates"]].count(title) == 1
    )  # one, however tapped
    phone_page.screenshot(path=str(artifacts_dir / "staff-coupons.png"), full_page=True)

    phone_page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={owner}#member/{user}")
    phone_page.locator("#member-name").get_by_text("配布 花子").wait_for(timeout=15 * SECONDS)
    phone_page.locator("#issue-form").get_by_label("渡すクーポン").select_option(label=title)
    phone_page.get_by_role("button", name="クーポンを渡す").click()
    phone_page.get_by_text(f"「{title}」を渡しました。").wait_for()
    phone_page.locator("#member-coupons").get_by_text(title).wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-member-coupon-given.png"), full_page=True)
    assert [c["title"] for c in items_under(member_table, user, COUPON_SK_PREFIX)].count(title) == 1

    phone_page.goto(f"{local_stack.urls.liff_site}/card.html?simUser={user}")
    phone_page.locator("#coupons").get_by_text(title).wait_for(timeout=15 * SECONDS)


def test_the_poster_screen_shows_a_qr_that_opens_todays_claim_url(
    local_stack, api, owner, phone_page, artifacts_dir, tmp_path
):
    template = new_template(api, owner, title=f"ポスター限定{uuid.uuid4().hex[:4]}")
    open_console(phone_page, local_stack, owner, "coupons")
    with phone_page.expect_response("**/poster-code") as answered:
        phone_page.get_by_role("button", name=f"「{template['title']}」のポスター用QRコードを表示").click()
    poster = answered.value.json()
    qr = phone_page.get_by_role("img", name=f"「{template['title']}」を受け取るQRコード")
    qr.locator("svg").wait_for()
    assert phone_page.locator("#poster-valid").inner_text().endswith("のみ有効")
    phone_page.screenshot(path=str(artifacts_dir / "staff-poster.png"), full_page=True)

    image = tmp_path / "poster-qr.png"
    qr.screenshot(path=str(image))
    assert decoded_qr(image) == [poster["claim_url"]]
    assert poster["claim_url"].endswith(f"?claim={poster['code']}")
    # The printed page is the poster alone.
    phone_page.emulate_media(media="print")
    assert phone_page.locator("#templates").is_hidden() and phone_page.locator("#tabs").is_hidden()
    assert qr.is_visible()
    pdf = tmp_path / "poster.pdf"
    phone_page.pdf(path=str(pdf))
    assert decoded_qr(rasterised(pdf)) == [poster["claim_url"]]


def test_points_bulk_flags_and_the_audit_log(
    local_stack, line, api, member_table, owner, phone_page, artifacts_dir
):
    tag = f"整理{uuid.uuid4().hex[:4]}"
    flagged = [a_member(api, name=f"一括{n} 花子")[0] for n in (1, 2)]
    kept, _ = a_member(api, name="配信 花子")
    tag_members(member_table, [*flagged, kept], tag)
    gift = new_template(api, owner, title=f"お詫びクーポン{uuid.uuid4().hex[:4]}")
    give_coupon(api, owner, gift["template_id"], flagged[0])

    # A points adjustment: the new total on screen and in the table; a deduction below zero refused.
    open_console(phone_page, local_stack, owner, f"member/{flagged[0]}")
    phone_page.locator("#member-name").get_by_text("一括1 花子").wait_for(timeout=15 * SECONDS)
    phone_page.get_by_label("増減するポイント数（減らすときはマイナス）").fill("15")
    phone_page.get_by_label("調整の理由").fill("レシートの付け忘れ")
    phone_page.get_by_role("button", name="ポイントを調整").dblclick()
    phone_page.get_by_text("15ポイント増やしました（現在 15ポイント）。").wait_for()
    assert phone_page.locator("#member-points").inner_text() == "15ポイント"
    assert member_item(member_table, flagged[0])["points"] == 15
    phone_page.screenshot(path=str(artifacts_dir / "staff-points-adjusted.png"), full_page=True)
    phone_page.get_by_label("増減するポイント数（減らすときはマイナス）").fill("-20")
    phone_page.get_by_label("調整の理由").fill("誤って付与")
    phone_page.get_by_role("button", name="ポイントを調整").click()
    phone_page.get_by_text("ポイントが足りないため、その数は減らせません。").wait_for()
    assert member_item(member_table, flagged[0])["points"] == 15

    # Bulk flags: tick two of the three results, 配信停止 with a reason, confirm.
    phone_page.get_by_role("link", name="会員").click()
    phone_page.get_by_role("searchbox", name="検索").fill(f"#{tag}")
    phone_page.get_by_role("button", name="検索する").click()
    phone_page.get_by_text("3人見つかりました。").wait_for()
    phone_page.get_by_role("checkbox", name="一括1 花子を選ぶ").check()
    phone_page.get_by_role("checkbox", name="一括2 花子を選ぶ").check()
    phone_page.get_by_text("2人を選択中").wait_for()
    phone_page.get_by_label("付けるフラグ").select_option(label="配信停止")
    phone_page.get_by_role("button", name="選んだ会員に設定").click()
    phone_page.locator("#bulk-reason-error").get_by_text("理由を入力してください。").wait_for()
    phone_page.locator("#bulk-reason").fill("ご本人のご希望")
    phone_page.get_by_role("button", name="選んだ会員に設定").click()
    dialog = phone_page.get_by_role("dialog", name="まとめてフラグを付けますか？")
    dialog.get_by_text("2人に「配信停止」を付けます。").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-bulk-flags-confirmation.png"), full_page=True)
    dialog.get_by_role("button", name="設定する").click()
    phone_page.get_by_text("2人に「配信停止」を付けました。").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-bulk-flags.png"), full_page=True)
    for user in flagged:
        stored = member_item(member_table, user)
        assert stored["do_not_send"] is True and stored["do_not_send_reason"] == "ご本人のご希望"
    assert not member_item(member_table, kept).get("do_not_send")

    # A later campaign to the tag skips the flagged two.
    marker = uuid.uuid4().hex[:8]
    campaign_id = compose(api, owner, {"tags_any": [tag]}, f"お知らせ {marker}")
    fire_due_campaigns(api.api_url)
    finished = wait_until_finished(api, owner, campaign_id)
    assert (finished["sent"], finished["skipped_by_flag"]) == (1, 2)
    reached = [u for u in [*flagged, kept] if any(marker in m.get("text", "") for m in line.received(u))]
    assert reached == [kept]

    # The audit log lists it all, newest first, done by "あなた".
    phone_page.get_by_role("link", name="集計").click()
    phone_page.get_by_role("link", name="操作の記録を見る").click()
    entries = phone_page.locator("#audit-entries .audit-entry")
    entries.first.wait_for()
    newest = entries.evaluate_all("items => items.slice(0, 5).map(item => item.innerText)")
    assert newest[0].startswith("配信を作成")
    assert newest[1].startswith("フラグをまとめて変更") and "配信停止 2人" in newest[1]
    assert newest[2].startswith("ポイントを調整") and "+15ポイント" in newest[2]
    assert newest[3].startswith("クーポンを配布") and f"「{gift['title']}」 1人に配布" in newest[3]
    assert newest[4].startswith("クーポンを作成") and f"「{gift['title']}」" in newest[4]
    assert all("あなた" in text for text in newest)

    phone_page.screenshot(path=str(artifacts_dir / "staff-audit.png"), full_page=True)


def test_a_clerk_sees_the_owner_only_notices(local_stack, api, clerk, phone_page, artifacts_dir):
    user, _ = a_member(api, name="店員 花子")
    open_console(phone_page, local_stack, clerk, "coupons")
    phone_page.get_by_text("クーポンの作成・配布とポスター用QRコードはオーナーのみ利用できます。").wait_for()
    assert phone_page.locator("#template-form").is_hidden()
    phone_page.screenshot(path=str(artifacts_dir / "staff-coupons-clerk.png"), full_page=True)
    phone_page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={clerk}#audit")
    phone_page.get_by_text("操作の記録はオーナーのみ閲覧できます。").wait_for(timeout=15 * SECONDS)
    assert phone_page.locator("#audit-entries").is_hidden()

    # The member view: points can be adjusted by clerks, coupons are handed over by owners only.
    phone_page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={clerk}#member/{user}")
    phone_page.locator("#member-name").get_by_text("店員 花子").wait_for(timeout=15 * SECONDS)
    assert phone_page.get_by_role("button", name="ポイントを調整").is_visible()
    assert phone_page.locator("#issue-form").is_hidden()
    phone_page.get_by_role("link", name="検索に戻る").click()
    phone_page.get_by_role("searchbox", name="検索").fill("店員 花子")
    phone_page.get_by_role("button", name="検索する").click()
    phone_page.locator("#search-results").get_by_text("店員 花子").first.wait_for()
    assert phone_page.locator("#search-results input[type=checkbox]").count() == 0
    assert phone_page.locator("#bulk-flags").is_hidden()
