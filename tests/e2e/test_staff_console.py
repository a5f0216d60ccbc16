"""The staff console (staff.html) in headless Chromium on a 360 px phone, against the local stack with
liff-mock: the counter scans a real card QR (injected through liff-mock's scanCode), records a visit,
redeems a coupon from two phones at once; the owner composes a campaign and follows it to 100%, and
reads the dashboard. Someone not on the staff list sees the notice and nothing else."""

from __future__ import annotations

import re
import time
import uuid
from datetime import datetime

import pytest

from daifuku.adapters.dynamodb.keys import LEDGER_SK_PREFIX, VISIT_SK_PREFIX, coupon_key, member_key
from daifuku.domain.card_token import card_signing_key, issue_card_token
from daifuku.models.shop import PointsRule
from daifuku_local.aws_resources import LocalChannel
from tests.conftest import PHONE
from tests.integration.campaign_api import fire_due_campaigns, tag_members
from tests.integration.member_api import MemberApi, a_form, shop_configured, unique
from tests.integration.staff_api import card_qr, give_coupon, items_under, new_template

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds


@pytest.fixture
def second_phone(browser):
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


def open_console(page, local_stack, user: str, screen: str = "") -> None:
    """The staff LIFF opened in LINE by `user`, on `screen` (the hash route), once it is ready."""
    page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={user}{'#' + screen if screen else ''}")
    page.locator("#tabs").wait_for(state="visible", timeout=15 * SECONDS)


def a_member(api: MemberApi, **form) -> tuple[str, dict]:
    """A registered member (through the API, as register.html does) and their card."""
    user = api.simulated_user(unique("会員"), follow=True)
    status, _ = api.register(user, a_form(**form))
    assert status == 200
    status, card = api.open_card(user)
    assert status == 200
    return user, card


def scan(page, token: str) -> None:
    """The customer holds up their card: liff-mock's camera reads `token`, and staff tap the button."""
    page.evaluate("token => liff.$mock.set(p => ({ ...p, scanCode: { value: token } }))", token)
    page.get_by_role("button", name="会員証を読み取る").click()


def test_scan_a_card_then_one_tap_records_one_visit_and_the_points_go_up(
    local_stack, api, member_table, clerk, phone_page, artifacts_dir
):
    user, card = a_member(api, name="来店 花子")
    open_console(phone_page, local_stack, clerk)
    phone_page.screenshot(path=str(artifacts_dir / "staff-counter.png"), full_page=True)

    with shop_configured(member_table, points_rule=PointsRule(points_per_visit=5)):
        scan_then_record_a_visit(phone_page, api, user, card, artifacts_dir)

    stored = member_table.get_item(Key=member_key(user), ConsistentRead=True)["Item"]
    assert stored["points"] == 5 and stored["last_visit_on"]
    assert len(items_under(member_table, user, VISIT_SK_PREFIX)) == 1
    assert len(items_under(member_table, user, LEDGER_SK_PREFIX)) == 1


def scan_then_record_a_visit(phone_page, api, user: str, card: dict, artifacts_dir) -> None:
    scan(phone_page, card_qr(api, user))
    phone_page.locator("#member-name").get_by_text("来店 花子").wait_for()
    assert phone_page.locator("#member-no").inner_text() == card["member_no"]
    assert phone_page.locator("#member-points").inner_text() == "0ポイント"
    assert phone_page.locator("#member-last-visit").inner_text() == "来店記録なし"
    phone_page.screenshot(path=str(artifacts_dir / "staff-member.png"), full_page=True)

    visit = phone_page.get_by_role("button", name="来店を記録")
    visit.dblclick()  # an impatient double tap is still one visit
    phone_page.locator("#member-message:not(:empty), #member-problem:not(:empty)").first.wait_for()
    assert (
        phone_page.locator("#member-message").inner_text(),
        phone_page.locator("#member-problem").inner_text(),
    ) == (
        "来店を記録しました（+5ポイント）。",
        "",
    )
    assert phone_page.locator("#member-points").inner_text() == "5ポイント"
    assert phone_page.locator("#member-visits li").count() == 1
    assert phone_page.get_by_role("button", name="来店を記録済み").is_disabled()
    phone_page.screenshot(path=str(artifacts_dir / "staff-member-visit-recorded.png"), full_page=True)


