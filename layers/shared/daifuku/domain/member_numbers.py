"""Member numbers: gapless, never duplicated, one per LINE user, in the shop's format.

A number is issued in two steps, so that a crowd registering at once never contends:

1. **Reserve.** One UpdateItem on the counter item moves the counter on by one and records the
   reservation (user → sequence) in the same item. DynamoDB applies updates to one item one after
   another, so this never conflicts and never fails under a crowd; a user holds at most one
   reservation (a double tap or a second phone gets the same one back). A spare number (one reserved
   by a user who turned out to hold a number already) is reserved before the counter moves on.
2. **Complete.** One transaction writes the number's uniqueness item and gives the member the number.
   It touches only this user's items, so other customers cannot make it fail. The reservation stays
   until the daily repair releases it, so a late double tap gets the same number back instead of
   reserving another (a day's reservations, ~40 bytes each, stay far below DynamoDB's 400 KB item).

If the writer dies between the two steps (a Lambda timeout, a crash), the reservation stays on the
counter item: the same user's next attempt completes it with the same number, and the repair
(`complete_stale_reservations`, run by the daily job) completes the reservations of users who never
came back by giving them the number they reserved. So "gapless" means: every sequence up to the
counter is held by a member or an imported number, once every reservation in flight has completed;
a number is never given twice and never skipped. A reserved sequence that an imported number already
holds is stepped over by moving the reservation on (the import holds it: no gap).
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

# The LIFF API's Lambda has 10 s. Only two calls of the same user writing the same items at once
# (a double tap on two phones) make a completion wait; past this the page is told "busy".
ISSUE_DEADLINE_SECONDS = 6.0
FIRST_BACKOFF_SECONDS = 0.05
MAX_BACKOFF_SECONDS = 1.0


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
    NUMBER_TAKEN = "number_taken"  # the sequence is held outside the counter (an imported number)
    ALREADY_NUMBERED = "already_numbered"  # this user holds this number: a concurrent call completed it
    HOLDS_ANOTHER = "holds_another"  # this user already held another number: the reserved one is spare
    CONFLICT = "conflict"  # another call of the same user was writing the same items: try again


@dataclass(frozen=True)
class NumberIssue:
    """Completing the reservation that gives `user_id` the number `member_no` (= `sequence` formatted)."""

    user_id: str
    sequence: int
    member_no: str
    status: MembershipStatus
    profile: RegisteredProfile | None
    at: datetime


class MemberNumberStore(Protocol):
    def reserve_member_number(self, user_id: str, first_number: int) -> int:
        """The sequence reserved for the user: a new one from the counter (never below
        `first_number`), or the one they already hold. Never fails under contention."""

    def move_member_number_reservation(self, user_id: str, sequence: int) -> int:
        """Replace the user's reservation of `sequence` (held by an imported number) by the next one."""

    def complete_member_number(self, issue: NumberIssue) -> IssueOutcome:
        """The number item and the member's number, all or nothing."""

    def release_member_number_reservation(self, user_id: str, sequence: int) -> None:
        """Forget the user's reservation of `sequence` (once completed)."""

    def give_back_member_number(self, user_id: str, sequence: int) -> None:
        """The user's reservation of `sequence` becomes a spare: the next reservation takes it."""

    def member_number_reservations(self) -> dict[str, int]:
        """Every reservation not yet released: user id → sequence."""


@dataclass
class RetryPolicy:
    """How long to keep completing while another call of the same user writes the same items."""

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
    sequence = store.reserve_member_number(user_id, number_format.first_number)
    return complete_reservation(store, user_id, sequence, number_format, status, profile, at, policy)


def complete_reservation(
    store: MemberNumberStore,
    user_id: str,
    sequence: int,
    number_format: MemberNumberFormat,
    status: MembershipStatus,
    profile: RegisteredProfile | None,
    at: datetime,
    policy: RetryPolicy | None = None,
) -> str | None:
    """Step 2 for a reservation: the number written, or None when the user already held one."""
    policy = policy or RetryPolicy()
    give_up_at = policy.clock() + policy.deadline_seconds
    attempt = 0
    while True:
        member_no = format_member_number(sequence, number_format)
        outcome = store.complete_member_number(NumberIssue(user_id, sequence, member_no, status, profile, at))
        if outcome is IssueOutcome.ISSUED or outcome is IssueOutcome.ALREADY_NUMBERED:
            # The reservation stays until the daily repair: a double tap that reserves after this
            # completed gets the same sequence back (ALREADY_NUMBERED), so the counter moves once.
            return member_no if outcome is IssueOutcome.ISSUED else None
        if outcome is IssueOutcome.HOLDS_ANOTHER:
            # Numbered by a call that finished between our caller's read and our reservation.
            store.give_back_member_number(user_id, sequence)
            return None
        if outcome is IssueOutcome.NUMBER_TAKEN:
            # Held by an imported member: the reservation moves on (the import holds this sequence).
            sequence = store.move_member_number_reservation(user_id, sequence)
            continue
        if policy.clock() >= give_up_at:
            raise MemberNumberContention(f"gave up after {attempt + 1} attempts")
        policy.pause(policy.backoff(attempt))
        attempt += 1


def complete_stale_reservations(
    store: MemberNumberStore, number_format: MemberNumberFormat, at: datetime
) -> list[str]:
    """The repair: complete every reservation whose writer died, giving each user the number they
    reserved (as a guest unless they registered), and release the completed ones. Returns the
    numbers it completed."""
    completed = []
    for user_id, sequence in sorted(store.member_number_reservations().items(), key=lambda r: r[1]):
        issued = complete_reservation(
            store, user_id, sequence, number_format, MembershipStatus.GUEST, None, at
        )
        if issued is not None:
            completed.append(issued)
        # Completed now or before (a move past an imported number is read back); a spare is gone.
        held = store.member_number_reservations().get(user_id)
        if held is not None:
            store.release_member_number_reservation(user_id, held)
    return completed
