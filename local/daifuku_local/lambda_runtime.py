"""What the Lambda runtime gives a handler: its module and a context object.

Light on purpose: bench/cold_start.py builds the context inside the interpreter it measures, so this
module imports nothing a function does not (the local stack's patches, and moto with them, are
imported by `load_handler`, and checked by the stack before it starts anything).
"""

from __future__ import annotations

import importlib
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

LambdaHandler = Callable[[dict[str, Any], Any], Any]


@dataclass
class LocalLambdaContext:
    """The attributes of Lambda's context object that Powertools and the handlers read."""

    function_name: str
    timeout_seconds: int = 30
    memory_limit_in_mb: int = 256
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    started_at: float = field(default_factory=time.monotonic)

    @property
    def invoked_function_arn(self) -> str:
        return f"arn:aws:lambda:ap-northeast-1:000000000000:function:{self.function_name}"

    @property
    def function_version(self) -> str:
        return "$LATEST"

    @property
    def log_group_name(self) -> str:
        return f"/aws/lambda/{self.function_name}"

    @property
    def log_stream_name(self) -> str:
        return "local"

    def get_remaining_time_in_millis(self) -> int:
        elapsed = time.monotonic() - self.started_at
        return max(0, int((self.timeout_seconds - elapsed) * 1000))


def load_handler(function: str, module: str = "handler") -> LambdaHandler:
    """The `handler` of `functions/<function>/<module>.py`, imported as Lambda would import it."""
    from daifuku_local.upstream_patches import isolate_concurrent_invocations

    # Invocations here are threads of one process, not environments of their own (see the module).
    isolate_concurrent_invocations()
    entry_point = importlib.import_module(f"functions.{function}.{module}")
    handler: LambdaHandler = entry_point.handler
    return handler
