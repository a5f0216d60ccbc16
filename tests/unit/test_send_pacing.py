"""Send pacing: workers share an endpoint's limit by arithmetic, and transient faults retry quickly."""

from __future__ import annotations

import pytest

from daifuku.domain.errors import LineMonthlyLimitReached, LineRateLimited, LineUnavailable
from daifuku.domain.send_pacing import BURST_SECONDS, QUICK_RETRIES, Pace, PacedLineSender


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


class ScriptedLine:
    def __init__(self, failures: list[Exception] | None = None):
        self.failures = list(failures or [])
        self.calls: list[tuple[str, object, str | None]] = []

    def push(self, to, messages, retry_key=None):
        self.calls.append(("push", to, retry_key))
        if self.failures:
            raise self.failures.pop(0)

    def multicast(self, to, messages, retry_key=None):
        self.calls.append(("multicast", tuple(to), retry_key))
        if self.failures:
            raise self.failures.pop(0)


def paced(
    line: ScriptedLine, clock: FakeClock, push: float, multicast: float, workers: int
) -> PacedLineSender:
    sender = PacedLineSender.sharing(line, push, multicast, workers)
    for pace in (sender.push_pace, sender.multicast_pace):
        pace.clock, pace.sleep = clock, clock.sleep
    sender.sleep = clock.sleep
    return sender


def test_each_of_n_workers_keeps_to_a_nth_of_the_limit():
    clock = FakeClock()
    sender = paced(ScriptedLine(), clock, push=100, multicast=10, workers=4)
    for n in range(26):
        sender.push(f"U{n}", [])
    # 26 pushes at 25 a second (100 / 4 workers): the 26th starts at 1.0 s.
    assert clock.now == pytest.approx(1.0)
    clock.now += 10
    start = clock.now
    for _ in range(6):
        sender.multicast(["U1"], [])
    # after a pause, the saved quarter second's worth goes first
    assert clock.now - start == pytest.approx(5 / 2.5 - BURST_SECONDS)


def test_a_transient_fault_is_retried_in_the_worker_with_the_same_retry_key():
    clock = FakeClock()
    line = ScriptedLine([LineRateLimited(429, "Too Many Requests"), LineUnavailable(500, "oops")])
    paced(line, clock, 100, 10, 1).push("U1", [], retry_key="key-1")
    assert [call[2] for call in line.calls] == ["key-1"] * 3


def test_after_the_quick_retries_the_fault_goes_back_to_the_queue():
    faults = [LineUnavailable(0, "timeout")] * (QUICK_RETRIES + 1)
    line = ScriptedLine(faults)
    with pytest.raises(LineUnavailable):
        paced(line, FakeClock(), 100, 10, 1).multicast(["U1"], [], retry_key="k")
    assert len(line.calls) == QUICK_RETRIES + 1


def test_the_monthly_limit_is_never_retried():
    line = ScriptedLine([LineMonthlyLimitReached(429, "You have reached your monthly limit.")])
    with pytest.raises(LineMonthlyLimitReached):
        paced(line, FakeClock(), 100, 10, 1).push("U1", [])
    assert len(line.calls) == 1


def test_a_pace_that_fell_idle_saves_up_a_quarter_second_at_most():
    clock = FakeClock()
    pace = Pace(10, clock=clock, sleep=clock.sleep)
    pace.acquire()
    clock.now = 100.0
    for _ in range(6):
        pace.acquire()
    # 2.5 acquisitions' worth saved up (a quarter second at 10/s): the 6th waits 0.25 s, not 0.5 s.
    assert clock.now == pytest.approx(100.25)


def test_time_spent_between_sends_counts_towards_the_wait():
    """A worker that spent 0.3 s recording a batch and reading the next waits only the other 0.7 s."""
    clock = FakeClock()
    pace = Pace(per_second=1.0, clock=clock, sleep=clock.sleep)
    pace.acquire()
    sent_at = [clock.now]
    for _ in range(3):
        clock.now += 0.3  # outcomes written, next batch read
        pace.acquire()
        sent_at.append(clock.now)
    assert sent_at == pytest.approx([0.0, 1.0, 2.0, 3.0])
