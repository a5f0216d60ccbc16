"""Staff invitation codes: the one-time link an owner hands a new clerk or owner (as a QR or a LINE
message), which opens the staff LIFF app with `?invite=<code>`.

`DI1.<invitation id>.<role>.<valid until, Unix seconds>.<signature>`: HMAC-SHA256 over the id, the role
and the time, with a key derived from the channel secret as the card token's and the poster code's
are. The code alone says whether it is genuine and still valid (no table read for a forged or expired
one); the invitation item it names says who invited and whether it was used, and accepting it is one
conditional write, so a link works once.

Only upper-case letters, digits and dots, so the QR uses the compact alphanumeric mode.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from daifuku.domain.errors import InvalidInvitation

CODE_PREFIX = "DI1"
VALID_FOR = timedelta(hours=24)
SIGNATURE_LENGTH = 26  # base32 characters: 130 bits of the HMAC
SIGNING_KEY_LABEL = b"daifuku-staff-invitation"
ROLE_LETTERS = {"owner": "O", "staff": "S"}
ROLES_BY_LETTER = {letter: role for role, letter in ROLE_LETTERS.items()}
CODE_PATTERN = re.compile(
    rf"^{CODE_PREFIX}\.([A-Z2-7]{{16}})\.([OS])\.(\d{{1,12}})\.([A-Z2-7]{{{SIGNATURE_LENGTH}}})$"
)


def invitation_signing_key(channel_secret: str) -> bytes:
    """The deployment's invitation key, derived from the channel secret: no further secret to keep
    (rotating the channel secret voids the links not yet used, which is what an owner would want)."""
    return hmac.new(SIGNING_KEY_LABEL, channel_secret.encode(), hashlib.sha256).digest()


def new_invitation_id() -> str:
    """80 random bits, in base32: not guessable, and short enough for a small QR."""
    return base64.b32encode(secrets.token_bytes(10)).decode()


@dataclass(frozen=True)
class InvitationCode:
    invitation_id: str
    role: str  # "owner" or "staff"
    valid_until: datetime


def _signature(invitation_id: str, role: str, valid_until: int, key: bytes) -> str:
    digest = hmac.new(key, f"{invitation_id}|{role}|{valid_until}".encode(), hashlib.sha256).digest()
    return base64.b32encode(digest).decode()[:SIGNATURE_LENGTH]


def issue_invitation_code(invitation_id: str, role: str, valid_until: datetime, key: bytes) -> str:
    """The signed code of an invitation for `role`, good until `valid_until`."""
    if role not in ROLE_LETTERS:
        raise ValueError(f"unknown staff role {role!r}")
    seconds = int(valid_until.timestamp())
    signature = _signature(invitation_id, role, seconds, key)
    return f"{CODE_PREFIX}.{invitation_id}.{ROLE_LETTERS[role]}.{seconds}.{signature}"


def verify_invitation_code(code: str, key: bytes, now: datetime) -> InvitationCode:
    """The invitation the code names; InvalidInvitation ("malformed", "forged", "expired") unless it is
    ours, unaltered and within its 24 hours."""
    match = CODE_PATTERN.match(code.strip())
    if match is None:
        raise InvalidInvitation("malformed")
    invitation_id, letter, seconds_text, signature = match.groups()
    role, seconds = ROLES_BY_LETTER[letter], int(seconds_text)
    if not hmac.compare_digest(signature, _signature(invitation_id, role, seconds, key)):
        raise InvalidInvitation("forged")
    valid_until = datetime.fromtimestamp(seconds, UTC)
    if now >= valid_until:
        raise InvalidInvitation("expired")
    return InvitationCode(invitation_id=invitation_id, role=role, valid_until=valid_until)
