"""The トーク tab in headless Chromium on a 360 px phone: a customer writes in LINE, the clerk sees the
unread conversation, opens it beside the customer's card, answers with a saved reply tapped twice,
and the customer receives it once, with their message marked read (既読)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.member_api import a_form, unique

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds


def test_a_clerk_answers_a_customer_with_a_saved_reply_once_despite_a_double_tap(
    local_stack, api, line, clerk, phone_page, artifacts_dir
):
    # Given a member who writes to the shop, and a saved reply of the staff
    user = api.simulated_user(unique("トーク"), follow=True)
    form = a_form(name="会話 花子")
    assert api.register(user, form)[0] == 200
    assert line.send_text(user, "今日は何時まで営業していますか") == 200
    saved_id = uuid.uuid4().hex[:10]
    saved = {"title": unique("営業時間"), "text": "{name}さま、本日は19時まで営業しております。"}
    assert api.call("PUT", f"/liff/api/staff/saved-replies/{saved_id}", clerk, saved)[0] == 200

    # When the clerk opens トーク, the conversation is listed as unread, waiting for a reply
    page = phone_page
    page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={clerk}#talk")
    row = page.locator(f'#talk-list li[data-user-id="{user}"]')
    row.wait_for(timeout=15 * SECONDS)
    assert "未読 1件" in row.inner_text() and "要返信" in row.inner_text()
    page.screenshot(path=str(artifacts_dir / "conversation-inbox.png"), full_page=True)

    # and opening it shows the message beside the member's card
    row.get_by_role("link").click()
    page.locator("#talk-member-name").get_by_text("会話 花子").wait_for(timeout=15 * SECONDS)
    assert "今日は何時まで営業していますか" in page.locator("#talk-messages").inner_text()
    facts = page.locator("#talk-member-facts").inner_text()
    assert "会員番号" in facts and "ポイント" in facts
    page.locator("#talk-cost", has_text="1通").wait_for(timeout=15 * SECONDS)  # the quota, once LINE answers

    # Then a saved reply, sent with a double tap, reaches the customer once
    page.locator("#talk-saved option", has_text=saved["title"]).wait_for(state="attached")
    page.locator("#talk-saved").select_option(label=saved["title"])
    page.locator("#talk-send").dblclick()
    page.locator("#talk-done").get_by_text("送信しました。").wait_for(timeout=15 * SECONDS)
    page.locator("#talk-messages").get_by_text("会話 花子さま、本日は19時まで営業しております。").wait_for()
    page.screenshot(path=str(artifacts_dir / "conversation-reply.png"), full_page=True)

    received = [m for m in line.received(user) if "本日は19時まで営業しております" in m.get("text", "")]
    assert received == [{"type": "text", "text": "会話 花子さま、本日は19時まで営業しております。"}]
    # and the customer sees their message read
    [message] = [e for e in line.sent_by_user(user) if e["via"] == "text"]
    assert message["read"] is True

    # and the conversation no longer waits for a reply
    page.get_by_role("link", name="トーク一覧へ戻る").click()
    page.locator("#talk-filters button[data-filter=needs_reply]").click()
    page.locator("#talk-list").wait_for()
    gone = "user => !document.querySelector(`#talk-list li[data-user-id='${user}']`)"
    page.wait_for_function(gone, arg=user, timeout=15 * SECONDS)
