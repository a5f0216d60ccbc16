"""The receipt QR's code: points for one purchase, claimed once by the customer who scans it.

`DR1.<key id>.<receipt id>.<amount in yen>.<store id, may be empty>.<issued, Unix seconds>.<signature>`

The signature is the first 32 hex digits of HMAC-SHA256, keyed with the API key's receipt secret
(shown once with the key; api_keys.receipt_secret), over the same fields joined by newlines:
`DR1\\n<key id>\\n<receipt id>\\n<amount>\\n<store id>\\n<issued>`. The POS makes codes offline with
that secret, or asks `POST /api/v1/receipt-codes`. A code is good for RECEIPT_CODE_VALID_FOR after it
was issued (a few minutes of a POS clock running ahead are forgiven); the receipt id makes it
one-time (the RECEIPT# item, shared with `POST /api/v1/purchases`, so a receipt earns points once).
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from daifuku.domain.errors import DomainError

CODE_PREFIX = "DR1"
SIGNATURE_HEX_DIGITS = 32
RECEIPT_CODE_VALID_FOR = timedelta(days=7)
CLOCK_SKEW = timedelta(minutes=10)
CODE_PATTERN = re.compile(
    rf"^{CODE_PREFIX}\.([a-z0-9]{{12}})\.([A-Za-z0-9_-]{{1,48}})\.(0|[1-9][0-9]{{0,9}})"
    rf"\.([A-Za-z0-9_-]{{0,32}})\.([0-9]{{1,10}})\.([0-9a-f]{{{SIGNATURE_HEX_DIGITS}}})$"
)


class RefusalReason(StrEnum):
    """Why a scanned code gives no points: the card page says each in Japanese (js/texts.js)."""

    MALFORMED = "malformed"  # not a receipt code at all
    FORGED = "forged"  # the signature does not match, or its key is unknown
    EXPIRED = "expired"  # older than RECEIPT_CODE_VALID_FOR, or from the future
    REVOKED = "revoked"  # the key that signed it was revoked
    USED = "used"  # another customer got this receipt's points
    ALREADY_CLAIMED = "already_claimed"  # this customer got them already


class ReceiptCodeRefused(DomainError):
    def __init__(self, reason: RefusalReason):
        super().__init__(reason.value)
        self.reason = reason


@dataclass(frozen=True)
class ReceiptCode:
    key_id: str
    receipt_id: str
    amount_yen: int
    store_id: str | None
    issued_at: datetime
    signature: str = ""

    def message(self) -> bytes:
        issued = int(self.issued_at.timestamp())
        fields = (
            CODE_PREFIX,
            self.key_id,
            self.receipt_id,
            str(self.amount_yen),
            self.store_id or "",
            str(issued),
        )
        return "\n".join(fields).encode()

    def signed(self, secret: bytes) -> ReceiptCode:
        signature = hmac.new(secret, self.message(), hashlib.sha256).hexdigest()[:SIGNATURE_HEX_DIGITS]
        return ReceiptCode(
            self.key_id, self.receipt_id, self.amount_yen, self.store_id, self.issued_at, signature
        )

    def __str__(self) -> str:
        issued = int(self.issued_at.timestamp())
        parts = (
            self.key_id,
            self.receipt_id,
            str(self.amount_yen),
            self.store_id or "",
            str(issued),
            self.signature,
        )
        return ".".join((CODE_PREFIX, *parts))

    @property
    def expires_at(self) -> datetime:
        return self.issued_at + RECEIPT_CODE_VALID_FOR


def read_receipt_code(text: str) -> ReceiptCode:
    """The code's fields, unverified (the key id says which secret to check it with)."""
    found = CODE_PATTERN.match(text.strip())
    if not found:
        raise ReceiptCodeRefused(RefusalReason.MALFORMED)
    key_id, receipt_id, amount, store_id, issued, signature = found.groups()
    issued_at = datetime.fromtimestamp(int(issued), UTC)
    return ReceiptCode(key_id, receipt_id, int(amount), store_id or None, issued_at, signature)


def verify_receipt_code(code: ReceiptCode, secret: bytes, now: datetime) -> None:
    """ReceiptCodeRefused (forged, expired) unless `code` is signed with `secret` and still valid."""
    expected = code.signed(secret).signature
    if not hmac.compare_digest(expected, code.signature):
        raise ReceiptCodeRefused(RefusalReason.FORGED)
    if not code.issued_at - CLOCK_SKEW <= now <= code.expires_at:
        raise ReceiptCodeRefused(RefusalReason.EXPIRED)
