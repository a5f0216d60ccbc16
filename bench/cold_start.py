"""Cold start of each function: import+init time and peak RSS in a fresh interpreter, and the first
response after a cold start, which is what a customer actually waits for.

Each figure is a ratio against `import linebot.v3.messaging` measured the same way in the same run:
the import a naive handler would pay. Targets: the request-path functions (webhook, liff_api) at
<= 0.10x the baseline's time for import+init, and at <= 0.30x for the first response: import + init +
one real request against the local stack (moto and the LINE simulator in other processes): a new
friend's follow webhook, and a new customer opening the member card with a fresh LIFF ID token.
Then, for each of the two, where the first request's time goes (profiled in a separate run).

Usage: python bench/cold_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import statistics
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local")]

from daifuku.adapters.dynamodb.repositories import Repositories  # noqa: E402
from daifuku.adapters.dynamodb.table import TableGateway  # noqa: E402
from daifuku.domain.webhook_signature import sign_webhook_body  # noqa: E402
from daifuku.models.shop import RegistrationMode  # noqa: E402
from daifuku_local.aws_resources import (  # noqa: E402
    LocalChannel,
    LocalResources,
    create_local_resources,
    deployment_context,
    local_table,
)
from daifuku_local.demo_shop import seed_demo_shop  # noqa: E402
from daifuku_local.line_platform import LineSimulator, SimulatorConfig  # noqa: E402
from daifuku_local.moto_process import MotoServerProcess  # noqa: E402

TARGET_RATIO = 0.10
FIRST_RESPONSE_TARGET_RATIO = 0.30
REQUEST_PATH = ("webhook", "liff_api")
FUNCTIONS = ("webhook", "liff_api", "segment_send", "birthday_scheduler")
BASELINE = "linebot.v3.messaging"

MEASURE_IMPORT = """
import json, resource, sys, time
started = time.perf_counter()
__import__(sys.argv[1])
seconds = time.perf_counter() - started
print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""

# What the measured interpreter cannot import because the Lambda layer does not ship it: Pillow is the
# operator CLI's (rich menu images), and qrcode would otherwise load its drawers on the card's QR code.
NOT_IN_THE_LAYER = """
import sys
sys.modules["PIL"] = None
"""

MEASURE_FIRST_REQUEST = (
    NOT_IN_THE_LAYER
    + """
import json, resource, sys, time
started = time.perf_counter()
module = __import__(sys.argv[1], fromlist=["handler"])
from daifuku_local.lambda_runtime import LocalLambdaContext
event = json.loads(sys.argv[2])
result = module.handler(event, LocalLambdaContext(function_name="bench"))
seconds = time.perf_counter() - started
assert result["statusCode"] == 200, result
print(json.dumps({"seconds": seconds, "rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""
)

# The first request alone, under cProfile: each function's cumulative seconds, to split the request's
# time into what it is spent on. Run with -X importtime too: the marker separates the imports the
# request triggers from those of import+init.
PROFILE_FIRST_REQUEST = (
    NOT_IN_THE_LAYER
    + """
import cProfile, json, pstats, sys, time
module = __import__(sys.argv[1], fromlist=["handler"])
from daifuku_local.lambda_runtime import LocalLambdaContext
event = json.loads(sys.argv[2])
print("first request starts", file=sys.stderr, flush=True)
profile = cProfile.Profile()
started = time.perf_counter()
result = profile.runcall(module.handler, event, LocalLambdaContext(function_name="bench"))
seconds = time.perf_counter() - started
assert result["statusCode"] == 200, result
spent = {}
for (filename, _, function), (_, _, _, cumulative, _) in pstats.Stats(profile).stats.items():
    key = filename + ":" + function
    spent[key] = spent.get(key, 0) + cumulative
print(json.dumps({"seconds": seconds, "spent": spent}))
"""
)
IMPORTS_MARKER = "first request starts"
IMPORT_TIME_LINE = re.compile(r"^import time:\s+(\d+) \|\s+\d+ \| +(\S+)$")
# What the first request's time is spent on: cumulative time of these functions (file suffix, name).
# Indented ones are part of the one above them.
REQUEST_PARTS: tuple[tuple[str, tuple[tuple[str, str], ...]], ...] = (
    (
        "AWS clients and resources built (botocore loads service models)",
        (("botocore/session.py", "create_client"), ("boto3/resources/factory.py", "load_from_definition")),
    ),
    (
        "AWS requests to moto (with the first call's signing and endpoint setup)",
        (("botocore/client.py", "_make_api_call"),),
    ),
    ("LINE Messaging API requests to the simulator", (("daifuku/adapters/line_api.py", "_request"),)),
    ("ID token check", (("daifuku/adapters/line_login.py", "verify"),)),
    ("  LINE's keys fetched (JWKS)", (("daifuku/adapters/line_id_tokens.py", "_fetch"),)),
    (
        "  cryptography: import, keys and signature",
        (
            ("daifuku/adapters/line_id_tokens.py", "es256_public_key"),
            ("daifuku/adapters/line_id_tokens.py", "es256_signature_is_valid"),
        ),
    ),
)


def lambda_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """What Lambda sets, plus the functions' own settings, with tracing as deployed by default
    (`daifuku:tracing`: off, so Powertools' Tracer does not patch botocore)."""
    environment = {
        **os.environ,
        "LAMBDA_TASK_ROOT": str(REPO_ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_REGION": "ap-northeast-1",
        "AWS_DEFAULT_REGION": "ap-northeast-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "DAIFUKU_TABLE_NAME": "daifuku-members",
        "DAIFUKU_LINE_CREDENTIALS_PARAMETER": "/daifuku/daifuku/line/credentials",
        "POWERTOOLS_METRICS_NAMESPACE": "Daifuku",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "local")]),
    }
    if deployment_context().tracing != "Active":
        environment["POWERTOOLS_TRACE_DISABLED"] = "true"
    environment.update(extra or {})
    # The deployed layer ships bytecode; let the warm-up runs write it here too.
    environment.pop("PYTHONDONTWRITEBYTECODE", None)
    return environment


