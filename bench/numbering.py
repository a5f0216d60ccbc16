"""Member numbering under concurrency: registrations per second at 1, 10 and 50 concurrent clients,
through the local stack (`python -m daifuku_local`: API emulation, moto, the LINE simulator), with
duplicate and missing numbers counted. Both must be 0.

Each registration is a new LINE user sending the form once (POST /liff/api/registration with their
LIFF ID token), as register.html does, retrying "busy" answers as the page does. The figure is a
ratio against a baseline measured in the same run at the same concurrency: the same users editing
their profile once (PUT /liff/api/me). That is the same request path (token check, shop
configuration, the member's item, a conditional write) without the shared counter, so the ratio is
what the atomic counter transaction and its contention cost.

Target: at 50 clients, registrations run at >= 0.10x the rate of profile edits, with no duplicate
and no gap. Uncontended (1 client) a registration costs about 1.6 profile edits (it also reads the
counter, commits the transaction, checks for an imported number and switches the rich menu). At 50
clients the one counter item admits one commit per read-and-commit window and the losers back off
(domain/member_numbers.py), while profile edits run in parallel: the budget is that this costs at
most ten profile edits' worth of throughput per registration. The local stack serialises moto and
runs every handler thread in one interpreter, so its windows are wider than DynamoDB's; the figure
is a floor for the deployed system, not its forecast.

The burst (the default, the headline): 200 customers open the card and register at once (a poster at
an event), each with the page's own retry budget for "busy" answers (js/liff-app.js
callApiPatiently: 5 attempts), while one other CPU-bound process runs on the machine (the bench
starts it). It prints the customers left without a number (must be 0), duplicate and missing
numbers (0 and 0) and the p95 time from opening the card to holding a number, against the 5 seconds
to a card of seed 001. Target: p95 <= 0.4 of that anchor, and every customer numbered. The local
stack runs every handler as a thread of one interpreter and moto one request at a time, so 400
requests at once queue there: on a shared machine its throughput, not the numbering, sets the p95
(the transaction-per-number design before it measured the same p95 in the same conditions).

Usage: python bench/numbering.py [--customers N] | --throughput [--registrations N]
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "layers" / "shared")]


from daifuku_local.aws_resources import local_table  # noqa: E402
from daifuku_local.line_platform.client import SimulatorClient  # noqa: E402
from tests.local_stack_runner import start_local_stack, stop_local_stack  # noqa: E402

CLIENTS = (1, 10, 50)
TARGET_RATIO = 0.10
# The page's retry budget for "busy" (js/liff-app.js PATIENT_ATTEMPTS; tests/unit/test_retry_budget.py
# keeps the two equal).
BUSY_ATTEMPTS = 5
BURST_CUSTOMERS = 200
# Seed 001 measured 5 seconds from opening the card to holding it; the burst's p95 is given against it.
ANCHOR_SECONDS = 5.0
BURST_TARGET = 0.4


def page_pause(attempt: int) -> float:
    """The page's pause after its `attempt`-th busy answer: 0.5 s per attempt so far, plus jitter."""
    return 0.5 * attempt + random.random() * 0.5


def call(api: str, method: str, path: str, token: str, body: Any) -> tuple[int, dict[str, Any]]:
    """As js/liff-app.js callApiPatiently: a 503 is tried again, BUSY_ATTEMPTS times in all."""
    request = urllib.request.Request(f"{api}{path}", data=json.dumps(body).encode(), method=method)
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    for attempt in range(1, BUSY_ATTEMPTS + 1):
        try:
            with urllib.request.urlopen(request, timeout=120) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            if error.code != 503:
                return error.code, json.loads(error.read() or b"{}")
            if attempt < BUSY_ATTEMPTS:
                time.sleep(page_pause(attempt))
        except (urllib.error.URLError, TimeoutError):
            return 0, {}  # no answer at all: the customer gives up (status 0 in the summary)
    return 503, {}


def form(n: int) -> dict[str, str]:
    return {"name": f"ベンチ 会員{n}", "birthdate": "1990-01-01", "phone": f"090{n:08d}"}


def timed(clients: int, jobs: list[Any], run: Any) -> tuple[float, list[Any]]:
    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=clients) as pool:
        results = list(pool.map(run, jobs))
    return time.perf_counter() - started, results


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(fraction * len(ordered)) - 1))]


