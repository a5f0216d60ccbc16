"""Given LINE's webhook signature scheme, when bodies are signed and checked, then only exact matches pass."""

import base64
import hashlib
import hmac

import pytest

from daifuku.domain.errors import InvalidSignature
from daifuku.domain.webhook_signature import sign_webhook_body, verify_webhook_signature

SECRET = "channel-secret"
BODY = b'{"destination":"U0","events":[]}'


def test_signature_is_base64_hmac_sha256_of_the_raw_body():
    expected = base64.b64encode(hmac.new(SECRET.encode(), BODY, hashlib.sha256).digest()).decode()
    assert sign_webhook_body(BODY, SECRET) == expected


def test_a_correct_signature_passes():
    verify_webhook_signature(BODY, sign_webhook_body(BODY, SECRET), SECRET)


@pytest.mark.parametrize(
    "signature",
    [
        None,
        "",
        sign_webhook_body(BODY, "another-secret"),
        sign_webhook_body(BODY + b" ", SECRET),
        "not base64!",
    ],
    ids=["missing", "empty", "wrong-secret", "other-body", "garbage"],
)
def test_anything_else_is_rejected(signature):
    with pytest.raises(InvalidSignature):
        verify_webhook_signature(BODY, signature, SECRET)
