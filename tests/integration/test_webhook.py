"""Friends: LINE's webhook, through the local stack and the LINE simulator."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from daifuku.domain.webhook_signature import sign_webhook_body
from daifuku.models.shop import WelcomeMessages
from daifuku_local.aws_resources import LocalChannel
from daifuku_local.line_platform.webhook_events import follow_event, unfollow_event

pytestmark = pytest.mark.slow


def unique_name(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


def post_webhook(api: str, body: bytes, signature: str | None) -> int:
    request = urllib.request.Request(f"{api}/webhook", data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    if signature is not None:
        request.add_header("X-Line-Signature", signature)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


@pytest.mark.parametrize("signed", [False, True], ids=["unsigned", "signed"])
def test_a_body_that_is_not_utf8_gets_the_webhooks_own_answer(local_stack, signed):
    # Given a webhook body in Shift_JIS, as a misconfigured proxy might send it
    body = json.dumps({"destination": "U" + "d" * 32, "events": []}, ensure_ascii=False)
    body = body.replace("[]", '[{"type": "message", "text": "こんにちは"}]').encode("shift_jis")
    request = urllib.request.Request(f"{local_stack.urls.api}/webhook", data=body, method="POST")
    request.add_header("Content-Type", "application/json; charset=utf-8")
    if signed:
        request.add_header("X-Line-Signature", sign_webhook_body(body, LocalChannel().channel_secret))

    # When it is posted
    with pytest.raises(urllib.error.HTTPError) as answer:
        urllib.request.urlopen(request, timeout=10)

    # Then the webhook itself answers: unsigned, 401; signed but unreadable, 400
    assert answer.value.headers["content-type"] == "application/json"
    expected = (400, "malformed webhook body") if signed else (401, "invalid signature")
    assert (answer.value.code, json.loads(answer.value.read())["message"]) == expected


def stored(member_table, user_id: str) -> dict | None:
    return member_table.get_item(Key={"pk": f"USER#{user_id}", "sk": "MEMBER"}, ConsistentRead=True).get(
        "Item"
    )


def welcome_messages(line, user_id: str) -> list[dict]:
    return [
        m
        for m in line.received(user_id)
        if "友だち追加ありがとうございます" in json.dumps(m, ensure_ascii=False)
    ]


def test_a_new_friend_is_recorded_with_profile_welcomed_and_given_the_registration_menu(line, member_table):
    name = unique_name("新規ともだち")
    user = line.create_user(name, status_message="甘いものが好き", picture_url="https://example.com/p.png")
    assert line.follow(user) == 200
    friend = stored(member_table, user)
    assert friend["display_name"] == name
    assert friend["status_message"] == "甘いものが好き"
    assert friend["picture_url"] == "https://example.com/p.png"
    assert friend["blocked"] is False and friend["first_followed_at"] == friend["followed_at"]
    [welcome] = welcome_messages(line, user)
    button = welcome["contents"]["footer"]["contents"][0]["action"]
    assert button["uri"] == "https://liff.line.me/local-register"
    assert line.rich_menu(user)["name"] == "会員登録メニュー"


@pytest.mark.parametrize(
    "signature",
    [None, "", sign_webhook_body(b"other body", LocalChannel().channel_secret), "forged"],
    ids=["missing", "empty", "for-another-body", "forged"],
)
def test_unsigned_or_forged_webhooks_are_refused_and_change_nothing(
    local_stack, line, member_table, signature
):
    user = line.create_user(unique_name("偽物"))
    body = json.dumps(
        {"destination": "U" + "d" * 32, "events": [follow_event(user, "r" * 32, False)]}
    ).encode()
    assert post_webhook(local_stack.urls.api, body, signature) == 401
    assert stored(member_table, user) is None
    assert line.received(user) == []


def test_a_webhook_signed_with_another_channel_secret_is_refused(local_stack, line, member_table):
    user = line.create_user(unique_name("別チャネル"))
    body = json.dumps(
        {"destination": "U" + "d" * 32, "events": [follow_event(user, "r" * 32, False)]}
    ).encode()
    assert post_webhook(local_stack.urls.api, body, sign_webhook_body(body, "another-channel-secret")) == 401
    assert stored(member_table, user) is None


@pytest.mark.parametrize(
    ("body", "status"),
    [(b"{not json", 400), (b'{"destination": "U1"}', 400), (b'{"destination":"U1","events":[]}', 200)],
    ids=["malformed", "no-events", "console-verification"],
)
def test_bodies_that_are_not_events_never_get_a_5xx(local_stack, body, status):
    signature = sign_webhook_body(body, LocalChannel().channel_secret)
    assert post_webhook(local_stack.urls.api, body, signature) == status


def test_an_oversized_body_is_refused(local_stack):
    body = json.dumps({"destination": "U1", "events": [], "padding": "x" * 70_000}).encode()
    assert (
        post_webhook(local_stack.urls.api, body, sign_webhook_body(body, LocalChannel().channel_secret))
        == 413
    )


def test_the_same_event_five_times_in_a_row_is_applied_once(line, member_table):
    user = line.create_user(unique_name("再送"))
    line.follow(user)
    [event] = [e for e in line.sent_webhooks() if e["source"].get("userId") == user]
    before = stored(member_table, user)
    for _ in range(4):
        assert line.redeliver(event["webhookEventId"]) == 200
    assert stored(member_table, user) == before
    assert len(welcome_messages(line, user)) == 1


def test_the_same_event_five_times_at_once_is_applied_once(line, member_table):
    user = line.create_user(unique_name("同時"))
    event = line.follow_without_webhook(user)
    statuses: list[int] = []
    threads = [threading.Thread(target=lambda: statuses.append(line.send_events([event]))) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert statuses == [200] * 5
    assert stored(member_table, user)["display_name"].startswith("同時")
    assert len(welcome_messages(line, user)) == 1
    claim = member_table.get_item(
        Key={"pk": f"WEBHOOK_EVENT#{event['webhookEventId']}", "sk": "WEBHOOK_EVENT"}
    )
    assert claim["Item"]["state"] == "done"


def test_block_then_unblock_records_both_and_alerts_staff_only_once(line, member_table):
    owner = next(
        u
        for u in json.loads(json.dumps(line._call("GET", "/_sim/users")))
        if u["display_name"].startswith("店長")
    )
    name = unique_name("出戻り")
    user = line.create_user(name)
    # Given this minute's alert allowance is not used up by the suite's earlier follows (a busy
    # minute's alerts are capped at staff_alerts_per_minute by design).
    now = datetime.now(UTC)
    for minute in (now, now + timedelta(minutes=1)):
        member_table.delete_item(Key={"pk": f"STAFF_ALERTS#{minute:%Y-%m-%dT%H:%M}", "sk": "COUNT"})
    line.follow(user)
    line.block(user)
    blocked = stored(member_table, user)
    assert blocked["blocked"] is True and "blocked_at" in blocked
    line.follow(user)
    returned = stored(member_table, user)
    assert returned["blocked"] is False and "blocked_at" not in returned
    assert blocked.get("is_unblocked") is False and returned["is_unblocked"] is True
    assert returned["first_followed_at"] == blocked["first_followed_at"]
    alerts = [m for m in line.received(owner["user_id"]) if name in m.get("text", "")]
    assert len(alerts) == 1
    assert "おかえりなさい" in json.dumps(line.received(user)[-1], ensure_ascii=False)


def test_an_unfollow_delivered_before_its_older_follow_wins_and_the_follow_sends_nothing(line, member_table):
    user = line.create_user(unique_name("順不同"))
    follow = line.follow_without_webhook(user)
    unfollow = {**unfollow_event(user), "timestamp": follow["timestamp"] + 1000}
    assert line.send_events([unfollow]) == 200
    assert line.send_events([follow]) == 200
    friend = stored(member_table, user)
    assert friend["blocked"] is True and "followed_at" not in friend
    assert welcome_messages(line, user) == []
    assert line.redeliver(unfollow["webhookEventId"]) == 200
    assert stored(member_table, user) == friend


def test_a_returning_member_is_welcomed_back_as_a_member(line, member_table):
    user = line.create_user(unique_name("会員の出戻り"))
    line.follow(user)
    line.block(user)
    member_table.update_item(
        Key={"pk": f"USER#{user}", "sk": "MEMBER"},
        UpdateExpression="SET member_no = :no, #status = :guest",
        ExpressionAttributeNames={"#status": "status"},
        ExpressionAttributeValues={":no": "990001", ":guest": "guest"},
    )
    line.follow(user)
    returned = stored(member_table, user)
    assert returned["blocked"] is False and returned["member_no"] == "990001"
    assert line.received(user)[-1]["text"] == WelcomeMessages().returning_member
    assert line.rich_menu(user)["name"] == "会員メニュー"


def test_every_event_type_in_webhook_yml_is_accepted(line):
    user = line.create_user(unique_name("全種類"), follow=True)
    for event in line.event_samples(user):
        assert line.send_events([event]) == 200, event["type"]


def test_messages_and_postbacks_record_the_last_interaction_without_auto_replies(line, member_table):
    user = line.create_user(unique_name("会話"), follow=True)
    received_before = len(line.received(user))
    assert line.send_text(user, "駐車場はありますか") == 200
    assert stored(member_table, user)["last_interaction_kind"] == "message:text"
    assert len(line.received(user)) == received_before
    assert line.send_postback(user, "action=register") == 200
    assert "liff.line.me/local-register" in json.dumps(line.received(user)[-1])


def test_no_display_name_or_message_text_reaches_the_logs(local_stack, line):
    name = unique_name("ログに出ない名前")
    secret_text = unique_name("ログに出ない本文")
    user = line.create_user(name, status_message="ログに出ない一言")
    line.follow(user)
    line.send_text(user, secret_text)
    line.block(user)
    log = local_stack.log_text()
    assert "webhook event" in log, "the webhook did log its events"
    for personal in (name, secret_text, "ログに出ない一言"):
        assert personal not in log
