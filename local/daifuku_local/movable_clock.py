"""The local stack's clock: the real time plus an offset that tests and the console move forward.

Every function the local stack runs reads time through `current_wiring().clock`, which the stack sets
to this clock, so a customer's week of scenario steps can be walked through in seconds. Deployed
functions get daifuku.clock.system_clock, which nothing can move.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

# Far enough for a year of steps (a step's delay is at most 365 days), near enough to catch a typo.
MAX_ADVANCE = timedelta(days=400)


class MovableClock:
    def __init__(self) -> None:
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self._offset

    @property
    def offset(self) -> timedelta:
        return self._offset

    def advance(self, by: timedelta) -> datetime:
        """Move the clock forward by `by` (never back: time moving back is not what a function meets)."""
        if by < timedelta(0) or by > MAX_ADVANCE:
            raise ValueError(f"the clock moves forward by 0 to {MAX_ADVANCE.days} days")
        with self._lock:
            self._offset += by
        return self()

    def reset(self) -> datetime:
        """Back to the real time (a test that moved the clock puts it back for the tests after it)."""
        with self._lock:
            self._offset = timedelta(0)
        return self()
