"""The counter's latency: scan a card → the member view, and one-tap record-visit, through the local
API (HTTP, the real liff_api handler, moto in server mode, the LINE simulator; no browser), as the
staff console calls them: `POST /liff/api/staff/scan` with a live card token, then
`POST /liff/api/staff/members/<user_id>/visits` with a fresh visit_id.

The figure is a ratio against a floor measured in the same run, the webhook benchmark's floor
(bench/webhook.py): the same API emulation and Powertools resolver with a handler that only checks
a signature and returns 200, timed per request. So the figure is what the staff routes cost on top
of an HTTP round trip through this machine's emulation, whatever the machine.

Target: the slower of the two p95s is at most 60x the floor's p95. Why 60: each route makes 8-9 AWS
requests (printed: the scan reads the caller's role, the card's number, the member, its visits, memos
and coupons; a visit adds one transaction and the audit entry), and each is an HTTP round trip to
moto on the same machine, which costs a floor round trip plus moto's own work, about 3-5 floor
round trips each: 9 requests are 30-45 floor round trips, and the handler's work and the visit's
transaction take up the rest. A route that grew a scan or one read per item would miss it. The floor
requests are interleaved with the measured ones, so that both see the same load on this shared
machine.

Usage: python bench/staff.py [--members N] [--rounds N]
"""

from __future__ import annotations

import argparse
import logging
import statistics
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "bench")]

from handler_process import signature_only_handler  # noqa: E402
from local_api import local_api_world, serve_api  # noqa: E402
from webhook import post_webhook, workload  # noqa: E402

from daifuku.adapters.dynamodb.staff import StaffRepository  # noqa: E402
from daifuku.adapters.dynamodb.table import TableGateway  # noqa: E402
from daifuku_local.aws_resources import local_table  # noqa: E402
from daifuku_local.line_platform.client import SimulatorClient  # noqa: E402
from tests.integration.member_api import MemberApi, a_form  # noqa: E402

TARGET_RATIO = 60.0
T = TypeVar("T")


def p50_p95(samples: list[float]) -> tuple[float, float]:
    cuts = statistics.quantiles(samples, n=20, method="inclusive")
    return statistics.median(samples), cuts[18]


def timed(call: Callable[..., T], *arguments: Any) -> tuple[float, T]:
    started = time.perf_counter()
    answer = call(*arguments)
    return time.perf_counter() - started, answer


class AwsCallCounter:
    """Counts the AWS requests the in-process handlers make (botocore), by operation."""

    def __init__(self) -> None:
        from botocore.client import BaseClient

        self.calls: Counter[str] = Counter()
        original = BaseClient._make_api_call
        counter = self

        def counted(client: Any, operation: str, params: Any) -> Any:
            counter.calls[operation] += 1
            return original(client, operation, params)

        BaseClient._make_api_call = counted  # type: ignore[method-assign]

    def during(self, call: Callable[..., T], *arguments: Any) -> tuple[dict[str, int], T]:
        self.calls.clear()
        answer = call(*arguments)
        return dict(self.calls), answer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20)
    parser.add_argument("--rounds", type=int, default=8, help="scans and visits per member")
    arguments = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with local_api_world() as world:
        real = serve_api()
        floor = serve_api({"webhook": signature_only_handler(world.channel.channel_secret)})
        api = MemberApi(real.url, SimulatorClient(world.simulator.base_url))
        table = local_table(world.aws_endpoint)
        clerk = api.simulated_user("ベンチ店員")
        StaffRepository(TableGateway.of(table)).add_staff(clerk, "staff")
        members = []
        for n in range(arguments.members):
            user = api.simulated_user(f"ベンチ会員{n}", follow=True)
            status, _ = api.register(user, a_form())
            assert status == 200
            members.append(user)

        floor_url = f"{floor.url}/webhook"
        # Two floor requests per scan and visit, interleaved with them, so both see the same machine.
        floor_bodies = iter(workload(world.simulator, 2 * arguments.members * arguments.rounds // 5 + 2))
        for body in [next(floor_bodies) for _ in range(5)]:  # warm both servers
            post_webhook(floor_url, body, world.simulator)
        for user in members[:2]:
            api.call(
                "POST",
                "/liff/api/staff/scan",
                clerk,
                {"token": api.call("GET", "/liff/api/card/token", user)[1]["token"]},
            )

        scans: list[float] = []
        visits: list[float] = []
        floor_samples: list[float] = []
        for _ in range(arguments.rounds):
            for user in members:
                status, card = api.call("GET", "/liff/api/card/token", user)
                assert status == 200
                seconds, (status, scanned) = timed(
                    api.call, "POST", "/liff/api/staff/scan", clerk, {"token": card["token"]}
                )
                assert status == 200 and scanned["valid"] and scanned["member"]["user_id"] == user, scanned
                scans.append(seconds)
                body = {"visit_id": uuid.uuid4().hex, "store_id": None}
                seconds, (status, visit) = timed(
                    api.call, "POST", f"/liff/api/staff/members/{user}/visits", clerk, body
                )
                assert status == 201 and visit["points_added"] >= 0, visit
                visits.append(seconds)
                for _ in range(2):
                    floor_samples.append(
                        timed(post_webhook, floor_url, next(floor_bodies), world.simulator)[0]
                    )
        aws = AwsCallCounter()
        card_token = api.call("GET", "/liff/api/card/token", members[0])[1]["token"]
        scan_calls, _ = aws.during(api.call, "POST", "/liff/api/staff/scan", clerk, {"token": card_token})
        visit_body = {"visit_id": uuid.uuid4().hex, "store_id": None}
        visit_calls, _ = aws.during(
            api.call, "POST", f"/liff/api/staff/members/{members[0]}/visits", clerk, visit_body
        )
        assert world.simulator.violations == [], world.simulator.violations[:3]
        real.stop()
        floor.stop()

    floor_p50, floor_p95 = p50_p95(floor_samples)
    scan_p50, scan_p95 = p50_p95(scans)
    visit_p50, visit_p95 = p50_p95(visits)
    print(
        f"requests: {len(scans)} scans and {len(visits)} visits ({arguments.members} members), "
        f"{len(floor_samples)} floor requests"
    )
    print(
        f"webhook floor (signature check only): p50 {floor_p50 * 1000:.1f} ms, p95 {floor_p95 * 1000:.1f} ms"
    )
    print(
        f"scan -> member view:                  p50 {scan_p50 * 1000:.1f} ms, p95 {scan_p95 * 1000:.1f} ms "
        f"= {scan_p95 / floor_p95:.1f}x floor p95"
    )
    print(
        f"record visit:                         p50 {visit_p50 * 1000:.1f} ms, p95 {visit_p95 * 1000:.1f} ms "
        f"= {visit_p95 / floor_p95:.1f}x floor p95"
    )
    print(f"AWS requests in one scan:  {sum(scan_calls.values())} {scan_calls}")
    print(f"AWS requests in one visit: {sum(visit_calls.values())} {visit_calls}")
    ratio = max(scan_p95, visit_p95) / floor_p95
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    print(f"BENCH staff counter_p95_vs_webhook_floor_p95={ratio:.2f} target <= {TARGET_RATIO:.0f} {verdict}")


if __name__ == "__main__":
    main()
