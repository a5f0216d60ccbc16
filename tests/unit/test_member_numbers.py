"""Member numbers: the shop's format, and reserve-then-complete against an in-memory store that behaves
like DynamoDB (one UpdateItem on the counter at a time; the completion's two writes all or none)."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest

from daifuku.domain.errors import MemberNumberContention
from daifuku.domain.member_numbers import (
    IssueOutcome,
    NumberIssue,
    RetryPolicy,
    complete_stale_reservations,
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
    """DynamoDB's rules, each call applied under one lock as DynamoDB applies one item's updates."""

    def __init__(self, taken: set[str] = frozenset()):
        self.counter: int | None = None
        self.reservations: dict[str, int] = {}
        self.spares: list[int] = []
        self.owners: dict[str, str] = {number: "imported" for number in taken}
        self.members: dict[str, str] = {}
        self.attempts = 0
        self._lock = threading.Lock()

    def reserve_member_number(self, user_id: str, first_number: int) -> int:
        with self._lock:
            if user_id not in self.reservations:
                if self.spares:
                    self.reservations[user_id] = self.spares.pop(0)
                else:
                    self.counter = max(self.counter or 0, first_number - 1) + 1
                    self.reservations[user_id] = self.counter
            return self.reservations[user_id]

    def give_back_member_number(self, user_id: str, sequence: int) -> None:
        with self._lock:
            if self.reservations.get(user_id) == sequence:
                self.spares.append(self.reservations.pop(user_id))

    def move_member_number_reservation(self, user_id: str, sequence: int) -> int:
        with self._lock:
            if self.reservations.get(user_id) == sequence:
                self.counter = (self.counter or 0) + 1
                self.reservations[user_id] = self.counter
            return self.reservations[user_id]

    def release_member_number_reservation(self, user_id: str, sequence: int) -> None:
        with self._lock:
            if self.reservations.get(user_id) == sequence:
                del self.reservations[user_id]

    def member_number_reservations(self) -> dict[str, int]:
        with self._lock:
            return dict(self.reservations)

    def complete_member_number(self, issue: NumberIssue) -> IssueOutcome:
        with self._lock:
            self.attempts += 1
            if issue.user_id in self.members:
                if self.members[issue.user_id] == issue.member_no:
                    return IssueOutcome.ALREADY_NUMBERED
                return IssueOutcome.HOLDS_ANOTHER
            if issue.member_no in self.owners:
                return IssueOutcome.NUMBER_TAKEN
            self.owners[issue.member_no] = issue.user_id
            self.members[issue.user_id] = issue.member_no
            return IssueOutcome.ISSUED


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


def test_a_number_reserved_by_a_user_who_already_held_one_goes_to_the_next_customer():
    # Given a numbered user whose reservation the daily repair has released
    store = AtomicNumberStore()
    issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT)
    assert complete_stale_reservations(store, MemberNumberFormat(), AT) == [] and store.reservations == {}
    # When a late call of the same user reserves again, then that number is spare, not lost
    assert issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT) is None
    assert store.counter == 2 and store.spares == [2]
    assert issue_member_number(store, user(2), MemberNumberFormat(), GUEST, None, AT) == "000002"
    assert store.counter == 2 and store.spares == []


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


class WriterDiesStore(AtomicNumberStore):
    """The Lambda dies (a timeout, a crash) after reserving and before completing, `deaths` times."""

    def __init__(self, deaths: int):
        super().__init__()
        self.deaths = deaths

    def complete_member_number(self, issue: NumberIssue) -> IssueOutcome:
        if self.deaths:
            self.deaths -= 1
            raise TimeoutError("the writer died")
        return super().complete_member_number(issue)


def test_a_crowd_never_contends_every_attempt_completes_first_time():
    store = AtomicNumberStore()
    with ThreadPoolExecutor(max_workers=32) as pool:
        list(
            pool.map(
                lambda n: issue_member_number(store, user(n), MemberNumberFormat(), GUEST, None, AT),
                range(200),
            )
        )
    assert store.attempts == 200 and len(store.reservations) == 200
    assert complete_stale_reservations(store, MemberNumberFormat(), AT) == [] and store.reservations == {}


def test_a_writer_that_dies_after_reserving_is_completed_by_the_users_next_attempt():
    # Given a writer that dies between the reservation and the completion
    store = WriterDiesStore(deaths=1)
    with pytest.raises(TimeoutError):
        issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT)
    # and another customer numbered meanwhile
    assert issue_member_number(store, user(2), MemberNumberFormat(), GUEST, None, AT) == "000002"
    # When the first user tries again, then the number reserved for them is completed, not lost
    assert issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT) == "000001"
    assert store.members == {user(1): "000001", user(2): "000002"}


def test_the_repair_completes_the_reservation_of_a_user_who_never_came_back():
    store = WriterDiesStore(deaths=1)
    with pytest.raises(TimeoutError):
        issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT)
    issue_member_number(store, user(2), MemberNumberFormat(), GUEST, None, AT)
    assert complete_stale_reservations(store, MemberNumberFormat(), AT) == ["000001"]
    assert sorted(store.members.values()) == ["000001", "000002"] and store.counter == 2


def test_a_completion_that_keeps_conflicting_gives_up_so_the_page_can_try_again():
    class Conflicting(AtomicNumberStore):
        def complete_member_number(self, issue: NumberIssue) -> IssueOutcome:
            return IssueOutcome.CONFLICT

    store = Conflicting()
    clock = iter(range(1000))
    policy = quick_policy(pause=lambda _: None, clock=lambda: float(next(clock)), deadline_seconds=5)
    with pytest.raises(MemberNumberContention):
        issue_member_number(store, user(1), MemberNumberFormat(), GUEST, None, AT, policy)
    # The reservation stays, so the next attempt completes the same number.
    assert user(1) not in store.members and store.reservations == {user(1): 1}
