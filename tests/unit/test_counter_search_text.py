"""The counter's search forgives: hiragana = katakana, full = half width, 「1」 = 000001, # or not."""

import pytest

from daifuku.domain.search_text import member_number_candidates, search_form, tag_in_query
from daifuku.models.shop import MemberNumberFormat

SIX_DIGITS = MemberNumberFormat()
PREFIXED = MemberNumberFormat(prefix="DF", digits=5)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("やまだ", "ヤマダ ハナコ"),  # hiragana finds katakana
        ("ヤマダ", "やまだ はなこ"),  # and the other way
        ("ﾔﾏﾀﾞ", "ヤマダ"),  # half-width katakana with its voiced mark
        ("ハナコ", "ﾔﾏﾀﾞ ﾊﾅｺ"),  # stored half width
        ("ｙａｍａｄａ", "Yamada Hanako"),  # full-width latin, any case
        ("山田花子", "山田 花子"),  # a space typed or not
        ("山田　花子", "山田花子"),  # a full-width space
        ("ヴィ", "ゔぃ"),  # ヴ has its hiragana
        ("コーヒー", "こーひー"),  # the long vowel mark stays as it is on both sides
    ],
)
def test_a_query_matches_what_a_person_would_call_the_same_name(typed, stored):
    assert search_form(typed) in search_form(stored)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [("やまだ", "山田"), ("たなか", "ヤマダ"), ("ば", "は"), ("ぱ", "ば")],
)
def test_different_names_stay_different(typed, stored):
    assert search_form(typed) not in search_form(stored)


@pytest.mark.parametrize(
    ("typed", "number_format", "means"),
    [
        ("1", SIX_DIGITS, "000001"),
        ("１２", SIX_DIGITS, "000012"),  # full-width digits
        (" 000123 ", SIX_DIGITS, "000123"),
        ("123456", SIX_DIGITS, "123456"),
        ("7", PREFIXED, "DF00007"),  # the prefix added
        ("df7", PREFIXED, "DF00007"),  # or typed in lower case
        ("ＤＦ００７", PREFIXED, "DF00007"),
    ],
)
def test_a_typed_number_is_padded_to_the_shops_format(typed, number_format, means):
    assert means in member_number_candidates(typed, number_format)


def test_a_number_longer_than_the_format_is_only_itself():
    assert member_number_candidates("1234567", SIX_DIGITS) == ["1234567"]


@pytest.mark.parametrize(
    ("query", "tag"),
    [("#常連", "常連"), ("＃常連", "常連"), ("# VIP", "VIP"), ("常連", None), ("", None)],
)
def test_a_tag_is_named_with_either_width_of_hash(query, tag):
    assert tag_in_query(query) == tag