def measure(script: str, args: list[str], runs: int, environment: dict[str, str]) -> tuple[float, float]:
    """Median seconds and median peak RSS (MB) over `runs` fresh interpreters."""
    seconds, rss = [], []
    for _ in range(runs):
        output = subprocess.run(
            [sys.executable, "-c", script, *args], env=environment, capture_output=True, text=True, check=True
        ).stdout
        figures = json.loads(output.strip().splitlines()[-1])
        seconds.append(figures["seconds"])
        rss.append(figures["rss_mb"])
    return statistics.median(seconds), statistics.median(rss)


def api_event(method: str, path: str, headers: dict[str, str], body: str | None) -> dict:
    """The API Gateway HTTP API (payload 2.0) event of one request."""
    return {
        "version": "2.0",
        "routeKey": "bench",
        "rawPath": path,
        "rawQueryString": "",
        "headers": headers,
        "requestContext": {
            "http": {"method": method, "path": path, "sourceIp": "127.0.0.1"},
            "requestId": "bench",
            "stage": "$default",
        },
        "body": body,
        "isBase64Encoded": False,
    }


def new_friends_follow(simulator: LineSimulator) -> dict:
    """LINE's signed webhook of a user who has just added the shop as a friend."""
    user = simulator.create_user()
    body = simulator.webhook_body([simulator.follow_without_webhook(user.user_id)])
    signature = sign_webhook_body(body, simulator.config.channel_secret)
    return api_event(
        "POST", "/webhook", {"content-type": "application/json", "x-line-signature": signature}, body.decode()
    )


def new_customer_opens_the_card(simulator: LineSimulator) -> dict:
    """A customer the function has never seen opens the member card, with liff.getIDToken()'s token."""
    user = simulator.create_user()
    token = simulator.id_tokens.issue(user.user_id, user.display_name)
    return api_event("POST", "/liff/api/card", {"authorization": f"Bearer {token}"}, None)


FIRST_REQUESTS: dict[str, Callable[[LineSimulator], dict]] = {
    "webhook": new_friends_follow,
    "liff_api": new_customer_opens_the_card,
}


def local_line_and_shop(
    moto_endpoint: str, resources: LocalResources, channel: LocalChannel
) -> LineSimulator:
    """The LINE simulator (in this process, so another than the measured one's) and the demo shop, with
    its card first: opening the card issues a new customer's number."""
    simulator = LineSimulator(
        SimulatorConfig(
            channel_secret=channel.channel_secret,
            channel_access_token=channel.channel_access_token,
            login_channel_id=channel.login_channel_id,
            login_channel_secret=channel.login_channel_secret,
        )
    )
    simulator.start()
    seed_demo_shop(simulator, moto_endpoint, resources.table_name, "http://127.0.0.1:8080")
    table = local_table(moto_endpoint, resources.table_name)
    shops = Repositories.over(TableGateway.of(table)).shop_config
    shops.save_shop_config(
        shops.load_shop_config().model_copy(update={"registration_mode": RegistrationMode.GUEST_CARD_FIRST})
    )
    return simulator


def first_response(
    name: str, simulator: LineSimulator, runs: int, environment: dict[str, str]
) -> tuple[float, float]:
    """Median seconds and peak RSS of import + init + the first request, a new user's each run."""
    seconds, rss = [], []
    for _ in range(runs):
        event = FIRST_REQUESTS[name](simulator)
        run_seconds, run_rss = measure(
            MEASURE_FIRST_REQUEST, [f"functions.{name}.handler", json.dumps(event)], 1, environment
        )
        seconds.append(run_seconds)
        rss.append(run_rss)
    return statistics.median(seconds), statistics.median(rss)


