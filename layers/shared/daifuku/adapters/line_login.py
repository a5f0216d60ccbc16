"""LINE Login's ID-token verification: who is calling the LIFF API.

A LIFF ID token is an ES256 JWT: its signature is checked here against LINE's published keys
(line_id_tokens.py), so a new customer's first request costs no round trip to LINE. When those keys
cannot be fetched, LINE's own endpoint (POST /oauth2/v2.1/verify) checks the token instead. Either way
the claims are then held to LINE's rules: the issuer, the audience (our LINE Login channel id), the
expiry, an issue time not in the future, and the nonce when the caller issued one.

A verified token is remembered in the container until it expires, keyed by its hash, so a card page
refreshing its QR every 30 s costs one check per token, not one per refresh.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable
from typing import Any, TypeGuard

from pydantic import BaseModel, ConfigDict

from daifuku.adapters.line_id_tokens import (
    LineSigningKeys,
    SigningKeysUnavailable,
    signed_claims,
    signing_keys_for,
)
from daifuku.domain.errors import InvalidIdToken, LineUnavailable

LINE_ISSUER = "https://access.line.me"
# How far in the future a token's `iat` may be: our clock and LINE's may disagree by this much.
ISSUED_AT_SKEW_SECONDS = 60
# A LIFF ID token is a few hundred bytes; anything far larger is not one, and is not sent to LINE.
MAX_ID_TOKEN_LENGTH = 4096
JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
VERIFIED_TOKEN_CACHE_SIZE = 2048


class VerifiedIdToken(BaseModel):
    """The claims Daifuku uses from a verified token."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    user_id: str
    expires_at: int
    name: str | None = None
    nonce: str | None = None


class VerifiedTokenCache:
    """Verified tokens by SHA-256 of the token, each until its `exp`. Bounded: expired entries go
    first, then the oldest. The raw token is never kept."""

    def __init__(self, max_entries: int = VERIFIED_TOKEN_CACHE_SIZE):
        self._entries: dict[str, VerifiedIdToken] = {}
        self._max_entries = max_entries
        self._lock = threading.Lock()

    @staticmethod
    def key(id_token: str) -> str:
        return hashlib.sha256(id_token.encode()).hexdigest()

    def get(self, id_token: str, now: float) -> VerifiedIdToken | None:
        with self._lock:
            verified = self._entries.get(self.key(id_token))
            if verified is not None and verified.expires_at <= now:
                del self._entries[self.key(id_token)]
                return None
            return verified

    def put(self, id_token: str, verified: VerifiedIdToken, now: float) -> None:
        with self._lock:
            if len(self._entries) >= self._max_entries:
                for key in [key for key, entry in self._entries.items() if entry.expires_at <= now]:
                    del self._entries[key]
            while len(self._entries) >= self._max_entries:
                del self._entries[next(iter(self._entries))]
            self._entries[self.key(id_token)] = verified


# One per container: tokens verified by one request serve the next.
_verified_tokens = VerifiedTokenCache()


class LineIdTokenVerifier:
    """Verifies LIFF ID tokens for one LINE Login channel."""

    def __init__(
        self,
        api_endpoint: str,
        login_channel_id: str,
        timeout_seconds: float = 3,
        cache: VerifiedTokenCache | None = None,
        clock: Callable[[], float] = time.time,
        signing_keys: LineSigningKeys | None = None,
    ):
        self._verify_url = f"{api_endpoint.rstrip('/')}/oauth2/v2.1/verify"
        self._channel_id = login_channel_id
        self._timeout = timeout_seconds
        self._cache = cache if cache is not None else _verified_tokens
        self._clock = clock
        self._signing_keys = signing_keys if signing_keys is not None else signing_keys_for(api_endpoint)

    def verify(self, id_token: str | None, nonce: str | None = None) -> VerifiedIdToken:
        """The token's claims; InvalidIdToken for a missing, malformed, forged, expired or
        wrong-audience token; LineUnavailable when neither LINE's keys nor LINE can be had.

        `nonce` is for callers that put one in the login request: the token must then carry it.
        LIFF's liff.getIDToken() takes none, so the LIFF API passes none and a token's own nonce
        is not checked, as LINE's verify endpoint does when it is given no nonce.
        """
        if not id_token:
            raise InvalidIdToken("no ID token")
        if len(id_token) > MAX_ID_TOKEN_LENGTH or not JWT_SHAPE.match(id_token):
            raise InvalidIdToken("not a JWT")
        now = self._clock()
        verified = self._cache.get(id_token, now)
        if verified is None:
            try:
                payload = signed_claims(id_token, self._signing_keys, now)
            except SigningKeysUnavailable:
                payload = self._ask_line(id_token, nonce)
            verified = self._claims(payload, now)
            self._cache.put(id_token, verified, now)
        if nonce is not None and verified.nonce != nonce:
            raise InvalidIdToken("Invalid IdToken nonce.")
        return verified

    def _ask_line(self, id_token: str, nonce: str | None) -> dict[str, Any]:
        fields = {"id_token": id_token, "client_id": self._channel_id}
        if nonce is not None:
            fields["nonce"] = nonce
        request = urllib.request.Request(
            self._verify_url, data=urllib.parse.urlencode(fields).encode(), method="POST"
        )
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return _json_object(response.read())
        except urllib.error.HTTPError as error:
            payload = _json_object(error.read())
            if error.code == 400:
                # LINE's verdict on the token: "IdToken expired.", "Invalid IdToken Audience."…
                raise InvalidIdToken(str(payload.get("error_description", "invalid ID token"))) from None
            raise LineUnavailable(error.code, f"ID token verification answered {error.code}") from None
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            raise LineUnavailable(0, f"no answer from LINE: {error}") from None

    def _claims(self, payload: dict[str, Any], now: float) -> VerifiedIdToken:
        """LINE's rules for the claims of a token whose signature holds (ours to check when we
        checked the signature; a guard against trusting a wrong answer when LINE did)."""
        subject = payload.get("sub")
        expires_at = payload.get("exp")
        issued_at = payload.get("iat")
        if payload.get("iss") != LINE_ISSUER:
            raise InvalidIdToken("Invalid IdToken issuer.")
        if str(payload.get("aud")) != self._channel_id:
            raise InvalidIdToken("Invalid IdToken audience.")
        if not isinstance(subject, str) or not USER_ID.match(subject):
            raise InvalidIdToken("no LINE user id in the token")
        if not _is_time(expires_at) or expires_at <= now:
            raise InvalidIdToken("IdToken expired.")
        if not _is_time(issued_at) or issued_at > now + ISSUED_AT_SKEW_SECONDS:
            raise InvalidIdToken("Invalid IdToken issue time.")
        name, nonce = payload.get("name"), payload.get("nonce")
        return VerifiedIdToken(
            user_id=subject,
            expires_at=expires_at,
            name=name if isinstance(name, str) else None,
            nonce=nonce if isinstance(nonce, str) else None,
        )


def _is_time(value: Any) -> TypeGuard[int]:
    """A JWT NumericDate as LINE writes it: whole seconds since the epoch."""
    return isinstance(value, int) and not isinstance(value, bool)


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
