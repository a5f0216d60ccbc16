"""Receipt QR codes and API keys: the format a POS signs offline, its refusals, keys kept as hashes."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daifuku.domain.api_keys import (
    ApiKeyDesk,
    ApiKeyRecord,
    ApiKeyRefused,
    RateLimited,
    Scope,
    ScopeMissing,
    key_hash,
    receipt_secret,
    receipt_signing_key,
    require_scope,
)
from daifuku.domain.receipt_codes import (
    RECEIPT_CODE_VALID_FOR,
    ReceiptCode,
    ReceiptCodeRefused,
    RefusalReason,
    read_receipt_code,
    verify_receipt_code,
)

NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
SECRET = receipt_secret(receipt_signing_key("channel-secret"), "abcdefghijkl")


def offline_code(secret: bytes, key_id: str, receipt_id: str, amount: int, store: str, issued: int) -> str:
    """What the POS does, from docs/deploy.md's recipe alone (no Daifuku code)."""
    message = "\n".join(("DR1", key_id, receipt_id, str(amount), store, str(issued))).encode()
    signature = hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]
    return ".".join(("DR1", key_id, receipt_id, str(amount), store, str(issued), signature))


def test_a_code_signed_offline_by_the_recipe_is_accepted() -> None:
    text = offline_code(SECRET, "abcdefghijkl", "R-0001", 1280, "ginza", int(NOW.timestamp()))
    code = read_receipt_code(text)
    verify_receipt_code(code, SECRET, NOW + timedelta(hours=1))
    assert (code.receipt_id, code.amount_yen, code.store_id) == ("R-0001", 1280, "ginza")


def test_a_code_without_a_store_round_trips() -> None:
    code = ReceiptCode("abcdefghijkl", "R-2", 500, None, NOW).signed(SECRET)
    assert read_receipt_code(str(code)) == code


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda t: t.replace(".1280.", ".9280."), RefusalReason.FORGED),
        (lambda t: t[:-1] + ("0" if t[-1] != "0" else "1"), RefusalReason.FORGED),
        (lambda t: t.replace("DR1", "DR2", 1), RefusalReason.MALFORMED),
        (lambda t: t + "x", RefusalReason.MALFORMED),
    ],
)
def test_an_altered_code_is_refused(change, reason) -> None:  # type: ignore[no-untyped-def]
    text = offline_code(SECRET, "abcdefghijkl", "R-0001", 1280, "ginza", int(NOW.timestamp()))
    with pytest.raises(ReceiptCodeRefused) as refused:
        verify_receipt_code(read_receipt_code(change(text)), SECRET, NOW)
    assert refused.value.reason is reason


def test_another_keys_secret_does_not_verify() -> None:
    other = receipt_secret(receipt_signing_key("channel-secret"), "zzzzzzzzzzzz")
    code = ReceiptCode("abcdefghijkl", "R-3", 100, None, NOW).signed(other)
    with pytest.raises(ReceiptCodeRefused, match="forged"):
        verify_receipt_code(code, SECRET, NOW)


@pytest.mark.parametrize(
    "now",
    [NOW + RECEIPT_CODE_VALID_FOR + timedelta(seconds=1), NOW - timedelta(hours=1)],
    ids=["old", "future"],
)
def test_an_expired_or_future_code_is_refused(now: datetime) -> None:
    code = ReceiptCode("abcdefghijkl", "R-4", 100, None, NOW).signed(SECRET)
    with pytest.raises(ReceiptCodeRefused, match="expired"):
        verify_receipt_code(code, SECRET, now)


@given(st.text(max_size=300))
def test_any_text_is_read_or_refused_as_malformed(text: str) -> None:
    try:
        read_receipt_code(text)
    except ReceiptCodeRefused as refused:
        assert refused.reason is RefusalReason.MALFORMED


class Keys:
    """In-memory ApiKeyRecords."""

    def __init__(self) -> None:
        self.items: dict[str, ApiKeyRecord] = {}
        self.calls: dict[tuple[str, int], int] = {}

    def save_api_key(self, record: ApiKeyRecord) -> None:
        self.items[record.key_id] = record

    def load_api_key(self, key_id: str) -> ApiKeyRecord | None:
        return self.items.get(key_id)

    def api_keys(self) -> list[ApiKeyRecord]:
        return list(self.items.values())

    def revoke_api_key(self, key_id: str, at: datetime) -> bool:
        from dataclasses import replace

        if key_id not in self.items:
            return False
        self.items[key_id] = replace(self.items[key_id], revoked_at=self.items[key_id].revoked_at or at)
        return True

    def touch_api_key(self, key_id: str, at: datetime) -> None:
        from dataclasses import replace

        self.items[key_id] = replace(self.items[key_id], last_used_at=at)

    def count_call(self, key_id: str, window: int, limit: int, expires_at: int) -> bool:
        if self.calls.get((key_id, window), 0) >= limit:
            return False
        self.calls[(key_id, window)] = self.calls.get((key_id, window), 0) + 1
        return True


def test_a_key_is_stored_only_as_its_hash_and_authenticates() -> None:
    keys = Keys()
    desk = ApiKeyDesk(keys, clock=lambda: NOW)
    new = desk.create("Uowner", "レジ1", frozenset({Scope.MEMBERS_READ}), receipt_signing_key("s"))
    stored = keys.items[new.record.key_id]
    assert stored.key_hash == key_hash(new.key) and new.key not in repr(stored)
    assert desk.authenticate(new.key).name == "レジ1"
    with pytest.raises(ApiKeyRefused):
        desk.authenticate(new.key[:-1] + ("A" if new.key[-1] != "A" else "B"))
    desk.revoke(new.record.key_id)
    with pytest.raises(ApiKeyRefused, match="revoked"):
        desk.authenticate(new.key)


def test_scope_and_rate() -> None:
    keys = Keys()
    now = [NOW + timedelta(seconds=50)]
    desk = ApiKeyDesk(keys, clock=lambda: now[0])
    new = desk.create("Uowner", "レジ2", frozenset({Scope.POINTS_WRITE}), b"k", calls_per_minute=2)
    with pytest.raises(ScopeMissing):
        require_scope(new.record, Scope.MEMBERS_READ)
    desk.throttle(new.record)
    desk.throttle(new.record)
    with pytest.raises(RateLimited) as limited:
        desk.throttle(new.record)
    assert limited.value.retry_after == 10  # the rest of the minute
    now[0] += timedelta(seconds=10)
    desk.throttle(new.record)  # a new minute
