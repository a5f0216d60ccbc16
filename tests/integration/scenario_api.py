"""The local stack's clock and scenario schedule, for the scenario tests and the benchmark."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from datetime import datetime, timedelta
from datetime import time as time_of_day
from typing import Any
from zoneinfo import ZoneInfo

from tests.integration.connect_receiver import wait_for

SHOP_TIME = ZoneInfo("Asia/Tokyo")  # the local stack's shop


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
        ("PUT", "/liff/api/staff/messaging-rules"): ({}, {"frequency_cap": {"max_pushes_per_7_days": None}}),
    }


def eventually(condition: Any, seconds: float = 120) -> Any:
    """Poll `condition` until it returns something truthy (event-driven; the deadline is generous)."""
    return wait_for("the scenario's condition", condition, seconds)


def clock_now(api_url: str) -> datetime:
    return datetime.fromisoformat(local_control(api_url, "GET", "clock")[1]["now"])


def next_morning(api_url: str) -> datetime:
    """10:00 (shop time) on the functions' next day: inside the send window."""
    tomorrow = clock_now(api_url).astimezone(SHOP_TIME).date() + timedelta(days=1)
    return datetime.combine(tomorrow, time_of_day(10, 0), SHOP_TIME)


def advance_clock_to(api_url: str, at: datetime) -> dict[str, Any]:
    """Move the functions' clock forward to `at` (not back)."""
    seconds = (at - clock_now(api_url)).total_seconds()
    assert seconds >= 0, f"the clock is past {at} already"
    return advance_clock(api_url, seconds=seconds)


def fire_scenario_schedule(api_url: str) -> dict[str, Any]:
    """The scenario schedule's minute, now: {"enqueued": n, "items_read": …, "queries": …}."""
    status, answer = local_control(api_url, "POST", "schedules/scenarios/fire")
    assert status == 200, answer
    return answer


def texts_received(line: Any, user_id: str, marker: str) -> list[str]:
    """The texts `user_id` received that carry `marker`."""
    return [m.get("text", "") for m in line.received(user_id) if marker in m.get("text", "")]


def scenario_results(api: Any, owner: str, scenario_id: str) -> dict[str, Any]:
    status, answer = api.call("GET", f"/liff/api/staff/scenarios/{scenario_id}", owner)
    assert status == 200, answer
    results: dict[str, Any] = answer["results"]
    return results


def step_counts(results: dict[str, Any], step_id: str) -> dict[str, int]:
    return next(step for step in results["steps"] if step["step_id"] == step_id)
