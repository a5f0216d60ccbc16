"""Pacing LINE sends: the combined rate of all push workers stays under a per-endpoint limit.

The limit is shared by arithmetic, not by coordination: SQS runs at most `max_concurrency` workers
at once, and each paces itself to `limit / max_concurrency` requests a second, so together they
never exceed `limit`. That costs nothing per request (no shared counter to write), and LINE's own
rate limit is per channel and per endpoint, which is exactly what this bounds.

A transient failure (429, 5xx, timeout) is tried again up to four times within the worker, quickly and with
jitter, before the batch goes back to the queue: most faults then cost a fraction of a second
instead of a visibility-timeout backoff. Every attempt carries the same X-Line-Retry-Key.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from daifuku.domain.errors import LineRateLimited, LineUnavailable
from daifuku.domain.push_worker import LineSender

T = TypeVar("T")
QUICK_RETRIES = 4
QUICK_RETRY_BASE_SECONDS = 0.2
BURST_SECONDS = 0.25


@dataclass
class Pace:
    """A token bucket: at most `per_second` acquisitions a second on average.

    Time spent not sending (reading members, recording outcomes) is made up for with a burst of at
    most BURST_SECONDS' worth, so all workers together stay within 1 + BURST_SECONDS times the
    rate in any second, inside the one-second bucket LINE (and the simulator) allow.
    """

    per_second: float
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    _next_at: float = 0.0
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def acquire(self) -> None:
        with self._lock:
            now = self.clock()
            start = max(now - BURST_SECONDS, self._next_at)
            self._next_at = start + 1.0 / self.per_second
            start = max(start, now)
        if start > now:
            self.sleep(start - now)


@dataclass
class PacedLineSender:
    """A LineSender that keeps to this worker's share of each endpoint's limit and retries quickly."""

    line: LineSender
    push_pace: Pace
    multicast_pace: Pace
    sleep: Callable[[float], None] = time.sleep

    @classmethod
    def sharing(
        cls, line: LineSender, push_per_second: float, multicast_per_second: float, workers: int
    ) -> PacedLineSender:
        return cls(line, Pace(push_per_second / workers), Pace(multicast_per_second / workers))

    def push(
        self,
        to: str,
        messages: list[dict[str, Any]],
        retry_key: str | None = None,
        aggregation_unit: str | None = None,
    ) -> Any:
        unit = {"aggregation_unit": aggregation_unit} if aggregation_unit else {}
        return self._attempt(
            self.push_pace, lambda: self.line.push(to, messages, retry_key=retry_key, **unit)
        )

    def multicast(
        self,
        to: list[str],
        messages: list[dict[str, Any]],
        retry_key: str | None = None,
        aggregation_unit: str | None = None,
    ) -> Any:
        unit = {"aggregation_unit": aggregation_unit} if aggregation_unit else {}
        return self._attempt(
            self.multicast_pace, lambda: self.line.multicast(to, messages, retry_key=retry_key, **unit)
        )

    def _attempt(self, pace: Pace, send: Callable[[], T]) -> T:
        for attempt in range(QUICK_RETRIES + 1):
            pace.acquire()
            try:
                return send()
            except (LineRateLimited, LineUnavailable):
                if attempt == QUICK_RETRIES:
                    raise
                self.sleep(QUICK_RETRY_BASE_SECONDS * 2**attempt * (1 + random.random()))
        raise AssertionError("unreachable")
