"""With tracing off (the default), no function builds Powertools' Tracer or imports the X-Ray SDK;
with it on, the routes are traced by Powertools' Tracer as before."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from daifuku.tracing import Untraced, function_tracer

REPO_ROOT = Path(__file__).resolve().parents[2]
ROUTE_MODULES = (
    "functions.liff_api.customer_routes",
    "functions.liff_api.staff_routes",
    "functions.webhook.api",
    "functions.segment_send.handler",
    "functions.birthday_scheduler.handler",
)
IMPORT_THE_ROUTES = f"""
import json, sys
for module in {ROUTE_MODULES!r}:
    __import__(module)
from functions.liff_api import customer_routes
print(json.dumps({{
    "xray": "aws_xray_sdk" in sys.modules,
    "tracer": type(customer_routes.tracer).__name__,
    "open_card": customer_routes.open_card.__qualname__,
}}))
"""


def import_the_routes(trace_disabled: str | None) -> dict[str, object]:
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "layers" / "shared")]),
        "LAMBDA_TASK_ROOT": str(REPO_ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": "tracing-test",
        "AWS_DEFAULT_REGION": "ap-northeast-1",
    }
    environment.pop("POWERTOOLS_TRACE_DISABLED", None)
    if trace_disabled is not None:
        environment["POWERTOOLS_TRACE_DISABLED"] = trace_disabled
    completed = subprocess.run(
        [sys.executable, "-c", IMPORT_THE_ROUTES],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(completed.stdout.strip().splitlines()[-1])
    return result


def test_with_tracing_off_no_function_imports_the_xray_sdk():
    imported = import_the_routes("true")

    assert imported == {"xray": False, "tracer": "Untraced", "open_card": "open_card"}


def test_with_tracing_on_the_routes_are_traced_by_powertools():
    imported = import_the_routes(None)

    assert imported["xray"] is True and imported["tracer"] == "Tracer"


@pytest.mark.parametrize("value", ["true", "1", "TRUE", "yes", "on"])
def test_powertools_switch_values_turn_the_tracer_off(monkeypatch, value):
    monkeypatch.setenv("POWERTOOLS_TRACE_DISABLED", value)

    tracer = function_tracer("liff_api")

    assert isinstance(tracer, Untraced)


def test_the_stand_in_hands_back_what_it_decorates_bare_or_with_arguments():
    tracer = Untraced()

    def route() -> str:
        return "ok"

    assert tracer.capture_method(route) is route
    assert tracer.capture_method(capture_response=False)(route) is route
    assert tracer.capture_lambda_handler(route) is route
