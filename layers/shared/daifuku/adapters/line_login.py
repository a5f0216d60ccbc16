"""LINE Login's ID-token verification: who is calling the LIFF API.

LINE's own endpoint (POST /oauth2/v2.1/verify) checks the ES256 signature, the issuer, the audience
(our LINE Login channel id) and the expiry, so there is no JWKS or crypto library to load on the
request path. A verified token is remembered in the container until it expires, keyed by its hash,
so a card page refreshing its QR every 30 s costs LINE one call per token, not one per refresh.
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
from typing import Any

from pydantic import BaseModel, ConfigDict

from daifuku.domain.errors import InvalidIdToken, LineUnavailable

LINE_ISSUER = "https://access.line.me"
# A LIFF ID token is a few hundred bytes; anything far larger is not one, and is not sent to LINE.
MAX_ID_TOKEN_LENGTH = 4096
JWT_SHAPE = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$")
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
VERIFIED_TOKEN_CACHE_SIZE = 2048


class VerifiedIdToken(BaseModel):
    """The claims Daifuku uses from a token LINE has verified."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    expires_at: int
    name: str | None = None


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
    ):
        self._verify_url = f"{api_endpoint.rstrip('/')}/oauth2/v2.1/verify"
        self._channel_id = login_channel_id
        self._timeout = timeout_seconds
        self._cache = cache if cache is not None else _verified_tokens
        self._clock = clock

    def verify(self, id_token: str | None) -> VerifiedIdToken:
        """The token's claims; InvalidIdToken for a missing, malformed, forged, expired or
        wrong-audience token; LineUnavailable when LINE cannot be asked."""
        if not id_token:
            raise InvalidIdToken("no ID token")
        if len(id_token) > MAX_ID_TOKEN_LENGTH or not JWT_SHAPE.match(id_token):
            raise InvalidIdToken("not a JWT")
        now = self._clock()
        cached = self._cache.get(id_token, now)
        if cached is not None:
            return cached
        verified = self._claims(self._ask_line(id_token), now)
        self._cache.put(id_token, verified, now)
        return verified

    def _ask_line(self, id_token: str) -> dict[str, Any]:
        form = urllib.parse.urlencode({"id_token": id_token, "client_id": self._channel_id}).encode()
        request = urllib.request.Request(self._verify_url, data=form, method="POST")
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
        """LINE has checked the token; these checks only guard against trusting a wrong answer."""
        subject = payload.get("sub")
        expires_at = payload.get("exp")
        if payload.get("iss") != LINE_ISSUER or str(payload.get("aud")) != self._channel_id:
            raise InvalidIdToken("issuer or audience is not ours")
        if not isinstance(subject, str) or not USER_ID.match(subject):
            raise InvalidIdToken("no LINE user id in the token")
        if not isinstance(expires_at, int) or expires_at <= now:
            raise InvalidIdToken("IdToken expired.")
        name = payload.get("name")
        return VerifiedIdToken(
            user_id=subject, expires_at=expires_at, name=name if isinstance(name, str) else None
        )


def _json_object(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}
