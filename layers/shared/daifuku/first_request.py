"""A cold start's first request runs without Python's cyclic garbage collector.

That request imports the resolver, the routes, their models and boto3, and builds the AWS clients:
hundreds of thousands of new objects, nearly all of which live as long as the environment. The
collector would scan them again and again as they are made, for almost nothing to free (about 5% of
the request's CPU, bench/cold_start.py). It is switched back on when the request ends, whatever its
outcome, unless something else had it off already; reference counting frees memory meanwhile as
always. Only the first request of the environment is affected, not the import (tests and the local
stack import handlers they may never call).
"""

from __future__ import annotations

import functools
import gc
from collections.abc import Callable
from typing import Any, TypeVar

Handler = TypeVar("Handler", bound=Callable[..., Any])


def first_request_without_gc(handler: Handler) -> Handler:
    """`handler`, whose first call runs with the cyclic garbage collector off."""
    first = True

    @functools.wraps(handler)
    def handle(*args: Any, **kwargs: Any) -> Any:
        nonlocal first
        if not first:
            return handler(*args, **kwargs)
        first = False  # two first requests at once (the local stack) both just run
        was_enabled = gc.isenabled()
        gc.disable()
        try:
            return handler(*args, **kwargs)
        finally:
            if was_enabled:
                gc.enable()

    return handle  # type: ignore[return-value]
