"""Cold start of each function: import+init time and peak RSS in a fresh interpreter.

Each figure is a ratio against `import linebot.v3.messaging` measured the same way in the same run:
the import a naive handler would pay. Target: the request-path functions (webhook, liff_api) at
<= 0.10x the baseline's time. Also printed, for information: the first request after a cold start
(import + init + one request against moto), which is what a customer actually waits for.

Usage: python bench/cold_start.py [--runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local")]

from daifuku.domain.webhook_signature import sign_webhook_body  # noqa: E402
from daifuku_local.aws_resources import LocalChannel, create_local_resources  # noqa: E402
from daifuku_local.moto_process import MotoServerProcess  # noqa: E402

TARGET_RATIO = 0.10
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

MEASURE_FIRST_REQUEST = """
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


def lambda_environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """What Lambda sets (tracing enabled, as deployed), plus the functions' own settings."""
    environment = {
        **os.environ,
        "LAMBDA_TASK_ROOT": str(REPO_ROOT),
        "AWS_LAMBDA_FUNCTION_NAME": "bench",
        "AWS_REGION": "ap-northeast-1",
        "AWS_DEFAULT_REGION": "ap-northeast-1",
        "AWS_ACCESS_KEY_ID": "bench",
        "AWS_SECRET_ACCESS_KEY": "bench",
        "DAIFUKU_TABLE_NAME": "daifuku-members",
        "DAIFUKU_LINE_SECRET_ID": "daifuku/line",
        "POWERTOOLS_METRICS_NAMESPACE": "Daifuku",
        "POWERTOOLS_LOG_LEVEL": "ERROR",
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "local")]),
    }
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


def first_request_events(channel: LocalChannel) -> dict[str, dict]:
    body = json.dumps({"destination": "Ubench", "events": []})
    signature = sign_webhook_body(body.encode(), channel.channel_secret)

    def event(method: str, path: str, headers: dict[str, str], body: str | None) -> dict:
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

    return {
        "webhook": event(
            "POST",
            "/webhook",
            {"content-type": "application/json", "x-line-signature": signature},
            body,
        ),
        "liff_api": event("GET", "/liff/api/health", {}, None),
    }


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
    moto = MotoServerProcess()
    moto.start()
    try:
        create_local_resources(moto.endpoint_url, channel)
        request_environment = lambda_environment({"AWS_ENDPOINT_URL": moto.endpoint_url})
        for name, event in first_request_events(channel).items():
            measure(
                MEASURE_FIRST_REQUEST,
                [f"functions.{name}.handler", json.dumps(event)],
                1,
                request_environment,
            )
            seconds, rss = measure(
                MEASURE_FIRST_REQUEST,
                [f"functions.{name}.handler", json.dumps(event)],
                runs,
                request_environment,
            )
            print(
                f"{name:<19} first request (import+init+request) {seconds:.3f} s = "
                f"{seconds / base_seconds:.3f}x time, {rss:.0f} MB"
            )
    finally:
        moto.stop()

    worst = max(ratios[name] for name in REQUEST_PATH)
    verdict = "met" if worst <= TARGET_RATIO else "missed"
    print(f"BENCH cold_start request_path_init_time_ratio={worst:.3f} target <= {TARGET_RATIO:.2f} {verdict}")


if __name__ == "__main__":
    main()
