"""The partner API's keys: what the shop's POS or other systems present at /api/v1/.

A key is `dfk_<key id>_<secret>`: the id names the key's item, the secret is 32 random bytes. Only
the SHA-256 of the whole key is stored (a random 256-bit secret needs no slow hash: nothing can be
guessed from its digest), so the key is shown once, when the owner creates it, and never again.

Each key has a name the owner knows it by (「レジ1」), scopes, and a rate limit: calls per minute in
fixed one-minute windows (one counter item per key and minute, expired by TTL). The key also gives
the POS its receipt-signing secret (receipt_codes.py), derived from the deployment's key and the key
id: shown once with the key, never stored, and dead with a revoked key.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from daifuku.clock import system_clock
from daifuku.domain.errors import ApiKeyNotFound, DomainError

KEY_PREFIX = "dfk"
KEY_PATTERN = re.compile(r"^dfk_([a-z0-9]{12})_([A-Za-z0-9_-]{43})$")
RATE_WINDOW_SECONDS = 60
DEFAULT_CALLS_PER_MINUTE = 120
# last_used_at is written at most this often per key: a busy register should not double its writes.
LAST_USED_RESOLUTION = timedelta(minutes=1)
RECEIPT_SECRET_LABEL = b"daifuku-receipt-secret"


class Scope(StrEnum):
    MEMBERS_READ = "members:read"
    MEMBERS_READ_PERSONAL = "members:read:personal"
    VISITS_WRITE = "visits:write"
    POINTS_WRITE = "points:write"
    COUPONS_REDEEM = "coupons:redeem"


class ApiKeyRefused(DomainError):
    """No key, a malformed, unknown or revoked key (401): the caller learns nothing about which."""


class ScopeMissing(DomainError):
    """The key is genuine but its scopes do not allow this call (403)."""

    def __init__(self, scope: Scope):
        super().__init__(scope.value)
        self.scope = scope


class RateLimited(DomainError):
    """The key made its calls for this minute (429); `retry_after` seconds until the next window."""

    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


@dataclass(frozen=True)
class ApiKeyRecord:
    """One key as stored (item API_KEY / <key id>): never the key itself."""

    key_id: str
    name: str
    scopes: frozenset[Scope]
    key_hash: str
    created_at: datetime
    created_by: str
    calls_per_minute: int = DEFAULT_CALLS_PER_MINUTE
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None

    @property
    def actor(self) -> str:
        """How the audit log names the key's calls."""
        return f"api-key:{self.key_id}"

    def allows(self, scope: Scope) -> bool:
        return scope in self.scopes


class ApiKeyRecords(Protocol):
    def save_api_key(self, record: ApiKeyRecord) -> None: ...
    def load_api_key(self, key_id: str) -> ApiKeyRecord | None: ...
    def api_keys(self) -> list[ApiKeyRecord]: ...
    def revoke_api_key(self, key_id: str, at: datetime) -> bool: ...
    def touch_api_key(self, key_id: str, at: datetime) -> None: ...
    def count_call(self, key_id: str, window: int, limit: int, expires_at: int) -> bool:
        """Count one call in the key's window; False (nothing counted) when the window is full."""
        ...


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def receipt_secret(deployment_key: bytes, key_id: str) -> bytes:
    """The HMAC secret a POS signs receipt codes with, offline: derived, never stored."""
    return hmac.new(deployment_key, RECEIPT_SECRET_LABEL + b"\n" + key_id.encode(), hashlib.sha256).digest()


def receipt_signing_key(channel_secret: str) -> bytes:
    """The deployment's receipt key, derived from the channel secret as the card token's is."""
    return hmac.new(RECEIPT_SECRET_LABEL, channel_secret.encode(), hashlib.sha256).digest()


@dataclass(frozen=True)
class NewApiKey:
    """What the owner sees once: the key and the POS's receipt secret (hex)."""

    record: ApiKeyRecord
    key: str
    receipt_secret: str


@dataclass
class ApiKeyDesk:
    records: ApiKeyRecords
    clock: Callable[[], datetime] = field(default=system_clock)

    def create(
        self,
        owner: str,
        name: str,
        scopes: frozenset[Scope],
        receipt_key: bytes,
        calls_per_minute: int = DEFAULT_CALLS_PER_MINUTE,
    ) -> NewApiKey:
        """A new key (`receipt_key`: receipt_signing_key of the channel secret, for its receipt secret)."""
        key_id = "".join(secrets.choice("abcdefghijklmnopqrstuvwxyz0123456789") for _ in range(12))
        key = f"{KEY_PREFIX}_{key_id}_{secrets.token_urlsafe(32)}"
        record = ApiKeyRecord(
            key_id=key_id,
            name=name,
            scopes=scopes,
            key_hash=key_hash(key),
            created_at=self.clock(),
            created_by=owner,
            calls_per_minute=calls_per_minute,
        )
        self.records.save_api_key(record)
        return NewApiKey(record, key, receipt_secret(receipt_key, key_id).hex())

    def listing(self) -> list[ApiKeyRecord]:
        """The shop's keys, live ones first, each group newest first."""
        keys = sorted(self.records.api_keys(), key=lambda r: r.created_at, reverse=True)
        return sorted(keys, key=lambda r: r.revoked_at is not None)

    def revoke(self, key_id: str) -> ApiKeyRecord:
        """Revoke at once (a revoked key stays listed, marked revoked); revoking twice is harmless."""
        if not self.records.revoke_api_key(key_id, self.clock()):
            raise ApiKeyNotFound(key_id)
        record = self.records.load_api_key(key_id)
        if record is None:
            raise ApiKeyNotFound(key_id)
        return record

    def authenticate(self, presented: str | None) -> ApiKeyRecord:
        """The live key behind `presented` (the X-Api-Key header or the bearer token); ApiKeyRefused."""
        found = KEY_PATTERN.match((presented or "").strip())
        if not found:
            raise ApiKeyRefused("malformed")
        record = self.records.load_api_key(found.group(1))
        if record is None or not hmac.compare_digest(record.key_hash, key_hash(found.group(0))):
            raise ApiKeyRefused("unknown")
        if record.revoked_at is not None:
            raise ApiKeyRefused("revoked")
        return record

    def throttle(self, record: ApiKeyRecord) -> None:
        """Count the call in the key's minute (every call, refused ones too); RateLimited when full."""
        now = self.clock()
        seconds = now.timestamp()
        window = int(seconds // RATE_WINDOW_SECONDS)
        window_end = (window + 1) * RATE_WINDOW_SECONDS
        if not self.records.count_call(record.key_id, window, record.calls_per_minute, window_end + 60):
            raise RateLimited(max(1, math.ceil(window_end - seconds)))
        if record.last_used_at is None or now - record.last_used_at >= LAST_USED_RESOLUTION:
            self.records.touch_api_key(record.key_id, now)


def require_scope(record: ApiKeyRecord, scope: Scope) -> None:
    """ScopeMissing unless the key's scopes allow `scope`."""
    if not record.allows(scope):
        raise ScopeMissing(scope)
