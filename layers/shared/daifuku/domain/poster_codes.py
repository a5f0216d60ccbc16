"""The counter poster's coupon code: signed for one day, so a photo of the poster shared online stops
working at midnight, and each member can claim the poster's coupon once (a conditional write).

`DP1.<template id>.<YYYYMMDD>.<signature>`: HMAC-SHA256 over the template id and the shop's date,
with a key derived from the channel secret as the card token's is.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date

from daifuku.domain.errors import InvalidClaimCode

CODE_PREFIX = "DP1"
SIGNATURE_LENGTH = 20  # base32 characters: 100 bits
SIGNING_KEY_LABEL = b"daifuku-poster-code"
CODE_PATTERN = re.compile(
    rf"^{CODE_PREFIX}\.([A-Za-z0-9_-]{{1,40}})\.(\d{{8}})\.([A-Z2-7]{{{SIGNATURE_LENGTH}}})$"
)


def poster_signing_key(channel_secret: str) -> bytes:
    """The deployment's poster-code key, derived from the channel secret: no further secret to keep."""
    return hmac.new(SIGNING_KEY_LABEL, channel_secret.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class PosterCode:
    template_id: str
    valid_on: date


def _signature(template_id: str, day: date, key: bytes) -> str:
    digest = hmac.new(key, f"{template_id}|{day.isoformat()}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def issue_poster_code(template_id: str, day: date, key: bytes) -> str:
    return f"{CODE_PREFIX}.{template_id}.{day:%Y%m%d}.{_signature(template_id, day, key)}"


def verify_poster_code(code: str, key: bytes, today: date) -> PosterCode:
    """The code's template and day; InvalidClaimCode unless it is genuine and today's."""
    match = CODE_PATTERN.match(code.strip())
    if match is None:
        raise InvalidClaimCode("malformed")
    template_id, day_text, signature = match.groups()
    try:
        day = date(int(day_text[:4]), int(day_text[4:6]), int(day_text[6:]))
    except ValueError:
        raise InvalidClaimCode("malformed") from None
    if not hmac.compare_digest(signature, _signature(template_id, day, key)):
        raise InvalidClaimCode("forged")
    if day != today:
        raise InvalidClaimCode("expired")
    return PosterCode(template_id=template_id, valid_on=day)
