"""The counter poster's coupon code: signed for the period the owner chose in 設定 (a day, a week, a
month or the coupon's own valid days), so a photo of the poster shared online stops working when the
period ends, and each member can claim the poster's coupon once (a conditional write).

`DP1.<template id>.<YYYYMMDD>.<signature>`: one shop day, HMAC-SHA256 over the template id and the
date. `DP2.<template id>.<first YYYYMMDD>.<last YYYYMMDD>.<signature>`: a period, signed over both
days. The key is derived from the channel secret as the card token's is. A code carries its own
period, so a poster printed before the owner changes the setting works until its own last day.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, timedelta

from daifuku.domain.errors import InvalidClaimCode
from daifuku.models.shop import PosterCodeValidity

CODE_PREFIX = "DP1"
PERIOD_CODE_PREFIX = "DP2"
SIGNATURE_LENGTH = 20  # base32 characters: 100 bits
SIGNING_KEY_LABEL = b"daifuku-poster-code"
CODE_PATTERN = re.compile(
    rf"^{CODE_PREFIX}\.([A-Za-z0-9_-]{{1,40}})\.(\d{{8}})\.([A-Z2-7]{{{SIGNATURE_LENGTH}}})$"
)


def poster_signing_key(channel_secret: str) -> bytes:
    """The deployment's poster-code key, derived from the channel secret: no further secret to keep."""
    return hmac.new(SIGNING_KEY_LABEL, channel_secret.encode(), hashlib.sha256).digest()


PERIOD_CODE_PATTERN = re.compile(
    rf"^{PERIOD_CODE_PREFIX}\.([A-Za-z0-9_-]{{1,40}})\.(\d{{8}})\.(\d{{8}})\.([A-Z2-7]{{{SIGNATURE_LENGTH}}})$"
)
VALID_DAYS = {PosterCodeValidity.DAY: 1, PosterCodeValidity.WEEK: 7, PosterCodeValidity.MONTH: 30}


@dataclass(frozen=True)
class PosterCode:
    template_id: str
    valid_on: date  # the first day it is accepted
    valid_until: date  # the last day it is accepted


def poster_period(first_day: date, validity: PosterCodeValidity, coupon_valid_days: int) -> date:
    """The last day a poster printed on `first_day` is accepted."""
    days = VALID_DAYS.get(validity, coupon_valid_days)
    return first_day + timedelta(days=max(days, 1) - 1)


def _signature(template_id: str, day: date, key: bytes) -> str:
    digest = hmac.new(key, f"{template_id}|{day.isoformat()}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def _period_signature(template_id: str, first: date, last: date, key: bytes) -> str:
    message = f"{PERIOD_CODE_PREFIX}|{template_id}|{first.isoformat()}|{last.isoformat()}"
    digest = hmac.new(key, message.encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def issue_poster_code(template_id: str, day: date, key: bytes, last_day: date | None = None) -> str:
    """The code for `day` alone, or for `day` to `last_day`."""
    if last_day is None or last_day == day:
        return f"{CODE_PREFIX}.{template_id}.{day:%Y%m%d}.{_signature(template_id, day, key)}"
    signature = _period_signature(template_id, day, last_day, key)
    return f"{PERIOD_CODE_PREFIX}.{template_id}.{day:%Y%m%d}.{last_day:%Y%m%d}.{signature}"


def _day(text: str) -> date:
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:]))
    except ValueError:
        raise InvalidClaimCode("malformed") from None


def verify_poster_code(code: str, key: bytes, today: date) -> PosterCode:
    """The code's template and period; InvalidClaimCode unless it is genuine and `today` within it."""
    text = code.strip()
    period = PERIOD_CODE_PATTERN.match(text)
    if period is not None:
        template_id, first_text, last_text, signature = period.groups()
        first, last = _day(first_text), _day(last_text)
        expected = _period_signature(template_id, first, last, key)
    else:
        match = CODE_PATTERN.match(text)
        if match is None:
            raise InvalidClaimCode("malformed")
        template_id, day_text, signature = match.groups()
        first = last = _day(day_text)
        expected = _signature(template_id, first, key)
    if not hmac.compare_digest(signature, expected):
        raise InvalidClaimCode("forged")
    if not first <= today <= last:
        raise InvalidClaimCode("expired")
    return PosterCode(template_id=template_id, valid_on=first, valid_until=last)
