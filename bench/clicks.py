"""Tracked links under a campaign's clicks: every click counted exactly once, and the redirect's latency.

2,000 recipients of one campaign with two tracked links. Every recipient taps the first link; one in
four also taps the second; one in five taps the first again later, and one in ten taps it twice at
the same moment (two requests at once, as a double tap sends them). The redirect runs in its own
process (bench/handler_process.py: the API emulation in front of the real handlers) against moto.

Printed:
- clicks recorded against expected, per link, and the campaign's clickers (recipients who clicked
  at all): they must be equal; a lost or doubled click is a miss whatever the latency;
- the redirect's p50/p95 latency, against the floor's: the same API emulation and Powertools
  resolver answering a signed webhook request after checking its signature only (the webhook's
  signature-only floor), sent in alternating chunks with the same concurrency, so that both see the
  same machine;
- the DynamoDB requests per redirect.

Last line: `BENCH clicks redirect_p95_vs_signature_floor_p95=<x> target <= 6.0 met|missed`.

Usage: python bench/clicks.py [--recipients N] [--threads N]
"""

from __future__ import annotations

import argparse
import logging
import os
import statistics
import sys
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "bench")]

from handler_process import CHANNEL_SECRET_VARIABLE  # noqa: E402
from local_api import local_api_world, signed_post  # noqa: E402
from webhook import DYNAMODB_TARGET_PREFIX, HandlerProcess  # noqa: E402

from daifuku.adapters.dynamodb.table import TableGateway  # noqa: E402
from daifuku.adapters.dynamodb.tracked_links import TrackedLinkRepository  # noqa: E402
from daifuku.domain.tracked_links import LinkCodes, link_signing_key, links_of  # noqa: E402

TARGET_RATIO = 6.0
CHUNK = 50
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Line/14.0.0"
FIRST_URL = "https://shop.example.jp/sale"
SECOND_URL = "https://shop.example.jp/menu"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


OPENER = urllib.request.build_opener(NoRedirects)


def tap(url: str, expected: str) -> float:
    """One customer's tap: the seconds until the 302, which must point at `expected`."""
    request = urllib.request.Request(url, headers={"User-Agent": BROWSER})
    started = time.perf_counter()
    try:
        with OPENER.open(request, timeout=60) as response:
            status, location = response.status, response.headers.get("location")
    except urllib.error.HTTPError as answer:
        status, location = answer.code, answer.headers.get("location")
    elapsed = time.perf_counter() - started
    if status != 302 or location != expected:
        raise AssertionError(f"{status} to {location!r}, expected 302 to {expected!r}")
    return elapsed


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--recipients", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=4)
    arguments = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with local_api_world() as world:
        simulator = world.simulator
        campaign_id = f"bench-{uuid.uuid4().hex[:8]}"
        messages = [{"type": "text", "text": f"セール {FIRST_URL} メニュー {SECOND_URL}"}]
        first, second = links_of(f"campaign:{campaign_id}", messages, None)
        links = TrackedLinkRepository(TableGateway(world.resources.table_name))
        links.register([first, second])
        real = HandlerProcess(
            "real",
            {
                **os.environ,
                "DAIFUKU_API_BASE_URL": "http://127.0.0.1",
                "DAIFUKU_SHOP_PAGE_URL": "https://shop.example.jp/card.html",
            },
        )
        floor = HandlerProcess(
            "signature-floor", {**os.environ, CHANNEL_SECRET_VARIABLE: world.channel.channel_secret}
        )
        codes = LinkCodes(link_signing_key(world.channel.channel_secret), real.url)
        recipients = ["U" + uuid.uuid4().hex for _ in range(arguments.recipients)]

        # The taps, in the order they come: (url, where it must send the customer)
        taps: list[tuple[str, str]] = []
        for n, user in enumerate(recipients):
            taps.append((codes.url(first.link_id, user), FIRST_URL))
            if n % 4 == 0:
                taps.append((codes.url(second.link_id, user), SECOND_URL))
        later = [(codes.url(first.link_id, user), FIRST_URL) for user in recipients[1::5]]
        at_once = [(codes.url(first.link_id, user), FIRST_URL) for user in recipients[2::10]]
        body = simulator.webhook_body([])
        signature = simulator.sign(body)
        try:
            # Warm both: imports, botocore's models, the credentials, the links.
            for _ in range(5):
                signed_post(f"{floor.url}/webhook", body, signature)
                tap(codes.url(first.link_id, recipients[0]), FIRST_URL)
            usage_before = real.usage()
            redirect_seconds: list[float] = []
            floor_seconds: list[float] = []
            with ThreadPoolExecutor(max_workers=arguments.threads) as pool:
                work = taps + later
                for start in range(0, len(work), CHUNK):
                    chunk = work[start : start + CHUNK]
                    floor_seconds += pool.map(
                        lambda _: signed_post(f"{floor.url}/webhook", body, signature), chunk
                    )
                    redirect_seconds += pool.map(lambda t: tap(*t), chunk)
                # Double taps: the same link twice at the same moment.
                doubled = [t for t in at_once for _ in range(2)]
                redirect_seconds += pool.map(lambda t: tap(*t), doubled)
            usage = real.usage() - usage_before
        finally:
            real.stop()
            floor.stop()

        expected = {first.link_id: len(recipients), second.link_id: len(recipients[::4])}
        recorded = {link_id: links.link_clicks(link_id) for link_id in expected}
        clickers = len(links.clickers([first.link_id, second.link_id]))

    requests = len(redirect_seconds)
    dynamodb = sum(n for t, n in usage.aws_requests.items() if t.startswith(DYNAMODB_TARGET_PREFIX))
    exact = recorded == expected and clickers == len(recipients)
    print(
        f"recipients {len(recipients)}, taps {requests} ({len(later)} again later, "
        f"{len(at_once)} double taps at once), {arguments.threads} at a time"
    )
    print(
        f"clicks recorded: first link {recorded[first.link_id]} (expected {expected[first.link_id]}), "
        f"second link {recorded[second.link_id]} (expected {expected[second.link_id]}); "
        f"clickers {clickers} (expected {len(recipients)}): {'equal' if exact else 'NOT EQUAL'}"
    )
    print(f"DynamoDB requests per redirect {dynamodb / requests:.2f}")
    redirect_p95, floor_p95 = percentile(redirect_seconds, 0.95), percentile(floor_seconds, 0.95)
    redirect_p50 = statistics.median(redirect_seconds)
    print(
        f"redirect p50 {1000 * redirect_p50:.1f} ms, p95 {1000 * redirect_p95:.1f} ms; "
        f"signature floor p50 {1000 * statistics.median(floor_seconds):.1f} ms, p95 {1000 * floor_p95:.1f} ms"
    )
    ratio = redirect_p95 / floor_p95
    verdict = "met" if exact and ratio <= TARGET_RATIO else "missed"
    print(f"BENCH clicks redirect_p95_vs_signature_floor_p95={ratio:.2f} target <= {TARGET_RATIO} {verdict}")


if __name__ == "__main__":
    main()