def test_a_visit_whose_answer_was_lost_is_tapped_again_and_recorded_once(
    local_stack, api, member_table, clerk, phone_page
):
    user, _ = a_member(api, name="再送 花子")
    answers_lost = []

    def lose_the_first_answer(route) -> None:
        if answers_lost:
            route.continue_()
            return
        route.fetch()  # the server records the visit ...
        answers_lost.append(route.request.post_data_json["visit_id"])
        route.abort("connectionreset")  # ... but the phone never hears back

    phone_page.route("**/liff/api/staff/members/*/visits", lose_the_first_answer)
    open_console(phone_page, local_stack, clerk, f"member/{user}")
    visit = phone_page.get_by_role("button", name="来店を記録")
    visit.click()
    phone_page.locator("#member-problem").get_by_text("処理できませんでした。").wait_for()
    with phone_page.expect_request("**/visits") as retried:
        visit.click()
    phone_page.get_by_text("来店を記録しました").wait_for()
    assert retried.value.post_data_json["visit_id"] == answers_lost[0]
    assert len(items_under(member_table, user, VISIT_SK_PREFIX)) == 1
    assert phone_page.locator("#member-visits li").count() == 1


def test_the_number_typed_in_opens_the_same_member(local_stack, api, clerk, phone_page):
    user, card = a_member(api, name="番号 花子")
    open_console(phone_page, local_stack, clerk)
    phone_page.get_by_label("会員番号").fill(card["member_no"])
    phone_page.get_by_role("button", name="会員を表示").click()
    phone_page.locator("#member-name").get_by_text("番号 花子").wait_for()
    assert user in phone_page.url

    phone_page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={clerk}#counter")
    phone_page.get_by_label("会員番号").fill("999999")
    phone_page.get_by_role("button", name="会員を表示").click()
    phone_page.get_by_text("この会員番号の会員は見つかりませんでした。").wait_for()


def test_a_coupon_redeemed_from_two_phones_at_once_is_used_once(
    local_stack, api, member_table, owner, clerk, phone_page, second_phone, artifacts_dir
):
    user, _ = a_member(api, name="二重 花子")
    coffee = new_template(
        api, owner, title=f"コーヒー1杯無料{uuid.uuid4().hex[:4]}", description="ドリンク1杯"
    )
    coupon_id = give_coupon(api, owner, coffee["template_id"], user)
    phones = [phone_page, second_phone]
    for page, staff in zip(phones, [owner, clerk], strict=True):
        open_console(page, local_stack, staff, f"member/{user}")
        page.locator("#member-coupons .coupon").first.wait_for()
        page.get_by_role("button", name=re.compile("使用済みにする$")).click()
        page.get_by_role("dialog", name="クーポンを使用済みにしますか？").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-coupon-confirmation.png"), full_page=True)

    for page in phones:  # both confirm at once: the two requests race
        page.get_by_role("dialog").get_by_role("button", name="使用済みにする").click()
    outcomes = []
    for page in phones:
        page.locator("#member-message:not(:empty), #member-problem:not(:empty)").first.wait_for()
        outcomes.append(
            (page.locator("#member-message").inner_text(), page.locator("#member-problem").inner_text())
        )
        page.locator("#member-coupons").get_by_text("利用できるクーポンはありません。").wait_for()
    successes = [message for message, _ in outcomes if message.endswith("を使用済みにしました。")]
    refusals = [problem for _, problem in outcomes if problem == "このクーポンはすでに使用済みです。"]
    assert (len(successes), len(refusals)) == (1, 1), outcomes
    refused_page = phones[[problem for _, problem in outcomes].index(refusals[0])]
    refused_page.screenshot(path=str(artifacts_dir / "staff-coupon-already-used.png"), full_page=True)

    coupon = member_table.get_item(Key=coupon_key(user, coupon_id), ConsistentRead=True)["Item"]
    assert coupon["used_at"] and coupon["used_by"] in (owner, clerk)


