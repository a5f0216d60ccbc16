"""Member numbers: gapless, never duplicated, one per LINE user, in the shop's format.

The store commits a number in one transaction with three writes: the counter moves from the value we
read to the new sequence, the number's uniqueness item is created, and the member item gets the
number if it has none. Any failed condition cancels all three, so the counter never moves without a
member holding the number: no gaps. A user who already holds a number gets it back: no duplicates,
whatever the concurrency (a double tap, a retry, two phones).
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from daifuku.domain.errors import MemberNumberContention
from daifuku.domain.registration import RegisteredProfile
from daifuku.models.member import MembershipStatus
from daifuku.models.shop import MemberNumberFormat

# The LIFF API's Lambda has 10 s. Past this the customer is told "busy" and the page tries again,
# which only happens when very many register in the same second.
ISSUE_DEADLINE_SECONDS = 6.0
# Measured against the local stack with 200 simultaneous registrations (bench/numbering.py): smaller
# first pauses keep the counter item swamped with attempts that were stale before they arrived.
FIRST_BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 2.0


def format_member_number(sequence: int, number_format: MemberNumberFormat) -> str:
    """The printed number: prefix + sequence zero-padded to `digits` (wider, never cut, past the end)."""
    return f"{number_format.prefix}{sequence:0{number_format.digits}d}"


def member_number_sequence(member_no: str, number_format: MemberNumberFormat) -> int | None:
    """The sequence behind a number in this format, or None for a number in another format."""
    digits = member_no.removeprefix(number_format.prefix)
    if digits == member_no and number_format.prefix:
        return None
    if not digits.isascii() or not digits.isdigit() or len(digits) < number_format.digits:
        return None
    return int(digits)


class IssueOutcome(StrEnum):
    ISSUED = "issued"
    COUNTER_MOVED = "counter_moved"  # someone else took the next number first: read again and retry
    NUMBER_TAKEN = "number_taken"  # the sequence is held outside the counter (an imported number)
    ALREADY_NUMBERED = "already_numbered"  # this user holds a number: an earlier or concurrent call won


@dataclass(frozen=True)
class NumberIssue:
    """One attempt to give `user_id` the number `member_no` (= `sequence` formatted)."""

    user_id: str
    sequence: int
    member_no: str
    expected_counter: int | None  # the counter's value we read; None when no number was ever issued
    status: MembershipStatus
    profile: RegisteredProfile | None
    at: datetime


@dataclass(frozen=True)
class IssueAttempt:
    outcome: IssueOutcome
    # When the counter moved and the store saw its current value, the next attempt need not read it.
    counter_now: int | None = None


class MemberNumberStore(Protocol):
    def read_member_number_counter(self) -> int | None:
        """The last sequence issued (strongly consistent), or None before the first number."""

    def try_issue_member_number(self, issue: NumberIssue) -> IssueAttempt:
        """One all-or-nothing attempt (see the module docstring)."""


@dataclass
class RetryPolicy:
    """How long to keep trying under contention, with full-jitter exponential backoff."""

    deadline_seconds: float = ISSUE_DEADLINE_SECONDS
    first_backoff: float = FIRST_BACKOFF_SECONDS
    max_backoff: float = MAX_BACKOFF_SECONDS
    pause: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    jitter: Callable[[], float] = random.random

    def backoff(self, attempt: int) -> float:
        return self.jitter() * min(self.max_backoff, self.first_backoff * 2**attempt)


def issue_member_number(
    store: MemberNumberStore,
    user_id: str,
    number_format: MemberNumberFormat,
    status: MembershipStatus,
    profile: RegisteredProfile | None,
    at: datetime,
    policy: RetryPolicy | None = None,
) -> str | None:
    """Give the user the next number; None when they already hold one (the caller reads it)."""
    policy = policy or RetryPolicy()
    give_up_at = policy.clock() + policy.deadline_seconds
    counter = store.read_member_number_counter()
    skipped = 0
    attempt = 0
    while True:
        sequence = max((counter or 0) + 1, number_format.first_number) + skipped
        member_no = format_member_number(sequence, number_format)
        result = store.try_issue_member_number(
            NumberIssue(user_id, sequence, member_no, counter, status, profile, at)
        )
        if result.outcome is IssueOutcome.ISSUED:
            return member_no
        if result.outcome is IssueOutcome.ALREADY_NUMBERED:
            return None
        if policy.clock() >= give_up_at:
            raise MemberNumberContention(f"gave up after {attempt + 1} attempts")
        if result.outcome is IssueOutcome.NUMBER_TAKEN:
            # Held by an imported member: the counter steps over it, in the same kind of transaction.
            skipped += 1
            continue
        skipped = 0
        if attempt == 0 and result.counter_now is not None:
            # Most contention is two customers at once: the loser retries at once with the value the
            # failed transaction showed it.
            counter = result.counter_now
        else:
            # Many at once: spread out, then read the counter afresh (what we saw before the pause is
            # stale after it).
            policy.pause(policy.backoff(attempt))
            counter = store.read_member_number_counter()
        attempt += 1
