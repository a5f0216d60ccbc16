"""Concurrent invocations as threads of one process, each seeing only its own request.

Lambda runs one invocation per execution environment at a time; concurrency means more environments.
The local stack runs concurrent invocations as threads of one process instead, and Powertools'
event handler keeps the request being resolved on the router class (`BaseRouter.current_event`,
`lambda_context`) and on the resolver (`context`, the middleware stack frames). Two concurrent
requests would read each other's event: one customer's token with another's body. Here that state
becomes per thread, so each thread is its own execution environment as far as the handlers can tell.
Local only: nothing deployed imports this module.
"""

from __future__ import annotations

import threading
from abc import ABCMeta
from collections.abc import Callable
from typing import Any

# Per-invocation state and, for the containers, what a fresh thread starts with.
_PER_INVOCATION: dict[str, Callable[[], Any] | None] = {
    "current_event": None,
    "lambda_context": None,
    "context": dict,
    "processed_stack_frames": list,
}


class _PerThread:
    """A data descriptor whose value is kept per thread (and per router instance for containers)."""

    def __init__(self, name: str, fresh: Callable[[], Any] | None):
        self._name = name
        self._fresh = fresh
        self._local = threading.local()

    def _values(self) -> dict[int, Any]:
        if not hasattr(self._local, "values"):
            self._local.values = {}
        values: dict[int, Any] = self._local.values
        return values

    def __get__(self, router: Any, owner: type | None = None) -> Any:
        values = self._values()
        key = id(router) if self._fresh is not None else 0
        if key not in values:
            if self._fresh is None:
                raise AttributeError(self._name)
            values[key] = self._fresh()
        return values[key]

    def __set__(self, router: Any, value: Any) -> None:
        self._values()[id(router) if self._fresh is not None else 0] = value


class _RouterMeta(ABCMeta):
    """`BaseRouter.current_event = event` (how Powertools sets it) stores the value for this thread."""

    def __setattr__(cls, name: str, value: Any) -> None:
        descriptor = cls.__dict__.get(name)
        if isinstance(descriptor, _PerThread):
            descriptor.__set__(None, value)
        else:
            super().__setattr__(name, value)


_installed = False
_install_lock = threading.Lock()


def isolate_concurrent_invocations() -> None:
    """Make Powertools' per-request state per thread (idempotent)."""
    global _installed
    with _install_lock:
        if _installed:
            return
        from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

        for name, fresh in _PER_INVOCATION.items():
            type.__setattr__(BaseRouter, name, _PerThread(name, fresh))
        BaseRouter.__class__ = _RouterMeta
        _installed = True