@pytest.mark.parametrize(
    ("problem", "reason_on_screen"),
    [
        ("expired", "このQRコードは有効期限が切れています。"),
        ("forged", "このQRコードは正しい会員証ではありません"),
        ("not a card", "会員証のQRコードではありません。"),
    ],
)
def test_a_card_that_is_not_live_is_refused_with_the_reason(
    local_stack, api, clerk, phone_page, artifacts_dir, problem, reason_on_screen
):
    user, card = a_member(api, name="期限 花子")
    live = card_qr(api, user)
    key = card_signing_key(LocalChannel().channel_secret)
    tokens = {
        # A screenshot of the card taken five minutes ago: genuinely signed, but its window is gone.
        "expired": str(issue_card_token(card["member_no"], user, key, time.time() - 300)),
        "forged": live[:-1] + ("A" if live[-1] != "A" else "B"),
        "not a card": "https://example.com/coupon",
    }
    open_console(phone_page, local_stack, clerk)
    scan(phone_page, tokens[problem])
    phone_page.locator("#scan-problem").get_by_text(reason_on_screen).wait_for()
    assert phone_page.locator("#screen-member").is_hidden()
    phone_page.screenshot(
        path=str(artifacts_dir / f"staff-scan-{problem.replace(' ', '-')}.png"), full_page=True
    )


def test_someone_not_on_the_staff_list_sees_only_the_notice(local_stack, api, phone_page, artifacts_dir):
    customer, _ = a_member(api, name="一般 花子")
    phone_page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={customer}#members")
    phone_page.get_by_text("このページはスタッフ専用です。").wait_for(timeout=15 * SECONDS)
    assert phone_page.locator("#tabs").is_hidden()
    assert phone_page.locator(".screen:visible").count() == 0
    phone_page.screenshot(path=str(artifacts_dir / "staff-not-staff.png"), full_page=True)


def test_staff_find_a_member_and_edit_tags_memos_and_flags(
    local_stack, api, member_table, clerk, phone_page, artifacts_dir
):
    phone_last4 = f"{uuid.uuid4().int % 10000:04d}"
    user, _ = a_member(api, name="検索 花子", phone=f"090-5555-{phone_last4}")
    tag = f"常連{uuid.uuid4().hex[:4]}"
    open_console(phone_page, local_stack, clerk, "members")
    phone_page.get_by_role("searchbox", name="検索").fill(phone_last4)
    phone_page.get_by_role("button", name="検索する").click()
    phone_page.locator("#search-results").get_by_text("検索 花子").first.click()
    phone_page.locator("#member-name").get_by_text("検索 花子").wait_for()

    phone_page.get_by_label("タグ（スペースまたは読点で区切る）").fill(f"{tag}、コーヒー好き")
    phone_page.get_by_role("button", name="タグを保存").click()
    phone_page.locator("#member-tags").get_by_text(tag).wait_for()
    phone_page.get_by_label("メモの種類").select_option(label="電話")
    phone_page.get_by_label("メモの内容").fill("予約の変更のお電話")
    phone_page.get_by_role("button", name="メモを追加").click()
    phone_page.locator("#member-memos").get_by_text("予約の変更のお電話").wait_for()

    phone_page.get_by_label("配信停止").check()
    phone_page.get_by_role("button", name="フラグを保存").click()
    phone_page.get_by_text("フラグを付けるときは理由を入力してください。").wait_for()
    phone_page.locator("#flag-do-not-send-reason").fill("ご本人のご希望")
    phone_page.get_by_role("button", name="フラグを保存").click()
    phone_page.locator("#member-flags").get_by_text("配信停止").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-member-edited.png"), full_page=True)

    stored = member_table.get_item(Key=member_key(user), ConsistentRead=True)["Item"]
    assert stored["tags"] == {tag, "コーヒー好き"}
    assert stored["do_not_send"] is True and stored["do_not_send_reason"] == "ご本人のご希望"
    phone_page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={clerk}#members")
    phone_page.get_by_role("searchbox", name="検索").fill(f"#{tag}")
    phone_page.get_by_role("button", name="検索する").click()
    phone_page.get_by_text("1人見つかりました。").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-search.png"), full_page=True)

    # Campaigns are the owner's: a clerk's composer tab says so and offers no form.
    phone_page.get_by_role("link", name="配信").click()
    phone_page.get_by_text("配信の作成と送信はオーナーのみ行えます。").wait_for()
    assert phone_page.locator("#composer").is_hidden()


