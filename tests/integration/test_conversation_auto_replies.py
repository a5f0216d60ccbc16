"""Auto-replies through the LINE simulator: each kind of rule answers, priority decides, postbacks
answer, nothing matching means no reply, out-of-hours answers once a day, the loading animation
conforms to LINE's spec (the autouse check fails any request that breaks it), and the owner's bad
rules are refused with a reason."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.integration.conversation_api import STAFF, a_rule, auto_replies
from tests.integration.member_api import unique
from tests.integration.staff_api import items_under, member_item, new_template, registered_member


def new_replies(line, user: str, before: int) -> list[dict[str, Any]]:
    return line.received(user)[before:]


def say(line, user: str, text: str) -> list[dict[str, Any]]:
    """The customer writes `text`; what reached them in answer."""
    before = len(line.received(user))
    assert line.send_text(user, text) == 200
    return new_replies(line, user, before)


@pytest.fixture
def customer(line) -> str:
    return line.create_user(unique("自動応答"), follow=True)


def test_exact_contains_and_starts_with_rules_answer_whatever_the_width_kana_or_case(
    api, owner, line, customer, member_table
):
    with auto_replies(api, owner) as rules:
        exact = rules.add(match="exact", keywords=["エイギョウジカン"], text="10時から19時までです。")
        rules.add(match="contains", keywords=["ちゅうしゃじょう"], text="駐車場は2台ございます。")
        rules.add(match="starts_with", keywords=["WIFI"], text="Wi-Fiのパスワードは店内に掲示しています。")

        assert say(line, customer, "ｴｲｷﾞｮｳｼﾞｶﾝ") == [{"type": "text", "text": "10時から19時までです。"}]
        assert say(line, customer, "近くにチュウシャジョウはありますか") == [
            {"type": "text", "text": "駐車場は2台ございます。"}
        ]
        assert say(line, customer, "ｗｉｆｉ使えますか") == [
            {"type": "text", "text": "Wi-Fiのパスワードは店内に掲示しています。"}
        ]
        # Exact means the whole message: a longer one is not answered by it.
        assert say(line, customer, "えいぎょうじかんを教えて") == []

    # What was sent is in the conversation, with the rule that sent it.
    sent = [m for m in items_under(member_table, customer, "MSG#") if m["direction"] == "out"]
    assert {m["sent_by"] for m in sent} >= {f"auto_reply:{exact['rule_id']}"}


def test_a_message_no_rule_matches_gets_no_reply_at_all(api, owner, line, customer):
    with auto_replies(api, owner) as rules:
        rules.add(match="contains", keywords=[unique("どれにも")])
        assert say(line, customer, "ありがとうございました") == []


def test_of_two_matching_rules_the_higher_priority_answers(api, owner, line, customer):
    word = unique("予約")
    with auto_replies(api, owner) as rules:
        rules.add(match="contains", keywords=[word], priority=50, text="二番目")
        rules.add(match="contains", keywords=[word], priority=10, text="一番目")
        assert say(line, customer, f"{word}したいです") == [{"type": "text", "text": "一番目"}]


def test_the_shop_information_card_and_a_liff_link_answer(api, owner, line, customer):
    with auto_replies(api, owner) as rules:
        info = rules.add(match="exact", answer="shop_info", text=None)
        link = rules.add(
            match="exact",
            answer="liff_link",
            text="会員証はこちらです。",
            liff_page="card",
            button_label="会員証を開く",
        )

        [card] = say(line, customer, info["keywords"][0])
        assert card["type"] == "flex" and card["altText"].endswith("のお店の情報")

        [button] = say(line, customer, link["keywords"][0])
        assert button["type"] == "flex" and "会員証を開く" in json.dumps(button, ensure_ascii=False)
        assert "https://liff.line.me/" in json.dumps(button)


def test_a_coupon_rule_shows_the_loading_animation_and_gives_the_member_the_coupon_once(
    api, owner, line, member_table
):
    template = new_template(api, owner, title=unique("自動クーポン"))
    user, _ = registered_member(api)
    with auto_replies(api, owner) as rules:
        rule = rules.add(match="exact", answer="coupon", text=None, template_id=template["template_id"])
        loading_before = len(line.chat_events(user))

        [first] = say(line, user, rule["keywords"][0])
        assert "お届けしました" in json.dumps(first, ensure_ascii=False)
        loading = line.chat_events(user)[loading_before:]
        assert [event["message"] for event in loading] == [{"type": "loading", "loadingSeconds": 5}]

        [second] = say(line, user, rule["keywords"][0])
        assert "受け取り済み" in json.dumps(second, ensure_ascii=False)
    coupons = items_under(member_table, user, "COUPON#")
    assert [c["coupon_id"] for c in coupons if c.get("template_id") == template["template_id"]] == [
        f"{template['template_id']}-auto-{rule['rule_id']}"
    ]


def test_a_rule_adds_its_tag_to_the_member(api, owner, line, member_table):
    user, _ = registered_member(api)
    with auto_replies(api, owner) as rules:
        rule = rules.add(add_tag="問い合わせ")
        say(line, user, rule["keywords"][0])
    assert "問い合わせ" in member_item(member_table, user)["tags"]


def test_a_postback_rule_answers_the_button(api, owner, line, customer):
    data = f"action=question&id={unique('q')}"
    with auto_replies(api, owner) as rules:
        rules.add(match="postback", keywords=[data], text="ボタンへのお答えです。")
        before = len(line.received(customer))
        assert line.send_postback(customer, data) == 200
        assert new_replies(line, customer, before) == [{"type": "text", "text": "ボタンへのお答えです。"}]


def test_out_of_hours_answers_once_a_day_and_a_matching_rule_still_answers(api, owner, line, customer):
    closed = {
        "enabled": True,
        "closed_weekdays": [0, 1, 2, 3, 4, 5, 6],
        "message": "本日の営業は終了しました。",
    }
    with auto_replies(api, owner) as rules:
        rule = rules.add(text="ルールのお答え")
        rules.settings(out_of_hours=closed)
        assert say(line, customer, "こんばんは") == [{"type": "text", "text": "本日の営業は終了しました。"}]
        assert say(line, customer, "まだいますか") == []
        assert say(line, customer, rule["keywords"][0]) == [{"type": "text", "text": "ルールのお答え"}]


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"keywords": [""]}, "too_short"),
        ({"keywords": ["よやく", "ﾖﾔｸ"]}, "duplicate_keyword"),
        ({"keywords": ["予約.*"]}, "regex_not_supported"),
        ({"keywords": ["^予約$"]}, "regex_not_supported"),
        ({"text": "あ" * 5001}, "too_long"),
        ({"answer": "coupon", "text": None}, "template_required"),
        ({"answer": "liff_link", "liff_page": "card"}, "button_label_required"),
    ],
)
def test_a_bad_rule_is_refused_with_the_reason(api, owner, change, code):
    status, answer = api.call("PUT", f"{STAFF}/auto-replies/badrule", owner, a_rule(**change))
    assert status == 422, answer
    assert code in [problem["code"] for problem in answer["errors"]], answer


def test_clerks_cannot_change_rules_and_the_test_box_says_which_rule_answers(api, owner, clerk):
    status, _ = api.call("PUT", f"{STAFF}/auto-replies/byclerk", clerk, a_rule())
    assert status == 403
    word = unique("テスト")
    with auto_replies(api, owner) as rules:
        rule = rules.add(match="starts_with", keywords=[word])
        status, answer = api.call("POST", f"{STAFF}/auto-replies/test", owner, {"text": f"{word}です"})
        assert status == 200 and answer["rule"]["rule_id"] == rule["rule_id"]
        status, answer = api.call("POST", f"{STAFF}/auto-replies/test", owner, {"text": "関係ない"})
        assert status == 200 and answer["rule"] is None
