"""What time it is, for every rule that asks: one injected callable, `current_wiring().clock`.

Deployed, the clock is the system's and nothing can move it. The local stack hands its functions a
clock it can move forward (daifuku_local.movable_clock), so tests walk a customer's week in seconds.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """The real time, in UTC."""
    return datetime.now(UTC)
