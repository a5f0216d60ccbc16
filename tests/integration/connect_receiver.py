"""A stand-in for the shop's other system (a POS, an EC site, the old LINE tool): an HTTP server on
127.0.0.1 that records every POST, and can fail or hold its answers for a while."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    answered: int  # the status this receiver answered with


class TestReceiver:
    """`fail_next(n)`: the next n requests get a 503; `holding()`: answers wait until the block ends."""

    __test__ = False  # not a test class, whatever pytest thinks of the name

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._failures_left = 0
        self._always_fail = False
        self._release = threading.Event()
        self._release.set()
        self.requests: list[Received] = []
        self.waiting = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                with receiver._lock:
                    receiver.waiting += 1
                receiver._release.wait(120)
                with receiver._lock:
                    receiver.waiting -= 1
                    failing = receiver._always_fail or receiver._failures_left > 0
                    if receiver._failures_left > 0:
                        receiver._failures_left -= 1
                    status = 503 if failing else 200
                    receiver.requests.append(Received(self.path, dict(self.headers), body, status))
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                return None

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._server.server_port}{path}"

    def fail_next(self, count: int) -> None:
        with self._lock:
            self._failures_left = count

    def fail_always(self, on: bool = True) -> None:
        with self._lock:
            self._always_fail = on

    @contextmanager
    def holding(self) -> Iterator[None]:
        """Every request waits unanswered inside the block."""
        self._release.clear()
        try:
            yield
        finally:
            self._release.set()

    def accepted(self, where: Callable[[Received], bool] = lambda r: True) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.answered == 200 and where(r)]

    def failed(self, where: Callable[[Received], bool] = lambda r: True) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if r.answered != 200 and where(r)]

    def close(self) -> None:
        self._release.set()
        self._server.shutdown()
        self._server.server_close()


def wait_for(what: str, check: Callable[[], Any], seconds: float = 180) -> Any:
    """Poll `check` until it returns something truthy (the result), or fail naming `what`."""
    deadline = time.monotonic() + seconds
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        time.sleep(0.2)
