"""Points and ranks: a ledger of entries, never a read-add-write total.

Each change of a member's points is one ledger entry with a deterministic id (the visit's id, the
client's adjustment id, the exchange's id). The entry is written with `attribute_not_exists` in the
same transaction as an atomic ADD to the member's denormalised `points`, so a retried request finds
its entry and adds nothing, and concurrent visits each add exactly theirs.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from daifuku.domain.errors import IdempotencyKeyReused
from daifuku.models.shop import Rank

# Namespace of the X-Line-Retry-Keys of rank-up messages (one per ledger entry that crossed a rank).
RANK_UP_RETRY_KEY_NAMESPACE = uuid.UUID("3f8e51c2-7a4d-4b8e-9c1f-2d5a6b7e8f90")


class EntryKind(StrEnum):
    VISIT = "visit"
    ADJUSTMENT = "adjustment"
    EXCHANGE = "exchange"


@dataclass(frozen=True)
class LedgerEntry:
    """One change of a member's points (item USER#<userId> / POINTS#<entry_id>)."""

    entry_id: str
    user_id: str
    kind: EntryKind
    delta: int
    at: datetime
    by: str | None  # the staff member, or None for the customer's own exchange
    reason: str = ""
    # What the request that made this entry asked for (request_fingerprint), stored with the entry:
    # a retry must ask for the same, or its key was reused for something else.
    fingerprint: str | None = None

    def check_retry_of(self, stored: LedgerEntry | None) -> None:
        """IdempotencyKeyReused when `stored` (the entry under our id) was made by another request.
        Entries written before fingerprints were stored are taken as matching."""
        if stored is not None and stored.fingerprint is not None and stored.fingerprint != self.fingerprint:
            raise IdempotencyKeyReused(self.entry_id)

    @property
    def rank_up_retry_key(self) -> str:
        """The retry key of the rank-up push this entry caused: the same on every retry."""
        return str(uuid.uuid5(RANK_UP_RETRY_KEY_NAMESPACE, f"{self.user_id}/{self.entry_id}"))


def request_fingerprint(request: dict[str, Any]) -> str:
    """A short digest of what a request asked for (its retry key included or not, the same either way)."""
    canonical = json.dumps(request, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def visit_entry_id(visit_id: str) -> str:
    return f"visit-{visit_id}"


def adjustment_entry_id(client_entry_id: str) -> str:
    return f"adjust-{client_entry_id}"


def exchange_entry_id(exchange_id: str) -> str:
    return f"exchange-{exchange_id}"


def rank_for(points: int, ranks: tuple[Rank, ...]) -> str | None:
    """The highest rank `points` reach; None below the first threshold (or with no ranks)."""
    reached = [rank.name for rank in ranks if points >= rank.min_points]
    return reached[-1] if reached else None


def is_rank_up(before: str | None, after: str | None, ranks: tuple[Rank, ...]) -> bool:
    """True when `after` is a higher rank than `before`. A rank no longer configured counts as none,
    and a first rank that every member holds from 0 points is no step up."""
    by_name = {rank.name: (n, rank) for n, rank in enumerate(ranks)}
    if after is None or after not in by_name:
        return False
    after_order, after_rank = by_name[after]
    if before not in by_name:
        return after_rank.min_points > 0
    return after_order > by_name[before or ""][0]