def first_request_breakdown(name: str, simulator: LineSimulator, environment: dict[str, str]) -> list[str]:
    """Where one first request's time goes (profiled, so slower than measured), and the imports it
    triggers: each module's own import time (not its imports'), summed by top-level package."""
    event = FIRST_REQUESTS[name](simulator)
    completed = subprocess.run(
        [
            sys.executable,
            "-X",
            "importtime",
            "-c",
            PROFILE_FIRST_REQUEST,
            f"functions.{name}.handler",
            json.dumps(event),
        ],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
    )
    profile = json.loads(completed.stdout.strip().splitlines()[-1])
    total, spent = profile["seconds"], profile["spent"]
    lines = [f"{name:<19} first request profiled: {total:.3f} s, of which"]
    for label, functions in REQUEST_PARTS:
        seconds = sum(
            cumulative
            for key, cumulative in spent.items()
            if any(key.endswith(f"{suffix}:{function}") for suffix, function in functions)
        )
        if seconds:
            lines.append(f"{'':<21}{label:<72} {seconds:.3f} s = {seconds / total:4.0%}")
    imported: dict[str, float] = {}
    after_marker = False
    for line in completed.stderr.splitlines():
        if line == IMPORTS_MARKER:
            after_marker = True
            continue
        match = IMPORT_TIME_LINE.match(line)
        if after_marker and match:
            package = match.group(2).split(".")[0]
            imported[package] = imported.get(package, 0) + int(match.group(1)) / 1e6
    biggest = sorted(imported.items(), key=lambda item: -item[1])[:6]
    lines.append(
        f"{'':<21}imports during the request (partly inside the parts above): {sum(imported.values()):.3f} s "
        + "("
        + ", ".join(f"{package} {seconds:.3f}" for package, seconds in biggest)
        + ")"
    )
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs

    environment = lambda_environment()
    # Warm the bytecode caches so every figure is a .pyc import, as in the deployed layer.
    for module in (BASELINE, *(f"functions.{name}.handler" for name in FUNCTIONS)):
        measure(MEASURE_IMPORT, [module], 1, environment)

    base_seconds, base_rss = measure(MEASURE_IMPORT, [BASELINE], runs, environment)
    print(f"baseline  import {BASELINE}: {base_seconds:.3f} s, {base_rss:.0f} MB peak RSS (median of {runs})")

    ratios: dict[str, float] = {}
    for name in FUNCTIONS:
        seconds, rss = measure(MEASURE_IMPORT, [f"functions.{name}.handler"], runs, environment)
        ratios[name] = seconds / base_seconds
        print(
            f"{name:<19} import+init {seconds:.3f} s = {ratios[name]:.3f}x time, "
            f"{rss:.0f} MB = {rss / base_rss:.2f}x RSS"
        )

    channel = LocalChannel()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)  # the simulator's access log
    moto = MotoServerProcess()
    moto.start()
    simulator: LineSimulator | None = None
    first_responses: dict[str, float] = {}
    breakdowns: list[str] = []
    try:
        resources = create_local_resources(moto.endpoint_url, channel)
        simulator = local_line_and_shop(moto.endpoint_url, resources, channel)
        request_environment = lambda_environment(
            {
                "AWS_ENDPOINT_URL": moto.endpoint_url,
                "DAIFUKU_TABLE_NAME": resources.table_name,
                "DAIFUKU_LINE_CREDENTIALS_PARAMETER": resources.line_credentials_parameter,
                "DAIFUKU_LINE_API_ENDPOINT": simulator.base_url,
                "DAIFUKU_LINE_DATA_API_ENDPOINT": simulator.base_url,
            }
        )
        for name in FIRST_REQUESTS:
            first_response(name, simulator, 1, request_environment)  # bytecode of what the request loads
            seconds, rss = first_response(name, simulator, runs, request_environment)
            first_responses[name] = seconds / base_seconds
            print(
                f"{name:<19} first request (import+init+request) {seconds:.3f} s = "
                f"{first_responses[name]:.3f}x time, {rss:.0f} MB"
            )
        for name in FIRST_REQUESTS:
            breakdowns += first_request_breakdown(name, simulator, request_environment)
    finally:
        if simulator:
            simulator.stop()
        moto.stop()
    print("\n".join(breakdowns))

    worst = max(ratios[name] for name in REQUEST_PATH)
    verdict = "met" if worst <= TARGET_RATIO else "missed"
    print(f"BENCH cold_start request_path_init_time_ratio={worst:.3f} target <= {TARGET_RATIO:.2f} {verdict}")
    slowest = max(first_responses.values())
    verdict = "met" if slowest <= FIRST_RESPONSE_TARGET_RATIO else "missed"
    print(
        f"BENCH cold_start first_response_vs_sdk_import={slowest:.3f} "
        f"target <= {FIRST_RESPONSE_TARGET_RATIO:.2f} {verdict}"
    )


if __name__ == "__main__":
    main()
