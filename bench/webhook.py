"""Webhook throughput: events per second one warm handler process sustains through the local API.

The figure is a ratio against a floor measured in the same run: the same API emulation and resolver
with a handler that only verifies the signature and returns 200. The real handler also reads the
shop's configuration, claims the event id, writes the friend (moto, in server mode), fetches the
profile and replies (the LINE simulator). Events are a realistic mix: each simulated user follows,
then sends four messages. Also printed: the webhook's cold start (import+init, fresh interpreter).

Target: the real handler sustains at least 0.20x the floor's rate, i.e. the ledger costs at most
five signature checks' worth of time per event on this machine's moto and simulator.

Usage: python bench/webhook.py [--users N]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "bench")]

from cold_start import BASELINE, MEASURE_IMPORT, lambda_environment, measure  # noqa: E402
from local_api import local_api_world, serve_api  # noqa: E402

from daifuku_local.line_platform import LineSimulator  # noqa: E402
from daifuku_local.line_platform.webhook_events import follow_event, text_message_event  # noqa: E402

TARGET_RATIO = 0.20
MESSAGES_PER_USER = 4


def signature_only_handler(channel_secret: str) -> Any:
    """The floor: Powertools resolver, signature check, 200, and nothing else."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    from daifuku.domain.errors import InvalidSignature
    from daifuku.domain.webhook_signature import verify_webhook_signature

    app = APIGatewayHttpResolver()

    @app.post("/webhook")
    def receive() -> dict[str, str]:
        body = (app.current_event.decoded_body or "").encode()
        verify_webhook_signature(body, app.current_event.headers.get("x-line-signature"), channel_secret)
        return {"status": "ok"}

    @app.exception_handler(InvalidSignature)
    def reject(_: InvalidSignature) -> Response:
        return Response(401, "application/json", {"message": "invalid signature"})

    return lambda event, context: app.resolve(event, context)


def workload(simulator: LineSimulator, users: int) -> list[bytes]:
    """Signed-ready bodies: per user one follow, then messages, one event per request as LINE sends them."""
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
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Line-Signature", simulator.sign(body))
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200


def events_per_second(url: str, bodies: list[bytes], simulator: LineSimulator) -> float:
    started = time.perf_counter()
    for body in bodies:
        post_webhook(url, body, simulator)
    return len(bodies) / (time.perf_counter() - started)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--users", type=int, default=60)
    users = parser.parse_args().users
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with local_api_world() as world:
        simulator = world.simulator
        real = serve_api()
        floor = serve_api({"webhook": signature_only_handler(world.channel.channel_secret)})
        warm_up = workload(simulator, 3)
        events_per_second(f"{real.url}/webhook", warm_up, simulator)
        events_per_second(f"{floor.url}/webhook", warm_up, simulator)

        bodies = workload(simulator, users)
        floor_rate = events_per_second(f"{floor.url}/webhook", bodies, simulator)
        real_rate = events_per_second(f"{real.url}/webhook", bodies, simulator)
        replies = sum(1 for t in simulator.transcripts.values() for e in t if e.via == "reply")
        print(
            f"events: {len(bodies)} ({users} users: 1 follow + {MESSAGES_PER_USER} messages each), "
            f"replies sent: {replies}"
        )
        print(f"floor (signature check only): {floor_rate:.0f} events/s")
        print(f"webhook handler:              {real_rate:.0f} events/s")
        assert simulator.violations == [], json.dumps(simulator.violations)[:500]
        real.stop()
        floor.stop()

    environment = lambda_environment()
    measure(MEASURE_IMPORT, ["functions.webhook.handler"], 1, environment)
    base_seconds, _ = measure(MEASURE_IMPORT, [BASELINE], 3, environment)
    cold_seconds, cold_rss = measure(MEASURE_IMPORT, ["functions.webhook.handler"], 3, environment)
    print(
        f"webhook cold start (import+init): {cold_seconds:.3f} s, {cold_rss:.0f} MB "
        f"= {cold_seconds / base_seconds:.3f}x import {BASELINE}"
    )
    ratio = real_rate / floor_rate
    verdict = "met" if ratio >= TARGET_RATIO else "missed"
    print(f"BENCH webhook throughput_vs_signature_floor={ratio:.3f} target >= {TARGET_RATIO:.2f} {verdict}")


if __name__ == "__main__":
    main()
