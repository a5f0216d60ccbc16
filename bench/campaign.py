"""Campaign sending: how close the throttled pipeline comes to the fastest LINE allows, exactly once.

A shop of 20,000 members on the local stack (moto, the LINE simulator, the real planner and push
workers). Two campaigns, each with and without injected faults:
- a multicast to all 20,000 (a store segment: 40 requests of 500);
- a personalised push (`{name}`) to the 2,000 born in one month (2,000 requests).

LINE's limits (push 2,000 and multicast 200 requests a second) are scaled down uniformly by
SCALE for both the simulator and the workers' pacing, so that one machine's moto keeps up. The
bound is recipients ÷ (rate × recipients per request): the time LINE's limit alone would take.
The figure is send time ÷ bound, where send time runs from the batches being queued to the campaign
being done; planning (selecting the members and writing the batches) is printed separately.
Faults: 5% 429, 3% 500 and 2% dropped connections (half of them accepted by LINE before the drop),
on push and multicast. Slow requests beyond the client timeout are left to the exactly-once tests:
each one holds a worker for the whole client timeout, which measures the timeout, not the pipeline.

Also printed: LINE API calls per recipient and DynamoDB items read per recipient, and every run is
checked for exactly-once delivery from the simulator's transcripts.

Target: send time ≤ 1.15 × the bound with faults, exactly once.
Usage: python bench/campaign.py [--members N]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections import Counter
from datetime import date
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "layers" / "shared")]

import boto3  # noqa: E402

from daifuku.adapters.dynamodb.campaigns import CampaignRepository  # noqa: E402
from daifuku.adapters.dynamodb.keys import member_key  # noqa: E402
from daifuku.adapters.dynamodb.table import TableGateway  # noqa: E402
from daifuku.domain.campaigns import Campaign, CampaignStatus, TextContent  # noqa: E402
from daifuku.domain.segments import Segment  # noqa: E402
from daifuku_local.aws_resources import local_table  # noqa: E402
from daifuku_local.lambda_runtime import LocalLambdaContext, load_handler  # noqa: E402
from daifuku_local.line_platform.client import SimulatorClient  # noqa: E402
from daifuku_local.stack import LocalStack, LocalStackConfig  # noqa: E402

LINE_LIMITS = {"push": 2000.0, "multicast": 200.0}  # requests a second, per channel
SCALE = 1 / 50
WORKERS = 4
BIRTH_MONTH = 5
PERSONALISED_RECIPIENTS = 2000
FAULTS = {"rate_429": 0.05, "rate_500": 0.03, "rate_drop": 0.02, "accepted_before_failure": 0.5}
TARGET = 1.15
READ_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan"}


class DynamoDbReads:
    """Items every DynamoDB read returned, in this process (planner and workers), via botocore's hooks."""

    def __init__(self) -> None:
        self.items = 0

    def __call__(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name == "GetItem":
            self.items += 1 if "Item" in parsed else 0
        elif model.name == "BatchGetItem":
            self.items += sum(len(items) for items in parsed.get("Responses", {}).values())
        elif model.name in READ_OPERATIONS:
            self.items += parsed.get("ScannedCount", parsed.get("Count", 0))


def seed_shop(stack: LocalStack, members: int) -> list[str]:
    """`members` friends who registered, all of store "honten", PERSONALISED_RECIPIENTS born in May."""
    assert stack.simulator is not None and stack.resources is not None
    table = local_table(stack.moto.endpoint_url, stack.resources.table_name)
    user_ids = []
    with table.batch_writer() as writer:
        for n in range(members):
            user = stack.simulator.create_user(f"会員{n}")
            stack.simulator.users[user.user_id].following = True
            month = BIRTH_MONTH if n < PERSONALISED_RECIPIENTS else 1 + (n % 11 + BIRTH_MONTH) % 12
            writer.put_item(
                Item={
                    **member_key(user.user_id),
                    "user_id": user.user_id,
                    "status": "registered",
                    "member_no": f"{n + 1:06d}",
                    "name": f"会員{n}",
                    "birthdate": date(1980 + n % 30, month, 1 + n % 28).isoformat(),
                    "birth_month": f"{month:02d}",
                    "store_id": "honten",
                    "registered_at": "2026-01-01T00:00:00+00:00",
                }
            )
            user_ids.append(user.user_id)
    return user_ids


def run(
    stack: LocalStack, line: SimulatorClient, reads: DynamoDbReads, label: str, segment: Segment, text: str
) -> dict[str, Any]:
    assert stack.resources is not None
    records = CampaignRepository(
        TableGateway.of(local_table(stack.moto.endpoint_url, stack.resources.table_name))
    )
    campaign_id = f"bench-{label}"
    records.create_campaign(
        Campaign(campaign_id=campaign_id, name=label, segment=segment, messages=[TextContent(text=text)])
    )
    before_requests = _send_requests(line)
    before_reads = reads.items
    planner = load_handler("segment_send", module="planner")
    started = time.perf_counter()
    plan = planner({"campaign_id": campaign_id}, LocalLambdaContext(function_name="bench-planner"))
    queued = time.perf_counter()
    while (campaign := records.load_campaign(campaign_id)) and campaign.status is not CampaignStatus.DONE:
        assert campaign.status is CampaignStatus.SENDING, campaign.status
        time.sleep(0.05)
    done = time.perf_counter()
    return {
        "recipients": plan["recipients"],
        "batches": plan["batches"],
        "plan_seconds": queued - started,
        "send_seconds": done - queued,
        "requests": _send_requests(line) - before_requests,
        "items_read": reads.items - before_reads,
    }


def _send_requests(line: SimulatorClient) -> int:
    stats = line.stats()["requests"]
    return sum(sum(stats.get(endpoint, {}).values()) for endpoint in ("push", "multicast"))


def copies_received(stack: LocalStack, users: list[str], marker: str) -> Counter[int]:
    """How many users got the message how many times (from the simulator's transcripts)."""
    assert stack.simulator is not None
    transcripts = stack.simulator.transcripts
    return Counter(
        sum(
            1
            for entry in transcripts.get(user, [])
            if entry.direction == "to_user" and marker in entry.message.get("text", "")
        )
        for user in users
    )


def main() -> None:
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"  # the workers log every batch; keep the table readable
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--members", type=int, default=20_000)
    members = parser.parse_args().members
    logging.basicConfig(level=logging.WARNING)
    reads = DynamoDbReads()
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    boto3.DEFAULT_SESSION.events.register("after-call.dynamodb", reads)

    rates = {endpoint: limit * SCALE for endpoint, limit in LINE_LIMITS.items()}
    stack = LocalStack(
        LocalStackConfig(
            api_port=0,
            liff_port=0,
            simulator_port=0,
            moto_port=0,
            demo_shop=False,
            send_max_concurrency=WORKERS,
            send_push_per_second=rates["push"],
            send_multicast_per_second=rates["multicast"],
        )
    )
    urls = stack.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    ratios_with_faults = []
    exactly_once = True
    try:
        line = SimulatorClient(urls.simulator)
        line.set_rate_limits(**rates)
        line.set_quota(limit=10_000_000)
        seeding = time.perf_counter()
        users = seed_shop(stack, members)
        print(f"shop: {members} members seeded in {time.perf_counter() - seeding:.0f} s")
        print(
            f"LINE limits scaled by {SCALE:g}: push {rates['push']:g}/s, multicast {rates['multicast']:g}/s; "
            f"{WORKERS} workers, each paced to 1/{WORKERS} of that"
        )
        born_in_may = users[:PERSONALISED_RECIPIENTS]
        cases = [
            ("multicast", Segment(store_id="honten"), "新商品のお知らせ", users, 500, rates["multicast"]),
            (
                "push",
                Segment(birth_month=BIRTH_MONTH),
                "{name}さま、お誕生月おめでとうございます",
                born_in_may,
                1,
                rates["push"],
            ),
        ]
        print(
            f"{'run':<22} {'recipients':>10} {'bound s':>8} {'send s':>7} {'ratio':>6} "
            f"{'plan s':>6} {'calls/rcpt':>10} {'reads/rcpt':>10}  delivered"
        )
        for faulted in (False, True):
            line.set_faults(
                **(FAULTS | {"endpoints": ["push", "multicast"], "seed": 2026}) if faulted else {}
            )
            for kind, segment, text, audience, per_request, rate in cases:
                label = f"{kind}{'-faults' if faulted else ''}"
                marker = f"[{label}]"
                result = run(stack, line, reads, label, segment, f"{text} {marker}")
                bound = result["recipients"] / (rate * per_request)
                ratio = result["send_seconds"] / bound
                copies = copies_received(stack, audience, marker)
                once = copies == Counter({1: len(audience)})
                exactly_once &= once
                if faulted:
                    ratios_with_faults.append(ratio)
                print(
                    f"{label:<22} {result['recipients']:>10} {bound:>8.1f} {result['send_seconds']:>7.1f} "
                    f"{ratio:>6.2f} {result['plan_seconds']:>6.1f} "
                    f"{result['requests'] / result['recipients']:>10.4f} "
                    f"{result['items_read'] / result['recipients']:>10.2f}  "
                    f"{'exactly once' if once else dict(copies)}"
                )
        line.set_faults()
        assert stack.simulator is not None
        assert stack.simulator.violations == [], stack.simulator.violations[:3]
    finally:
        stack.stop()
    worst = max(ratios_with_faults)
    verdict = "met" if worst <= TARGET and exactly_once else "missed"
    print(f"exactly once in every run: {exactly_once}")
    print(f"BENCH campaign send_time_vs_rate_bound_with_faults={worst:.2f} target <= {TARGET:.2f} {verdict}")


if __name__ == "__main__":
    main()
