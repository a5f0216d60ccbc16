"""The member card's QR token: proof that the card on screen is live, not a screenshot.

`DC1.<member number>.<window>.<signature>`, where the window is the 30-second slot of issue and the
signature is HMAC-SHA256 over the number, the member's LINE user id and the window. A token is good
for its own window and the next one, so the card page refreshes it every 30 seconds. The user id is
signed but not shown: whoever scans the QR learns the member number only.

Only upper-case letters, digits and dots, so the QR uses the compact alphanumeric mode.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass

from daifuku.domain.errors import ExpiredCardToken, InvalidCardToken

WINDOW_SECONDS = 30
TOKEN_PREFIX = "DC1"
SIGNATURE_LENGTH = 26  # base32 characters: 130 bits of the HMAC
SIGNING_KEY_LABEL = b"daifuku-card-token"
TOKEN_PATTERN = re.compile(
    rf"^{TOKEN_PREFIX}\.([A-Z0-9]{{1,20}})\.(\d{{1,12}})\.([A-Z2-7]{{{SIGNATURE_LENGTH}}})$"
)


def card_signing_key(channel_secret: str) -> bytes:
    """The deployment's card-token key, derived from the channel secret (HKDF-extract style), so there
    is no further secret to manage; rotating the channel secret invalidates live tokens, briefly."""
    return hmac.new(SIGNING_KEY_LABEL, channel_secret.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class CardToken:
    member_no: str
    window: int
    signature: str

    def __str__(self) -> str:
        return f"{TOKEN_PREFIX}.{self.member_no}.{self.window}.{self.signature}"


def time_window(now: float) -> int:
    return int(now // WINDOW_SECONDS)


def seconds_left_in_window(now: float) -> float:
    return WINDOW_SECONDS - now % WINDOW_SECONDS


def _signature(member_no: str, user_id: str, window: int, signing_key: bytes) -> str:
    message = f"{member_no}\n{user_id}\n{window}".encode()
    digest = hmac.new(signing_key, message, hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def issue_card_token(member_no: str, user_id: str, signing_key: bytes, now: float) -> CardToken:
    """The token for the card on screen now."""
    window = time_window(now)
    return CardToken(member_no, window, _signature(member_no, user_id, window, signing_key))


def read_card_token(token: str) -> CardToken:
    """The token's parts, unverified: the scanner needs the number to find whose card it is."""
    found = TOKEN_PATTERN.match(token.strip())
    if not found:
        raise InvalidCardToken("not a member-card token")
    return CardToken(found.group(1), int(found.group(2)), found.group(3))


def verify_card_token(token: str, user_id: str, signing_key: bytes, now: float) -> CardToken:
    """The token if it is ours, for `user_id`, and from this or the previous window.

    InvalidCardToken for anything forged or altered; ExpiredCardToken for a genuine token that is
    too old (a screenshot) or from the future (never issued by this clock).
    """
    card = read_card_token(token)
    expected = _signature(card.member_no, user_id, card.window, signing_key)
    if not hmac.compare_digest(expected, card.signature):
        raise InvalidCardToken("signature does not match")
    current = time_window(now)
    # One window of grace either way: the issuing and the verifying Lambda clocks may differ a little.
    if not current - 1 <= card.window <= current + 1:
        raise ExpiredCardToken(f"window {card.window}, now {current}")
    return card
