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


def scenario_body(scenario_id: str, **changes: Any) -> dict[str, Any]:
    """A one-step scenario with the manual trigger, as the シナリオ tab sends it."""
    return {
        "scenario_id": scenario_id,
        "name": "監査用シナリオ",
        "trigger": {"kind": "manual"},
        "steps": [
            {
                "step_id": "s1",
                "delay": {"amount": 1, "unit": "days"},
                "messages": [{"type": "text", "text": "{name}様、ご来店ありがとうございました。"}],
            }
        ],
        **changes,
    }


def scenario_calls(scenario_id: str, tag: str) -> dict[tuple[str, str], tuple[dict[str, str], Any]]:
    """A valid call of each of the シナリオ tab's changing routes, in the order the audit test makes them
    (sorted by method and path): create, enrol, pause, resume, stop, test-send, then edit version 4."""
    body = scenario_body(scenario_id)
    path = "/liff/api/staff/scenarios"
    values = {"scenario_id": scenario_id}
    edit = {k: v for k, v in body.items() if k != "scenario_id"} | {"version": 4}
    return {
        ("POST", path): ({}, body),
        ("POST", f"{path}/<scenario_id>/enrolments"): (values, {"segment": {"tags_any": [tag]}}),
        ("POST", f"{path}/<scenario_id>/pause"): (values, None),
        ("POST", f"{path}/<scenario_id>/resume"): (values, None),
        ("POST", f"{path}/<scenario_id>/stop"): (values, None),
        ("POST", f"{path}/<scenario_id>/test-send"): (values, None),
        ("PUT", f"{path}/<scenario_id>"): (values, edit),
    }
