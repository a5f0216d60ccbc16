"""The card's QR token: good for its 30-second window and the next, useless as a screenshot after that,
and impossible to make without the deployment's key."""

from __future__ import annotations

import pytest

from daifuku.domain.card_token import (
    WINDOW_SECONDS,
    card_signing_key,
    issue_card_token,
    read_card_token,
    verify_card_token,
)
from daifuku.domain.errors import ExpiredCardToken, InvalidCardToken

KEY = card_signing_key("channel-secret-of-this-shop")
USER = "U" + "a" * 32
OTHER_USER = "U" + "b" * 32
NOW = 1_749_999_995.0  # 5 s into a window


def token_at(now: float, member_no: str = "000123", user_id: str = USER) -> str:
    return str(issue_card_token(member_no, user_id, KEY, now))


def test_a_fresh_token_is_accepted_and_names_the_member_number():
    token = token_at(NOW)
    assert verify_card_token(token, USER, KEY, NOW).member_no == "000123"
    assert read_card_token(token).member_no == "000123"


def test_the_token_is_compact_and_fits_the_qr_alphanumeric_mode():
    token = token_at(NOW, member_no="DF000123")
    assert token.startswith("DC1.DF000123.")
    assert set(token) <= set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert len(token) < 60


@pytest.mark.parametrize("later", [0, WINDOW_SECONDS - 6, WINDOW_SECONDS, 2 * WINDOW_SECONDS - 6])
def test_a_token_holds_through_its_window_and_the_next(later):
    assert verify_card_token(token_at(NOW), USER, KEY, NOW + later)


@pytest.mark.parametrize("later", [2 * WINDOW_SECONDS - 5, 10 * 60, 24 * 3600])
def test_an_older_token_is_expired_as_a_screenshot_would_be(later):
    with pytest.raises(ExpiredCardToken):
        verify_card_token(token_at(NOW), USER, KEY, NOW + later)


def test_a_token_from_the_future_is_refused():
    with pytest.raises(ExpiredCardToken):
        verify_card_token(token_at(NOW + 3 * WINDOW_SECONDS), USER, KEY, NOW)


def test_a_token_signed_with_another_key_is_forged():
    other_key = card_signing_key("another-shop-secret")
    forged = str(issue_card_token("000123", USER, other_key, NOW))
    with pytest.raises(InvalidCardToken) as rejected:
        verify_card_token(forged, USER, KEY, NOW)
    assert not isinstance(rejected.value, ExpiredCardToken)


def test_a_token_for_another_member_is_forged():
    with pytest.raises(InvalidCardToken):
        verify_card_token(token_at(NOW, user_id=OTHER_USER), USER, KEY, NOW)


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t.replace(".000123.", ".000124."),  # someone else's number
        lambda t: t.rsplit(".", 2)[0] + f".{int(t.split('.')[2]) + 1}." + t.rsplit(".", 1)[1],  # later window
        lambda t: t[:-1] + ("A" if t[-1] != "A" else "B"),  # one signature character
    ],
    ids=["number", "window", "signature"],
)
def test_an_altered_token_is_forged(tamper):
    with pytest.raises(InvalidCardToken) as rejected:
        verify_card_token(tamper(token_at(NOW)), USER, KEY, NOW)
    assert not isinstance(rejected.value, ExpiredCardToken)


@pytest.mark.parametrize(
    "garbage", ["", "hello", "DC1.000123.1.short", "DC2.000123.1." + "A" * 26, "x" * 500]
)
def test_what_is_not_a_card_token_is_refused(garbage):
    with pytest.raises(InvalidCardToken):
        verify_card_token(garbage, USER, KEY, NOW)


def test_the_signing_key_is_derived_from_the_channel_secret_and_never_equals_it():
    assert card_signing_key("s") == card_signing_key("s")
    assert card_signing_key("s") != card_signing_key("t")
    assert b"channel-secret-of-this-shop" not in KEY
