"""Which auto-reply rule answers: plain keywords compared after width, kana and case are folded,
lowest priority first, postbacks by their exact data, and the shop's hours (also past midnight)."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from daifuku.domain.auto_replies import first_match, is_out_of_hours
from daifuku.models.conversations import AutoReplyRule, ConversationSettings, OutOfHours

TOKYO = ZoneInfo("Asia/Tokyo")


def rule(rule_id: str, match: str, *keywords: str, priority: int = 100, **more) -> AutoReplyRule:
    return AutoReplyRule(
        rule_id=rule_id,
        name=rule_id,
        match=match,
        keywords=keywords,
        priority=priority,
        answer="text",
        text="x",
        **more,
    )


@pytest.mark.parametrize(
    ("match", "keyword", "said", "answers"),
    [
        ("exact", "エイギョウ", "ｴｲｷﾞｮｳ", True),
        ("exact", "営業時間", "営業時間は？", False),
        ("contains", "ちゅうしゃじょう", "チュウシャジョウはありますか", True),
        ("starts_with", "WiFi", "ｗｉｆｉ　ありますか", True),
        ("starts_with", "WiFi", "ここにWiFiは", False),
    ],
)
def test_keywords_match_whatever_the_width_kana_case_or_spaces(match, keyword, said, answers):
    assert (first_match([rule("r", match, keyword)], text=said) is not None) is answers


def test_the_lowest_priority_answers_then_the_rule_id():
    rules = [
        rule("b", "contains", "予約", priority=5),
        rule("a", "contains", "予約", priority=5),
        rule("c", "contains", "予約", priority=1),
    ]
    assert first_match(rules, text="予約したい").rule_id == "c"
    assert first_match(rules[:2], text="予約したい").rule_id == "a"


def test_postback_rules_answer_only_their_exact_data_and_disabled_rules_never():
    rules = [rule("p", "postback", "action=hours"), rule("off", "contains", "時間", enabled=False)]
    assert first_match(rules, postback_data="action=hours").rule_id == "p"
    assert first_match(rules, postback_data="action=hours&x=1") is None
    assert first_match(rules, text="action=hours") is None
    assert first_match(rules, text="営業時間") is None


@given(st.text(max_size=300))
def test_any_message_is_matched_without_error_and_in_bounded_time(text):
    rules = [rule("a", "contains", "ああ"), rule("b", "starts_with", "(a+)+$x"[:5].replace("(", "（"))]
    first_match(rules, text=text)


@pytest.mark.parametrize("keyword", ["予約.*", "^予約", "予約$", "a|b", "\\d+", "(?i)a"])
def test_regular_expressions_are_refused(keyword):
    with pytest.raises(ValidationError, match="regex_not_supported"):
        rule("r", "contains", keyword)


def test_duplicate_keywords_after_folding_are_refused():
    with pytest.raises(ValidationError, match="duplicate_keyword"):
        rule("r", "contains", "よやく", "ﾖﾔｸ")


@pytest.mark.parametrize(
    ("opens", "closes", "local_time", "closed"),
    [
        ("10:00", "19:00", "09:59", True),
        ("10:00", "19:00", "10:00", False),
        ("10:00", "19:00", "19:00", True),
        ("18:00", "02:00", "01:30", False),
        ("18:00", "02:00", "03:00", True),
    ],
)
def test_the_shop_hours_decide_out_of_hours_also_past_midnight(opens, closes, local_time, closed):
    settings = ConversationSettings(out_of_hours=OutOfHours(enabled=True, opens=opens, closes=closes))
    at = datetime.fromisoformat(f"2026-12-07T{local_time}:00+09:00").astimezone(UTC)  # a Monday
    assert is_out_of_hours(settings, at, TOKYO) is closed


def test_a_closed_weekday_is_out_of_hours_all_day_and_disabled_means_never():
    monday_noon = datetime(2026, 12, 7, 3, 0, tzinfo=UTC)
    closed_mondays = ConversationSettings(out_of_hours=OutOfHours(enabled=True, closed_weekdays=(0,)))
    assert is_out_of_hours(closed_mondays, monday_noon, TOKYO)
    assert not is_out_of_hours(ConversationSettings(), monday_noon, TOKYO)
