"""The local stack's clock and scenario schedule, for the scenario tests and the benchmark."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


def local_control(api_url: str, method: str, path: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    """Call /_local/<path> of the local stack: (status, JSON answer)."""
    data = json.dumps(body).encode() if body is not None else (b"" if method == "POST" else None)
    request = urllib.request.Request(
        f"{api_url}/_local/{path}", data=data, method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=300) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def advance_clock(api_url: str, **by: float) -> dict[str, Any]:
    """Move the functions' clock forward (days=, hours=, minutes=, seconds=); what became due runs."""
    status, answer = local_control(api_url, "POST", "clock/advance", by)
    assert status == 200, answer
    return answer


def reset_clock(api_url: str) -> dict[str, Any]:
    return local_control(api_url, "POST", "clock/reset")[1]
