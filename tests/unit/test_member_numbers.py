"""Member numbers: the shop's format, and the issuing loop against an in-memory store that behaves
like the DynamoDB transaction (all three writes or none)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from daifuku.domain.errors import MemberNumberContention
from daifuku.domain.member_numbers import (
    IssueAttempt,
    IssueOutcome,
    NumberIssue,
    RetryPolicy,
    format_member_number,
    issue_member_number,
    member_number_sequence,
)
from daifuku.models.member import MembershipStatus
from daifuku.models.shop import MemberNumberFormat

AT = datetime(2025, 6, 15, 3, 0, tzinfo=UTC)
GUEST = MembershipStatus.GUEST


@pytest.mark.parametrize(
    ("prefix", "digits", "sequence", "printed"),
    [
        ("", 6, 1, "000001"),
        ("", 6, 123456, "123456"),
        ("DF", 6, 42, "DF000042"),
        ("K", 4, 7, "K0007"),
        ("", 4, 12345, "12345"),  # past the last 4-digit number: wider, never cut or reused
        ("", 10, 1, "0000000001"),
    ],
)
def test_numbers_are_printed_in_the_shops_format(prefix, digits, sequence, printed):
    number_format = MemberNumberFormat(prefix=prefix, digits=digits)
    assert format_member_number(sequence, number_format) == printed
    assert member_number_sequence(printed, number_format) == sequence


def test_a_number_in_another_format_has_no_sequence():
    number_format = MemberNumberFormat(prefix="DF", digits=6)
    assert member_number_sequence("000042", number_format) is None
    assert member_number_sequence("DF42", number_format) is None
    assert member_number_sequence("DFX00042", number_format) is None


class AtomicNumberStore:
    """The transaction's rules, applied under one lock as DynamoDB applies a transaction."""

    def __init__(self, taken: set[str] = frozenset()):
        self.counter: int | None = None
        self.owners: dict[str, str] = {number: "imported" for number in taken}
        self.members: dict[str, str] = {}
        self.attempts = 0
        self._lock = threading.Lock()

    def read_member_number_counter(self) -> int | None:
        return self.counter

    def try_issue_member_number(self, issue: NumberIssue) -> IssueAttempt:
        with self._lock:
            self.attempts += 1
            if issue.user_id in self.members:
                return IssueAttempt(IssueOutcome.ALREADY_NUMBERED)
            if self.counter != issue.expected_counter:
                return IssueAttempt(IssueOutcome.COUNTER_MOVED, self.counter)
            if issue.member_no in self.owners:
                return IssueAttempt(IssueOutcome.NUMBER_TAKEN)
            self.counter = issue.sequence
            self.owners[issue.member_no] = issue.user_id
            self.members[issue.user_id] = issue.member_no
            return IssueAttempt(IssueOutcome.ISSUED)


def quick_policy(**overrides) -> RetryPolicy:
    return RetryPolicy(**{"first_backoff": 0.0005, "max_backoff": 0.005, **overrides})


def user(n: int) -> str:
    return f"U{n:032x}"


def test_the_first_number_is_the_shops_starting_number():
    store = AtomicNumberStore()
    number_format = MemberNumberFormat(first_number=1001, digits=6)
    assert issue_member_number(store, user(1), number_format, GUEST, None, AT) == "001001"
    assert issue_member_number(store, user(2), number_format, GUEST, None, AT) == "001002"


def test_a_user_who_holds_a_number_is_not_given_another():
    store = AtomicNumberStore()
    assert issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT) == "000001"
    assert issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT) is None
    assert store.counter == 1


def test_imported_numbers_are_stepped_over_not_reissued():
    store = AtomicNumberStore(taken={"000001", "000002"})
    assert issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT) == "000003"
    assert store.owners["000001"] == "imported" and store.counter == 3


def test_many_users_at_once_get_distinct_consecutive_numbers():
    store = AtomicNumberStore()
    with ThreadPoolExecutor(max_workers=32) as pool:
        numbers = list(
            pool.map(
                lambda n: issue_member_number(
                    store, user(n), MemberNumberFormat(), GUEST, None, AT, quick_policy()
                ),
                range(100),
            )
        )
    assert sorted(numbers) == [f"{n:06d}" for n in range(1, 101)]
    assert store.counter == 100


def test_the_same_user_many_times_at_once_gets_one_number():
    store = AtomicNumberStore()
    with ThreadPoolExecutor(max_workers=20) as pool:
        results = list(
            pool.map(
                lambda _: issue_member_number(
                    store, user(7), MemberNumberFormat(), GUEST, None, AT, quick_policy()
                ),
                range(20),
            )
        )
    assert [r for r in results if r is not None] == ["000001"]
    assert store.members == {user(7): "000001"} and store.counter == 1


class MovingCounterStore(AtomicNumberStore):
    """Another Lambda issues a number between our read and each of our first `moves` attempts."""

    def __init__(self, moves: int):
        super().__init__()
        self.moves = moves

    def try_issue_member_number(self, issue: NumberIssue) -> IssueAttempt:
        if self.moves:
            self.moves -= 1
            self.counter = (self.counter or 0) + 1
            self.owners[f"{self.counter:06d}"] = "someone else"
        return super().try_issue_member_number(issue)


def test_losing_once_retries_at_once_with_the_counter_the_failure_showed():
    store = MovingCounterStore(moves=1)
    pauses: list[float] = []
    number = issue_member_number(
        store, user(1), MemberNumberFormat(), GUEST, None, AT, quick_policy(pause=pauses.append)
    )
    assert number == "000002" and pauses == []


def test_losing_repeatedly_backs_off_with_growing_pauses():
    store = MovingCounterStore(moves=6)
    pauses: list[float] = []
    policy = quick_policy(pause=pauses.append, jitter=lambda: 1.0, first_backoff=0.01, max_backoff=0.1)
    assert issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT, policy) == "000007"
    assert pauses == [0.02, 0.04, 0.08, 0.1, 0.1]


def test_endless_contention_gives_up_so_the_page_can_try_again():
    store = MovingCounterStore(moves=10_000)
    clock = iter(range(1000))
    policy = quick_policy(pause=lambda _: None, clock=lambda: float(next(clock)), deadline_seconds=5)
    with pytest.raises(MemberNumberContention):
        issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT, policy)
    assert user(1) not in store.members
