"""LINE's webhook signature: base64(HMAC-SHA256(channel secret, raw body))."""

from __future__ import annotations

import base64
import hashlib
import hmac

from daifuku.domain.errors import InvalidSignature


def sign_webhook_body(body: bytes, channel_secret: str) -> str:
    """The X-Line-Signature value LINE sends with `body`."""
    digest = hmac.new(channel_secret.encode(), body, hashlib.sha256).digest()
    return base64.b64encode(digest).decode()


def verify_webhook_signature(body: bytes, signature: str | None, channel_secret: str) -> None:
    """Raise InvalidSignature unless `signature` is LINE's signature of `body` (constant-time)."""
    if not signature:
        raise InvalidSignature("missing X-Line-Signature")
    expected = sign_webhook_body(body, channel_secret)
    if not hmac.compare_digest(expected.encode(), signature.encode()):
        raise InvalidSignature("X-Line-Signature does not match the body")