def test_the_composer_counts_what_the_planner_sends_and_the_progress_bar_reaches_100(
    local_stack, line, api, member_table, owner, phone_page, artifacts_dir
):
    tag = f"配信{uuid.uuid4().hex[:6]}"
    eligible = [line.create_user(f"配信先{n}", follow=True) for n in range(3)]
    unsubscribed = line.create_user("配信停止さん", follow=True)
    tag_members(member_table, [*eligible, unsubscribed], tag)
    member_table.update_item(
        Key=member_key(unsubscribed),
        UpdateExpression="SET do_not_send = :on",
        ExpressionAttributeValues={":on": True},
    )
    marker = uuid.uuid4().hex[:8]

    open_console(phone_page, local_stack, owner, "campaign")
    phone_page.get_by_label("配信名（お客さまには表示されません）").fill(f"テスト配信 {marker}")
    phone_page.get_by_label("タグ（いずれかを持つ方）").fill(tag)
    estimate = phone_page.locator("#estimate[aria-busy=false]")
    estimate.get_by_text("対象 3人 ・ 消費 3通").wait_for(timeout=15 * SECONDS)
    live_count = int(estimate.get_attribute("data-recipients") or "-1")
    assert "1人を除きます" in estimate.inner_text()
    phone_page.get_by_label("本文").fill(f"{{name}}さま、今週末はポイント2倍です {marker}")
    assert phone_page.locator("#preview .chat-bubble").inner_text().startswith("山田 花子さま、今週末は")
    phone_page.screenshot(path=str(artifacts_dir / "staff-composer.png"), full_page=True)

    phone_page.get_by_role("button", name="内容を確認する").click()
    dialog = phone_page.get_by_role("dialog", name="この内容で配信しますか？")
    dialog.get_by_text("3人に配信します。消費通数は 3通です。").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-campaign-confirmation.png"), full_page=True)
    dialog.get_by_role("button", name="配信する").click()
    phone_page.locator("#progress").wait_for(state="visible")

    fire_due_campaigns(local_stack.urls.api)  # the one-time schedule's start, without the minute's wait
    bar = phone_page.get_by_role("progressbar", name="配信の進み具合")
    phone_page.wait_for_function(
        "() => document.querySelector('#progress-bar').getAttribute('aria-valuenow') === '100'",
        timeout=120 * SECONDS,
    )
    phone_page.get_by_text("配信が完了しました").wait_for()
    assert bar.get_attribute("aria-valuenow") == "100"
    assert phone_page.locator("[data-result=sent]").inner_text() == "3人"
    assert phone_page.locator("[data-result=skipped]").inner_text() == "1人"
    phone_page.screenshot(path=str(artifacts_dir / "staff-campaign-done.png"), full_page=True)

    received = [
        u for u in [*eligible, unsubscribed] if any(marker in m.get("text", "") for m in line.received(u))
    ]
    assert sorted(received) == sorted(eligible) and len(received) == live_count
    for user in eligible:
        [text] = [m["text"] for m in line.received(user) if marker in m.get("text", "")]
        assert not text.startswith("{name}")  # personalised on the way