def burst(customers: int) -> None:
    """Everyone at once: open the card (a registration-first shop answers "register first"), then
    register, each call with the page's retry budget; the time to a number is per customer."""
    stack = start_local_stack(Path(tempfile.mkdtemp(prefix="daifuku-bench-burst-")))
    # One other CPU-bound process on the machine, as on a laptop running a build meanwhile.
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        api = stack.urls.api
        line = SimulatorClient(stack.urls.simulator)
        table = local_table(stack.urls.aws_endpoint)
        warm = line.id_token(line.create_user("ウォームアップ"))
        assert call(api, "POST", "/liff/api/registration", warm, form(0))[0] == 200
        tokens = [line.id_token(line.create_user(f"バースト{n}")) for n in range(customers)]

        def customer(job: tuple[str, int]) -> tuple[float | None, str | None, int]:
            token, n = job
            started = time.perf_counter()
            status, card = call(api, "POST", "/liff/api/card", token, {})
            if status == 200 and card.get("member_no"):
                return time.perf_counter() - started, str(card["member_no"]), status
            if status not in (200, 409):
                return None, None, status
            status, registered = call(api, "POST", "/liff/api/registration", token, form(n))
            if status != 200:
                return None, None, status
            return time.perf_counter() - started, str(registered["member_no"]), status

        _, results = timed(customers, list(zip(tokens, range(1, customers + 1), strict=True)), customer)
        counter = table.get_item(Key={"pk": "COUNTER#member_no", "sk": "COUNTER"}, ConsistentRead=True)
        last_sequence = int(counter["Item"]["last_sequence"])
        assert line.violations() == [], "requests broke LINE's OpenAPI spec"
    finally:
        spinner.kill()
        spinner.wait()
        stop_local_stack(stack)

    seconds = [s for s, _, _ in results if s is not None]
    numbers = [1] + [int(n) for _, n, _ in results if n is not None]  # 1: the warm-up user
    without = customers - len(seconds)
    duplicates = len(numbers) - len(set(numbers))
    gaps = len(set(range(1, last_sequence + 1)) - set(numbers))
    failures = sorted({status for s, _, status in results if s is None})
    p95 = percentile(seconds, 0.95) if seconds else float("inf")
    print(f"customers: {customers} at once, with one CPU-bound process beside the stack")
    print(f"customers without a number: {without}" + (f" (last answers {failures})" if failures else ""))
    print(f"duplicate numbers: {duplicates}, missing numbers (gaps): {gaps}, counter at {last_sequence}")
    print(
        f"time to a number: p50 {percentile(seconds, 0.5):.2f} s, p95 {p95:.2f} s, max {max(seconds):.2f} s"
    )
    ratio = p95 / ANCHOR_SECONDS
    met = ratio <= BURST_TARGET and without == 0 and duplicates == 0 and gaps == 0
    print(
        f"BENCH numbering burst_p95_seconds_vs_5s_anchor={ratio:.2f} target <= {BURST_TARGET} "
        f"{'met' if met else 'missed'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--registrations", type=int, default=100, help="per concurrency level")
    parser.add_argument(
        "--throughput", action="store_true", help="registrations/s at 1, 10, 50 clients instead of the burst"
    )
    parser.add_argument("--customers", type=int, default=BURST_CUSTOMERS, help="in the burst")
    arguments = parser.parse_args()
    if not arguments.throughput:
        burst(arguments.customers)
        return
    count = arguments.registrations

    stack = start_local_stack(Path(tempfile.mkdtemp(prefix="daifuku-bench-numbering-")))
    try:
        api = stack.urls.api
        line = SimulatorClient(stack.urls.simulator)
        table = local_table(stack.urls.aws_endpoint)
        # Warm the handler (its first request imports it), outside the measurement.
        warm = line.id_token(line.create_user("ウォームアップ"))
        assert call(api, "POST", "/liff/api/registration", warm, form(0))[0] == 200

        issued: list[int] = []
        ratios: dict[int, float] = {}
        serial = 1
        for clients in CLIENTS:
            users = [line.create_user(f"ベンチ{clients}-{n}") for n in range(count)]
            tokens = [line.id_token(user) for user in users]
            jobs = list(zip(tokens, range(serial, serial + count), strict=True))
            serial += count

            def register(job: tuple[str, int]) -> tuple[int, dict[str, Any]]:
                return call(api, "POST", "/liff/api/registration", job[0], form(job[1]))

            def edit(job: tuple[str, int]) -> tuple[int, dict[str, Any]]:
                return call(api, "PUT", "/liff/api/me", job[0], {**form(job[1]), "name": "ベンチ 変更"})

            seconds, answers = timed(clients, jobs, register)
            assert all(status == 200 for status, _ in answers), [a for a in answers if a[0] != 200][:3]
            issued += [int(payload["member_no"]) for _, payload in answers]
            base_seconds, edits = timed(clients, jobs, edit)
            assert all(status == 200 for status, _ in edits), [e for e in edits if e[0] != 200][:3]
            rate, base_rate = count / seconds, count / base_seconds
            ratios[clients] = rate / base_rate
            print(
                f"{clients:>3} clients: {rate:6.1f} registrations/s, baseline {base_rate:6.1f} profile "
                f"edits/s, ratio {ratios[clients]:.2f}"
            )

        counter = table.get_item(Key={"pk": "COUNTER#member_no", "sk": "COUNTER"}, ConsistentRead=True)
        last_sequence = int(counter["Item"]["last_sequence"])
        numbers = [1, *issued]  # number 1 went to the warm-up user
        duplicates = len(numbers) - len(set(numbers))
        gaps = len(set(range(1, last_sequence + 1)) - set(numbers))
        print(f"numbers issued: {len(numbers)}, counter at {last_sequence}")
        print(f"duplicate numbers: {duplicates}, missing numbers (gaps): {gaps}")
        assert line.violations() == [], "requests broke LINE's OpenAPI spec"
    finally:
        stop_local_stack(stack)

    ratio = ratios[CLIENTS[-1]]
    verdict = "met" if ratio >= TARGET_RATIO and duplicates == 0 and gaps == 0 else "missed"
    print(
        f"BENCH numbering registrations_per_s_vs_profile_edits_at_50_clients={ratio:.2f} "
        f"target >= {TARGET_RATIO:.2f} {verdict}"
    )


if __name__ == "__main__":
    main()
