"""LIFF ID tokens as LINE Login issues them: ES256 JWTs, with a JWKS and the /oauth2/v2.1/verify check."""

from __future__ import annotations

import base64
import json
import time
import uuid
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature

ISSUER = "https://access.line.me"


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class IdTokenRejected(Exception):
    """LINE's `error_description` for a token /oauth2/v2.1/verify refuses."""


class IdTokenIssuer:
    """Signs ID tokens with a key made at start-up, and checks them as LINE's verify endpoint does."""

    def __init__(self, login_channel_id: str):
        self.login_channel_id = login_channel_id
        self._key = ec.generate_private_key(ec.SECP256R1())
        self.key_id = uuid.uuid4().hex

    def issue(
        self,
        user_id: str,
        name: str,
        picture: str | None = None,
        audience: str | None = None,
        expires_in: int = 3600,
        signing_key: ec.EllipticCurvePrivateKey | None = None,
        nonce: str | None = None,
    ) -> str:
        now = int(time.time())
        claims: dict[str, Any] = {
            "iss": ISSUER,
            "sub": user_id,
            "aud": audience or self.login_channel_id,
            "exp": now + expires_in,
            "iat": now,
            "amr": ["linesso"],
            "name": name,
        }
        if picture:
            claims["picture"] = picture
        if nonce:
            claims["nonce"] = nonce
        header = {"typ": "JWT", "alg": "ES256", "kid": self.key_id}
        signing_input = f"{_b64url(json.dumps(header).encode())}.{_b64url(json.dumps(claims).encode())}"
        der = (signing_key or self._key).sign(signing_input.encode(), ec.ECDSA(hashes.SHA256()))
        r, s = decode_dss_signature(der)
        return f"{signing_input}.{_b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"

    def verify(self, token: str, client_id: str | None) -> dict[str, Any]:
        """The token's claims, or IdTokenRejected with LINE's description of what is wrong."""
        parts = token.split(".")
        if len(parts) != 3:
            raise IdTokenRejected("Invalid IdToken.")
        try:
            header = json.loads(_b64url_decode(parts[0]))
            claims = json.loads(_b64url_decode(parts[1]))
            signature = _b64url_decode(parts[2])
        except ValueError:
            raise IdTokenRejected("Invalid IdToken.") from None
        if header.get("alg") != "ES256" or len(signature) != 64:
            raise IdTokenRejected("Invalid IdToken.")
        der = encode_dss_signature(
            int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
        )
        try:
            self._key.public_key().verify(der, f"{parts[0]}.{parts[1]}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            raise IdTokenRejected("Invalid IdToken signature.") from None
        if claims.get("iss") != ISSUER:
            raise IdTokenRejected("Invalid IdToken issuer.")
        if int(claims.get("exp", 0)) <= time.time():
            raise IdTokenRejected("IdToken expired.")
        if client_id is not None and claims.get("aud") != client_id:
            raise IdTokenRejected("Invalid IdToken audience.")
        return dict(claims)

    def jwks(self) -> dict[str, Any]:
        numbers = self._key.public_key().public_numbers()
        return {
            "keys": [
                {
                    "kty": "EC",
                    "crv": "P-256",
                    "alg": "ES256",
                    "use": "sig",
                    "kid": self.key_id,
                    "x": _b64url(numbers.x.to_bytes(32, "big")),
                    "y": _b64url(numbers.y.to_bytes(32, "big")),
                }
            ]
        }
