"""LINE's rate limits (429 per endpoint) and the seeded faults injected into the platform's answers."""

from __future__ import annotations

import contextlib
import random
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from werkzeug.wrappers import Response

from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.line_responses import ApiError


@dataclass
class TokenBucket:
    rate: float
    tokens: float
    updated: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class RateLimits:
    """One token bucket per limited endpoint (push, multicast, reply, profile, richmenu)."""

    def __init__(self, rates: dict[str, float], lock: threading.RLock):
        self._lock = lock
        self.set(rates)

    def set(self, rates: dict[str, float]) -> None:
        with self._lock:
            self._buckets = {name: TokenBucket(rate, rate) for name, rate in rates.items()}

    def take(self, bucket: str) -> None:
        """LINE's 429 when this endpoint's requests come faster than its limit."""
        with self._lock:
            limiter = self._buckets.get(bucket)
            if limiter is not None and not limiter.take():
                raise ApiError(429, "Too Many Requests")


class FaultInjector:
    """Seeded failures on the configured endpoints: 429, 500, answers too slow or cut off."""

    def __init__(self, config: SimulatorConfig, lock: threading.RLock):
        self._config = config
        self._lock = lock
        self.reseed()

    def reseed(self) -> None:
        self._random = random.Random(self._config.faults.seed or self._config.seed)

    def roll(self, endpoint: str) -> str | None:
        """The fault this request meets (429, 500, timeout, drop), or None."""
        faults = self._config.faults
        if endpoint not in faults.endpoints:
            return None
        with self._lock:
            roll = self._random.random()
            accepted = self._random.random() < faults.accepted_before_failure
        for name, rate in (("429", faults.rate_429), ("500", faults.rate_500)):
            if roll < rate:
                return name
            roll -= rate
        for name, rate in (("timeout", faults.rate_timeout), ("drop", faults.rate_drop)):
            if roll < rate:
                if accepted:
                    return name
                # Not accepted: the client waits, then gives up, and nothing was sent.
                if name == "timeout":
                    time.sleep(faults.slow_seconds)
                raise ApiError(503, "Service Unavailable")
            roll -= rate
        return None

    def fail_after(self, fault: str, environ: dict[str, Any], response: Response) -> Response | None:
        """A request LINE accepted whose answer never arrives (slow beyond the client's timeout, or cut)."""
        if fault == "timeout":
            time.sleep(self._config.faults.slow_seconds)
            return response
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return None
