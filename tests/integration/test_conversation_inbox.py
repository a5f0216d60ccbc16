"""The staff inbox through the local stack: messages stored per conversation (a burst of 100 all kept,
in order, once), the list newest first with unread counts and filters, opening marks read (for the
customer too, through markAsRead as LINE's spec says), replies pushed once per reply id, 「対応済み」,
saved replies, photos in the private bucket, and retention and deletion."""

from __future__ import annotations

import base64
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

from daifuku_local.line_platform.webhook_events import text_message_event
from tests.integration.campaign_api import tag_members
from tests.integration.conversation_api import STAFF, auto_replies, inbox, open_conversation, reply
from tests.integration.member_api import unique
from tests.integration.staff_api import items_under, registered_member

PNG = base64.b64encode(
    base64.b64decode(
        "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
    )
).decode()


def listed(answer: dict, user: str) -> dict | None:
    return next((c for c in answer["conversations"] if c["user_id"] == user), None)


def test_a_burst_of_100_messages_in_one_second_is_stored_in_order_once(line, member_table):
    user = line.create_user(unique("連投"), follow=True)
    events = [text_message_event(user, uuid.uuid4().hex, f"メッセージ{n:03d}") for n in range(100)]
    for n, event in enumerate(events):
        event["timestamp"] = events[0]["timestamp"] + n * 7  # 100 messages within 0.7 seconds
    # LINE delivers them in several requests at once, in no particular order, and delivers a request
    # again when it got no answer in time (a loaded machine may be slow to answer ten at once).
    requests = [events[n::10] for n in range(10)]

    def delivered(request: list[dict]) -> int:
        for _ in range(5):
            status = line.send_events(request)
            if status == 200:
                return status
        return status

    with ThreadPoolExecutor(max_workers=3) as pool:
        assert list(pool.map(delivered, requests)) == [200] * 10
        assert list(pool.map(delivered, requests)) == [200] * 10  # the same again: nothing twice
    stored = [m for m in items_under(member_table, user, "MSG#") if m["direction"] == "in"]
    assert [m["text"] for m in stored] == [f"メッセージ{n:03d}" for n in range(100)]
    summary = member_table.get_item(Key={"pk": f"USER#{user}", "sk": "CONVERSATION"})["Item"]
    assert summary["unread_count"] == 100 and summary["needs_reply"] is True


def test_the_clerk_sees_the_unread_conversation_opens_it_and_the_customer_sees_it_read(
    api, clerk, line, member_table
):
    user, member_no = registered_member(api)
    assert line.send_text(user, "明日の予約を変更できますか") == 200
    assert line.send_sticker(user) == 200

    shown = listed(inbox(api, clerk, filter="unread"), user)
    assert shown is not None and shown["unread_count"] == 2 and shown["needs_reply"] is True
    assert shown["last_message_preview"] == "[スタンプ]" and shown["member_no"] == member_no
    # Newest first, among conversations of the present: a test that moved the local stack's clock
    # forward leaves conversations dated ahead of it, listed first.
    present = [
        c["user_id"]
        for c in inbox(api, clerk)["conversations"]
        if datetime.fromisoformat(c["last_message_at"]) <= datetime.now(UTC)
    ]
    assert present[0] == user

    opened = open_conversation(api, clerk, user)
    assert opened["marked_read"] is True and opened["conversation"]["unread_count"] == 0
    assert [m["kind"] for m in opened["messages"]][-2:] == ["text", "sticker"]
    assert opened["member"]["member_no"] == member_no and opened["reply_cost"] == 1
    assert all(entry["read"] for entry in line.sent_by_user(user) if entry["via"] in ("text", "sticker"))
    assert listed(inbox(api, clerk, filter="unread"), user) is None
    assert listed(inbox(api, clerk, filter="needs_reply"), user) is not None


def test_a_reply_is_pushed_once_despite_a_double_tap_and_clears_needs_reply(api, clerk, line):
    user, _ = registered_member(api)
    line.send_text(user, "営業していますか")
    reply_id = uuid.uuid4().hex
    first = reply(api, clerk, user, "{name}さま、本日は営業しております。", reply_id)
    second = reply(api, clerk, user, "{name}さま、本日は営業しております。", reply_id)
    assert first == (200, {"sent": True, "duplicate": False, "cost": 1})
    assert second == (200, {"sent": True, "duplicate": True, "cost": 0})
    pushed = [m for m in line.received(user) if "本日は営業しております" in m.get("text", "")]
    assert len(pushed) == 1 and "{name}" not in pushed[0]["text"]

    opened = open_conversation(api, clerk, user)
    outgoing = [m for m in opened["messages"] if m["direction"] == "out"]
    assert [m["sent_by_label"] for m in outgoing][-1] == "スタッフの返信"
    assert opened["conversation"]["needs_reply"] is False
    assert listed(inbox(api, clerk, filter="needs_reply"), user) is None


def test_handled_clears_needs_reply_and_the_tag_filter_finds_tagged_members(api, clerk, line, member_table):
    user, _ = registered_member(api)
    tag = unique("常連")[:20]
    tag_members(member_table, [user], tag)
    line.send_text(user, "ありがとうございました")
    assert [c["user_id"] for c in inbox(api, clerk, tag=tag)["conversations"]] == [user]
    status, answer = api.call("POST", f"{STAFF}/conversations/{user}/handled", clerk)
    assert (status, answer) == (200, {"needs_reply": False})
    assert listed(inbox(api, clerk, filter="needs_reply"), user) is None


