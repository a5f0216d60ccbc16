"""What one webhook event costs the handler: CPU, DynamoDB requests and LINE calls, per event type.

The handler runs in a process of its own (bench/handler_process.py: the API emulation in front of the
real handlers), moto in another and the LINE simulator in this one, so the handler process's CPU time
is the handler's alone: wall time would mostly measure the local moto. The shop is the local stack's
demo shop (LIFF apps, rich menus, staff alerts to its owner), so a follow does everything a set-up
shop's does. Each simulated user follows, sends four text messages and taps a postback; one user in
four then blocks. Each event type is sent as its own phase, one event per request as LINE sends them,
to the floor and to the real handler in alternating chunks of ten (so that both see the same machine,
whatever else runs on it), and for each the benchmark prints, per event:
- the handler process's CPU milliseconds, and the floor's for the same requests: a process running
  the same API emulation and Powertools resolver with a handler that only checks the signature;
- the DynamoDB requests the handler sent, by operation (every HTTP request of every botocore client
  in the handler process, retries included), and which of them are writes;
- the LINE API calls that reached the simulator, by endpoint.

Target: over the whole mix, the handler uses at most 4.0x the floor's CPU per event, i.e. the ledger's
work (parsing, the domain, building and reading DynamoDB and LINE requests) costs at most three
signature-checked requests' worth of CPU. Also printed, for information: the old headline, the
handler's events per second as a share of the floor's (mostly moto's speed), and the webhook's cold
start (import+init, fresh interpreter). More than ~95 users exceed the demo shop's 100 staff alerts a
minute, and the follows' alert requests then drop.

Usage: python bench/webhook.py [--users N] [--profile FILE]

`--profile FILE` profiles the real handler's requests (cProfile, in its process) and writes the
pstats to FILE (`python -m pstats FILE`); profiled, its CPU figures are not comparable.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "bench")]

from cold_start import BASELINE, MEASURE_IMPORT, lambda_environment, measure  # noqa: E402
from handler_process import CHANNEL_SECRET_VARIABLE, PROFILE_VARIABLE, USAGE_PATH  # noqa: E402
from local_api import local_api_world, signed_post  # noqa: E402

from daifuku_local.demo_shop import seed_demo_shop  # noqa: E402
from daifuku_local.line_platform import LineSimulator  # noqa: E402
from daifuku_local.line_platform.webhook_events import (  # noqa: E402
    follow_event,
    postback_event,
    text_message_event,
    unfollow_event,
)

TARGET_RATIO = 4.0
MESSAGES_PER_USER = 4
BLOCKERS_ONE_IN = 4
INTERLEAVED_CHUNK = 10
POSTBACK_DATA = "action=show_card"  # the rich menu's card area when LIFF cannot open: replied to
DYNAMODB_TARGET_PREFIX = "DynamoDB_20120810."
DYNAMODB_WRITES = frozenset(
    {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem", "BatchExecuteStatement"}
)


def workload(simulator: LineSimulator, users: int) -> list[bytes]:
    """Signed-ready bodies (bench/staff.py's floor requests): per user one follow, then messages, one
    event per request as LINE sends them."""
    bodies = []
    for n in range(users):
        user = simulator.create_user(f"ベンチ{n}")
        simulator.users[user.user_id].following = True
        events = [follow_event(user.user_id, simulator._issue_reply_token(user.user_id), False)]
        events += [
            text_message_event(user.user_id, simulator._issue_reply_token(user.user_id), f"メッセージ{m}")
            for m in range(MESSAGES_PER_USER)
        ]
        bodies += [simulator.webhook_body([event]) for event in events]
    return bodies


def post_webhook(url: str, body: bytes, simulator: LineSimulator) -> None:
    """One signed webhook request, as LINE sends it; it must be answered 200."""
    signed_post(url, body, simulator.sign(body))


@dataclass(frozen=True)
class Usage:
    """A handler process's CPU seconds and AWS requests (by X-Amz-Target), cumulative or over a phase."""

    cpu_seconds: float
    aws_requests: Counter[str]

    def __sub__(self, earlier: Usage) -> Usage:
        return Usage(self.cpu_seconds - earlier.cpu_seconds, self.aws_requests - earlier.aws_requests)


class HandlerProcess:
    """bench/handler_process.py as a child process, with the environment local_api_world set."""

    def __init__(self, kind: str, environment: dict[str, str]):
        self._process = subprocess.Popen(
            [sys.executable, str(REPO_ROOT / "bench" / "handler_process.py"), kind],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            env=environment,
            text=True,
        )
        assert self._process.stdout is not None
        self.url = self._process.stdout.readline().strip()
        if not self.url:
            raise RuntimeError(f"the {kind} handler process did not start (exit {self._process.wait()})")

    def usage(self) -> Usage:
        with urllib.request.urlopen(f"{self.url}{USAGE_PATH}", timeout=30) as response:
            figures = json.loads(response.read())
        return Usage(figures["cpu_seconds"], Counter(figures["aws_requests"]))

    def stop(self) -> None:
        stdin: IO[str] | None = self._process.stdin
        if stdin:
            stdin.close()
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()


@dataclass(frozen=True)
class PhaseResult:
    events: int
    seconds: float
    usage: Usage
    line_calls: Counter[str]


def line_calls(simulator: LineSimulator) -> Counter[str]:
    """The simulator's platform requests so far, by endpoint (and status, when not 200)."""
    with simulator._lock:
        return Counter(
            {
                endpoint if status == "200" else f"{endpoint} {status}": count
                for endpoint, by_status in simulator.stats.items()
                for status, count in by_status.items()
            }
        )


def run_phase(
    real: HandlerProcess, floor: HandlerProcess, bodies: list[bytes], simulator: LineSimulator
) -> tuple[PhaseResult, PhaseResult]:
    """The same requests to the floor and to the real handler, in alternating chunks so that both see
    the same machine (others' load varies here). Each process only spends CPU on its own requests, so
    its usage over the whole phase is its share; the LINE calls are all the real handler's."""
    usage_before = {real: real.usage(), floor: floor.usage()}
    calls_before = line_calls(simulator)
    seconds = {real: 0.0, floor: 0.0}
    for start in range(0, len(bodies), INTERLEAVED_CHUNK):
        for handler in (floor, real):
            started = time.perf_counter()
            for body in bodies[start : start + INTERLEAVED_CHUNK]:
                post_webhook(f"{handler.url}/webhook", body, simulator)
            seconds[handler] += time.perf_counter() - started
    calls = line_calls(simulator) - calls_before
    real_result = PhaseResult(len(bodies), seconds[real], real.usage() - usage_before[real], calls)
    floor_result = PhaseResult(len(bodies), seconds[floor], floor.usage() - usage_before[floor], Counter())
    return real_result, floor_result


def event_phases(simulator: LineSimulator, users: list[str]) -> list[tuple[str, Callable[[], list[bytes]]]]:
    """Each event type's bodies, built just before its phase: each event's timestamp follows the last's."""

    def signed(events: list[dict]) -> list[bytes]:
        return [simulator.webhook_body([event]) for event in events]

    def token(user_id: str) -> str:
        return simulator._issue_reply_token(user_id)

    return [
        ("follow", lambda: signed([follow_event(u, token(u), False) for u in users])),
        (
            "message (text)",
            lambda: signed(
                [
                    text_message_event(u, token(u), f"メッセージ{m}")
                    for m in range(MESSAGES_PER_USER)
                    for u in users
                ]
            ),
        ),
        ("postback", lambda: signed([postback_event(u, token(u), POSTBACK_DATA) for u in users])),
        ("unfollow (block)", lambda: signed([unfollow_event(u) for u in users[::BLOCKERS_ONE_IN]])),
    ]


def new_users(simulator: LineSimulator, count: int, prefix: str) -> list[str]:
    users = [simulator.create_user(f"{prefix}{n}").user_id for n in range(count)]
    for user_id in users:
        simulator.users[user_id].following = True
    return users


def per_event(counts: Counter[str], events: int) -> str:
    """`name rate, …`; a rate under 0.01 (a cache refreshed now and then) keeps its first digit."""
    rates = [(name, count / events) for name, count in sorted(counts.items())]
    shown = [f"{name} {rate:.2f}" if rate >= 0.01 else f"{name} {rate:.1g}" for name, rate in rates]
    return ", ".join(shown) or "none"


def report_phase(name: str, real: PhaseResult, floor: PhaseResult) -> None:
    events = real.events
    dynamodb = Counter(
        {
            target.removeprefix(DYNAMODB_TARGET_PREFIX): n
            for target, n in real.usage.aws_requests.items()
            if target.startswith(DYNAMODB_TARGET_PREFIX)
        }
    )
    other_aws = Counter(
        {t: n for t, n in real.usage.aws_requests.items() if not t.startswith(DYNAMODB_TARGET_PREFIX)}
    )
    writes = sum(n for operation, n in dynamodb.items() if operation in DYNAMODB_WRITES)
    real_ms, floor_ms = 1000 * real.usage.cpu_seconds / events, 1000 * floor.usage.cpu_seconds / events
    print(f"{name}, {events} events, per event:")
    print(f"  handler CPU {real_ms:.2f} ms, floor CPU {floor_ms:.2f} ms = {real_ms / floor_ms:.1f}x")
    print(
        f"  DynamoDB requests {sum(dynamodb.values()) / events:.2f} (writes {writes / events:.2f}): "
        f"{per_event(dynamodb, events)}"
    )
    if other_aws:
        print(f"  other AWS requests: {per_event(other_aws, events)}")
    print(f"  LINE calls {real.line_calls.total() / events:.2f}: {per_event(real.line_calls, events)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=60)
    parser.add_argument("--profile", type=Path, help="write the real handler's cProfile stats here")
    arguments = parser.parse_args()
    users = arguments.users
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # the simulator's access log

    with local_api_world() as world:
        simulator = world.simulator
        seed_demo_shop(simulator, world.aws_endpoint, world.resources.table_name, "http://127.0.0.1/liff")
        profile = {PROFILE_VARIABLE: str(arguments.profile.resolve())} if arguments.profile else {}
        real = HandlerProcess("real", {**os.environ, **profile})
        floor = HandlerProcess(
            "signature-floor", {**os.environ, CHANNEL_SECRET_VARIABLE: world.channel.channel_secret}
        )
        try:
            # Warm both: imports, botocore's service models, the shop's configuration and credentials.
            for _, bodies_of in event_phases(simulator, new_users(simulator, 3, "準備")):
                run_phase(real, floor, bodies_of(), simulator)

            results: list[tuple[str, PhaseResult, PhaseResult]] = []
            for name, bodies_of in event_phases(simulator, new_users(simulator, users, "ベンチ")):
                results.append((name, *run_phase(real, floor, bodies_of(), simulator)))
        finally:
            real.stop()
            floor.stop()
        assert simulator.violations == [], json.dumps(simulator.violations)[:500]

    follow_dynamodb = sum(
        n for t, n in results[0][1].usage.aws_requests.items() if t.startswith(DYNAMODB_TARGET_PREFIX)
    )
    if follow_dynamodb == 0:
        raise SystemExit("no DynamoDB request counted for the follows: is botocore's history recorder gone?")

    events = sum(real_result.events for _, real_result, _ in results)
    print(
        f"events: {events} ({users} users: 1 follow, {MESSAGES_PER_USER} messages and 1 postback each; "
        f"one in {BLOCKERS_ONE_IN} then blocks); shop: the local demo shop"
    )
    for name, real_result, floor_result in results:
        report_phase(name, real_result, floor_result)
    real_cpu = sum(r.usage.cpu_seconds for _, r, _ in results)
    floor_cpu = sum(f.usage.cpu_seconds for _, _, f in results)
    print(
        f"all events: handler CPU {1000 * real_cpu / events:.2f} ms per event, "
        f"floor CPU {1000 * floor_cpu / events:.2f} ms per event"
    )
    real_rate = events / sum(r.seconds for _, r, _ in results)
    floor_rate = events / sum(f.seconds for _, _, f in results)
    print(
        f"throughput, for information (mostly moto's speed): floor {floor_rate:.0f} events/s, "
        f"handler {real_rate:.0f} events/s = {real_rate / floor_rate:.3f}x the floor's rate"
    )

    environment = lambda_environment()
    measure(MEASURE_IMPORT, ["functions.webhook.handler"], 1, environment)
    base_seconds, _ = measure(MEASURE_IMPORT, [BASELINE], 3, environment)
    cold_seconds, cold_rss = measure(MEASURE_IMPORT, ["functions.webhook.handler"], 3, environment)
    print(
        f"webhook cold start (import+init): {cold_seconds:.3f} s, {cold_rss:.0f} MB "
        f"= {cold_seconds / base_seconds:.3f}x import {BASELINE}"
    )
    ratio = real_cpu / floor_cpu
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    print(f"BENCH webhook cpu_per_event_vs_signature_floor={ratio:.2f} target <= {TARGET_RATIO} {verdict}")


if __name__ == "__main__":
    main()