def test_the_dashboard_draws_the_numbers_the_api_gives(
    local_stack, line, api, owner, phone_page, artifacts_dir
):
    line.create_user(unique("今日の友だち"), follow=True)
    a_member(api, name="集計 花子")
    with phone_page.expect_response("**/liff/api/staff/dashboard*") as answered:
        open_console(phone_page, local_stack, owner, "dashboard")
    board = answered.value.json()
    phone_page.locator("#daily-charts svg").first.wait_for()

    for series in ("friends_added", "blocks", "registrations"):
        bars = phone_page.locator(f"figure[data-series={series}] svg rect.chart-bar")
        drawn = [int(v) for v in bars.evaluate_all("bars => bars.map(bar => bar.dataset.value)")]
        assert drawn == [day[series] for day in board["days"]]
        total = sum(drawn)
        label = phone_page.locator(f"figure[data-series={series}] svg").get_attribute("aria-label") or ""
        assert label.endswith(f"合計{total}人")
    assert board["days"][-1]["friends_added"] >= 1 and board["days"][-1]["registrations"] >= 1
    assert phone_page.locator("[data-total=friends]").inner_text() == f"{board['totals']['friends']:,}人"
    assert phone_page.locator("[data-total=birthdays]").inner_text() == f"{board['birthdays_this_month']}人"
    used = phone_page.locator("#quota-chart rect.meter-used").get_attribute("data-used")
    assert used == str(board["quota"]["used"])
    names = phone_page.locator("#recent-campaigns .recent-campaign .result-name").all_inner_texts()
    assert names == [campaign["name"] for campaign in board["recent_campaigns"]]
    phone_page.screenshot(path=str(artifacts_dir / "staff-dashboard.png"), full_page=True)


def test_a_campaign_scheduled_for_later_is_saved_with_its_time_and_not_started(
    local_stack, line, api, member_table, owner, phone_page, artifacts_dir
):
    tag = f"予約{uuid.uuid4().hex[:6]}"
    tag_members(member_table, [line.create_user("予約先", follow=True)], tag)
    open_console(phone_page, local_stack, owner, "campaign")
    phone_page.get_by_label("配信名（お客さまには表示されません）").fill("来週のお知らせ")
    phone_page.get_by_label("タグ（いずれかを持つ方）").fill(tag)
    phone_page.locator("#estimate[aria-busy=false]").get_by_text("対象 1人").wait_for(timeout=15 * SECONDS)
    phone_page.get_by_label("本文").fill("来週から営業時間が変わります")
    phone_page.get_by_label("日時を指定する").check()
    phone_page.get_by_label("送信する日時").fill("2030-01-15T10:30")
    phone_page.get_by_role("button", name="内容を確認する").click()
    dialog = phone_page.get_by_role("dialog", name="この内容で配信しますか？")
    dialog.get_by_text("送信日時：1月15日").wait_for()
    with phone_page.expect_response("**/liff/api/staff/campaigns") as created:
        dialog.get_by_role("button", name="配信する").click()
    campaign_id = created.value.json()["campaign_id"]
    phone_page.get_by_text("に配信を予約しました。").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-campaign-scheduled.png"), full_page=True)

    status, saved = api.call("GET", f"/liff/api/staff/campaigns/{campaign_id}", owner)
    expected = phone_page.evaluate("() => new Date('2030-01-15T10:30').toISOString()")
    assert status == 200 and saved["status"] == "draft"
    assert datetime.fromisoformat(saved["send_at"]) == datetime.fromisoformat(expected)
    status, _ = api.call("POST", f"/liff/api/staff/campaigns/{campaign_id}/cancel", owner)
    assert status == 200