def test_replies_to_a_blocked_or_unknown_customer_are_refused(api, clerk, line):
    user = line.create_user(unique("ブロック"), follow=True)
    line.send_text(user, "さようなら")
    line.block(user)
    assert reply(api, clerk, user, "またお待ちしております。")[0] == 409
    stranger = line.create_user(unique("未会話"))
    status, answer = reply(api, clerk, stranger, "こんにちは")
    assert (status, answer["code"]) == (404, "conversation_not_found")
    status, _ = api.call("POST", f"{STAFF}/conversations/{stranger}/open", api.simulated_user())
    assert status == 403


def test_saved_replies_are_kept_for_the_staff(api, clerk):
    saved_id = uuid.uuid4().hex[:10]
    body = {"title": "営業時間", "text": "{name}さま、営業時間は10時から19時です。"}
    status, saved = api.call("PUT", f"{STAFF}/saved-replies/{saved_id}", clerk, body)
    assert status == 200 and saved["saved_reply_id"] == saved_id
    status, answer = api.call("GET", f"{STAFF}/saved-replies", clerk)
    assert status == 200 and saved in answer["saved_replies"]
    assert api.call("DELETE", f"{STAFF}/saved-replies/{saved_id}", clerk)[0] == 200


def test_a_photo_is_kept_in_the_private_bucket_and_shown_through_a_short_lived_link(api, clerk, line):
    user, _ = registered_member(api)
    assert line.send_image(user, PNG) == 200
    opened = open_conversation(api, clerk, user)
    [image] = [m for m in opened["messages"] if m["kind"] == "image"]
    assert "X-Amz-Expires=300" in image["image_url"]
    with urllib.request.urlopen(image["image_url"], timeout=10) as response:
        assert response.read() == base64.b64decode(PNG)


def test_messages_past_the_retention_are_gone_from_the_table_and_the_bucket(
    api, owner, line, member_table, local_stack
):
    user, _ = registered_member(api)
    with auto_replies(api, owner) as rules:
        rules.settings(retention_days=30)
        line.send_text(user, "30日で消えるメッセージ")
        line.send_image(user, PNG)

    def customer_messages() -> list[dict]:
        return [m for m in items_under(member_table, user, "MSG#") if m["direction"] == "in"]

    assert len(customer_messages()) == 2
    assert expire(local_stack, user, days=29) == {"items": 0, "objects": 0}
    assert expire(local_stack, user, days=31) == {"items": 3, "objects": 1}  # 2 messages, the summary
    assert customer_messages() == []
    # The welcome was sent while the shop kept messages for 180 days: it stays until then.
    assert [m["sent_by"] for m in items_under(member_table, user, "MSG#")] == ["welcome"]


def test_a_customer_deleting_their_data_deletes_their_messages_and_photos_at_once(
    api, clerk, line, member_table, local_stack
):
    user, _ = registered_member(api)
    line.send_text(user, "退会します")
    line.send_image(user, PNG)
    opened = open_conversation(api, clerk, user)
    image_url = next(m["image_url"] for m in opened["messages"] if m["kind"] == "image")
    assert api.delete_my_data(user)[0] == 200
    assert items_under(member_table, user, "MSG#") == []
    assert items_under(member_table, user, "CONVERSATION") == []
    try:
        urllib.request.urlopen(image_url, timeout=10)
        raise AssertionError("the photo is still in the bucket")
    except urllib.error.HTTPError as error:
        assert error.code == 404


def expire(local_stack, user: str, days: int) -> dict:
    import json

    request = urllib.request.Request(
        f"{local_stack.urls.api}/_local/expiry/run?days_ahead={days}&user_id={user}", data=b"", method="POST"
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return dict(json.loads(response.read()))


def test_a_campaign_shows_in_the_recipients_conversation_with_its_name(api, owner, line, member_table):
    from tests.integration.campaign_api import compose, fire_due_campaigns, wait_until_finished

    user, _ = registered_member(api)
    tag = unique("配信先")[:20]
    tag_members(member_table, [user], tag)
    line.send_text(user, "よろしくお願いします")
    campaign_id = compose(api, owner, {"tags_any": [tag]}, "新作のご案内です。")
    fire_due_campaigns(api.api_url)
    assert wait_until_finished(api, owner, campaign_id)["sent"] == 1
    sent = [m for m in open_conversation(api, owner, user)["messages"] if m["direction"] == "out"]
    assert sent[-1]["text"] == "新作のご案内です。" and sent[-1]["sent_by"] == f"campaign:{campaign_id}"
    assert sent[-1]["sent_by_label"].startswith("配信「")


def test_staff_who_asked_hear_of_new_messages_without_their_text(api, line, member_table):
    from daifuku.adapters.dynamodb.keys import staff_key

    staff = line.create_user(unique("通知係"), follow=True)
    member_table.put_item(Item={**staff_key(staff), "role": "staff"})
    assert api.call("PUT", f"{STAFF}/conversation-alerts", staff, {"new_message_alerts": True})[0] == 200
    try:
        customer = line.create_user(unique("相談"), follow=True)
        line.send_text(customer, "内緒の相談があります")
        alerts = [m for m in line.received(staff) if "新しいメッセージ" in m.get("text", "")]
        assert len(alerts) == 1 and "内緒の相談" not in alerts[0]["text"]
    finally:
        api.call("PUT", f"{STAFF}/conversation-alerts", staff, {"new_message_alerts": False})
