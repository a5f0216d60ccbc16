"""The functions' tracer: Powertools' Tracer when X-Ray tracing is on, a stand-in when it is off.

`daifuku:tracing` is off by default (PassThrough), and the functions then run with Powertools' own
switch, POWERTOOLS_TRACE_DISABLED, set (infra/constructs/daifuku_function.py). Powertools' Tracer
imports and configures the X-Ray SDK even when disabled, which a cold start pays on its first
request (bench/cold_start.py). With tracing off, `function_tracer` builds no Tracer: its decorators
hand back the function they decorate. The switch is Powertools' environment variable, read as
Powertools reads it, when the routes are imported (before any settings are parsed).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])
# What Powertools counts as true for its switches (aws_lambda_powertools.shared.functions.strtobool).
TRUTHY = frozenset({"1", "y", "yes", "t", "true", "on"})


class Untraced:
    """Tracer's decorators, used bare or with arguments, when nothing is traced."""

    def capture_method(self, method: F | None = None, **_: Any) -> Any:
        return method if method is not None else _unchanged

    def capture_lambda_handler(self, lambda_handler: F | None = None, **_: Any) -> Any:
        return lambda_handler if lambda_handler is not None else _unchanged


def _unchanged(function: F) -> F:
    return function


def tracing_disabled() -> bool:
    return os.environ.get("POWERTOOLS_TRACE_DISABLED", "false").strip().lower() in TRUTHY


def function_tracer(service: str) -> Any:
    """Powertools' Tracer for `service`, or the stand-in when tracing is disabled."""
    if tracing_disabled():
        return Untraced()
    from aws_lambda_powertools import Tracer

    return Tracer(service=service)
