"""Scenario steps: finding them without a scan, and sending them as fast as LINE allows, exactly once.

On the local stack (moto, the LINE simulator, the real schedule function and push workers), in two
parts, so that the whole run stays within a few minutes on one machine:

1. Finding due steps at 20,000 enrolments. 20,000 members enrolled in a three-step scenario (written
   straight through the table, as the repository writes them), their first steps due over 30 minutes.
   The schedule is run minute by minute over those 30 minutes (its own clock), then for ten minutes in
   which nothing is due: printed are the DynamoDB items read per due step (target <= 1.2) and the
   reads per idle minute (a constant handful: the cursor and one empty Query per shard).
2. Sending, with faults. --send-members members (600) enrolled through the engine in the same kind of
   three-step scenario, the stack's clock moved through the three steps; each step's send time runs
   from the schedule's run to the last of its pushes being recorded. LINE's push limit (2,000 a
   second) is scaled by SCALE for the simulator and the workers' pacing, as bench/campaign.py does,
   with 10% injected faults (5% 429, 3% 500, 2% dropped connections, half of those accepted by LINE
   first). The bound is pushes / scaled rate: the time LINE's limit alone would take.

Every member's transcript is checked: each step exactly once. The figure is send time / bound with
faults, reported as missed if anyone got a step twice or not at all.
Usage: python bench/scenario.py [--enrolments N] [--send-members N]
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from datetime import time as time_of_day
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "layers" / "shared")]

from daifuku.adapters.dynamodb.keys import member_key, scenario_due_key, scenario_enrolment_key  # noqa: E402
from daifuku.adapters.dynamodb.scenarios import ScenarioRepository, shard_of  # noqa: E402
from daifuku.adapters.dynamodb.table import TableGateway  # noqa: E402
from daifuku.domain.scenario_engine import ScenarioEngine  # noqa: E402
from daifuku.domain.scenarios import Enrolment, Scenario  # noqa: E402
from daifuku_local.aws_resources import local_table  # noqa: E402
from daifuku_local.line_platform.client import SimulatorClient  # noqa: E402
from daifuku_local.stack import LocalStack, LocalStackConfig  # noqa: E402

JST = ZoneInfo("Asia/Tokyo")
PUSH_LIMIT = 2000.0  # LINE's push requests a second, per channel
SCALE = 1 / 100
WORKERS = 4
FAULTS = {"rate_429": 0.05, "rate_500": 0.03, "rate_drop": 0.02, "accepted_before_failure": 0.5}
TARGET_READS_PER_STEP = 1.2
TARGET = 1.20
STEPS = ("first", "second", "third")


def three_steps(scenario_id: str, marker: str) -> Scenario:
    return Scenario.model_validate(
        {
            "scenario_id": scenario_id,
            "name": scenario_id,
            "trigger": {"kind": "manual"},
            "steps": [
                {
                    "step_id": step,
                    "delay": {"amount": 0, "unit": "minutes"}
                    if n == 0
                    else {"amount": 1, "unit": "days", "at": "10:00"},
                    "messages": [{"type": "text", "text": f"{marker}{step}"}],
                }
                for n, step in enumerate(STEPS)
            ],
        }
    )


def finding_due_steps(gateway: TableGateway, enrolments: int) -> dict[str, float]:
    """Part 1: the schedule's reads at `enrolments` enrolments, minute by minute, then idle."""
    scenario = three_steps("bench-finding", "【探索】")
    repository = ScenarioRepository(gateway)
    repository.create_scenario(scenario)
    start = datetime(2030, 1, 1, 1, 0, tzinfo=UTC)  # its own clock: 10:00 in Tokyo
    spread = timedelta(minutes=30)
    seeding = time.perf_counter()
    with gateway.batch_writer() as writer:
        for n in range(enrolments):
            user_id = f"U{n:032x}"
            due = start + spread * n / enrolments
            enrolment = Enrolment(
                scenario_id=scenario.scenario_id,
                user_id=user_id,
                enrolled_at=due,
                next_step_id=STEPS[0],
                next_due=due,
            )
            item = enrolment.model_dump(mode="json", exclude_none=True)
            writer.put_item(Item={**scenario_enrolment_key(scenario.scenario_id, user_id), **item})
            key = scenario_due_key(due, shard_of(user_id), scenario.scenario_id, user_id, 1)
            writer.put_item(Item={**key, "step_id": STEPS[0]})
    print(f"  (seeded in {time.perf_counter() - seeding:.0f} s)")
    reader = ScenarioRepository(gateway)
    reader.take_due(start - timedelta(minutes=1))  # the cursor, as a schedule already running has it
    reader.items_read = reader.queries = 0
    found = 0
    for minute in range(int(spread.total_seconds() // 60) + 1):
        found += len(reader.take_due(start + timedelta(minutes=minute)))
    items_per_step = reader.items_read / max(found, 1)
    idle = ScenarioRepository(gateway)
    idle_minutes = 10
    for minute in range(idle_minutes):
        idle.take_due(start + spread + timedelta(minutes=minute + 1))
    return {
        "found": found,
        "items_per_step": items_per_step,
        "queries_per_minute": reader.queries / (spread.total_seconds() / 60 + 1),
        "idle_items_per_minute": idle.items_read / idle_minutes,
        "idle_queries_per_minute": idle.queries / idle_minutes,
    }


def seed_members(stack: LocalStack, gateway: TableGateway, count: int) -> list[str]:
    assert stack.simulator is not None
    users = []
    with gateway.batch_writer() as writer:
        for n in range(count):
            user = stack.simulator.create_user(f"会員{n}")
            stack.simulator.users[user.user_id].following = True
            writer.put_item(Item={**member_key(user.user_id), "user_id": user.user_id, "status": "friend"})
            users.append(user.user_id)
    return users


def wait_for_sent(repository: ScenarioRepository, scenario_id: str, step: str, expected: int) -> float:
    started = time.perf_counter()
    while True:
        _, steps = repository.results(scenario_id)
        if steps.get(step, {}).get("sent", 0) >= expected:
            return time.perf_counter() - started
        if time.perf_counter() - started > 600:
            raise TimeoutError(f"step {step}: {steps.get(step)} after 10 minutes")
        time.sleep(0.1)


def sending(stack: LocalStack, gateway: TableGateway, line: SimulatorClient, members: int) -> dict[str, Any]:
    """Part 2: the three steps to `members` members through the stack, with faults."""
    marker = "【配信】"
    scenario = three_steps("bench-sending", marker)
    repository = ScenarioRepository(gateway)
    repository.create_scenario(scenario)
    users = seed_members(stack, gateway, members)
    clock = stack.clock
    now = clock()
    morning = datetime.combine(now.astimezone(JST).date() + timedelta(days=1), time_of_day(10), JST)
    clock.advance(morning - now)
    engine = ScenarioEngine(repository, JST, clock)
    for user in users:
        engine.enrol(scenario, user)
    assert stack.scenario_schedule is not None
    line.set_faults(**FAULTS, endpoints=["push"], seed=2026)
    send_seconds = 0.0
    schedule_items = 0
    due_steps = 0
    try:
        for n, step in enumerate(STEPS):
            if n:
                clock.advance(morning + timedelta(days=n, minutes=1) - clock())
            started = time.perf_counter()
            run = stack.scenario_schedule.run_now()
            schedule_items += run["items_read"]
            due_steps += run["enqueued"]
            waited = wait_for_sent(repository, scenario.scenario_id, step, members)
            send_seconds += time.perf_counter() - started
            print(
                f"  step {step}: {members} pushes in {waited:.1f} s (schedule read {run['items_read']} items)"
            )
    finally:
        line.set_faults()
    time.sleep(3)  # a retry still in flight would show as a second copy
    transcripts = stack.simulator.transcripts if stack.simulator else {}
    copies = Counter(
        sum(
            1 for e in transcripts.get(user, []) if e.direction == "to_user" and e.message.get("text") == text
        )
        for user in users
        for text in (f"{marker}{step}" for step in STEPS)
    )
    return {
        "send_seconds": send_seconds,
        "bound": members * len(STEPS) / (PUSH_LIMIT * SCALE),
        "copies": copies,
        "schedule_items_per_step": schedule_items / max(due_steps, 1),
    }


def main() -> None:
    os.environ["POWERTOOLS_LOG_LEVEL"] = "WARNING"
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]  # each line as it comes
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--enrolments", type=int, default=20_000)
    parser.add_argument("--send-members", type=int, default=600)
    arguments = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    rate = PUSH_LIMIT * SCALE
    stack = LocalStack(
        LocalStackConfig(
            api_port=0,
            liff_port=0,
            simulator_port=0,
            moto_port=0,
            demo_shop=False,
            send_max_concurrency=WORKERS,
            send_push_per_second=rate,
        )
    )
    urls = stack.start()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    try:
        assert stack.resources is not None and stack.scenario_schedule is not None
        # The schedule runs when this says (run_now), on the clocks it moves, not every second.
        stack.scenario_schedule.stop()
        gateway = TableGateway.of(local_table(stack.moto.endpoint_url, stack.resources.table_name))
        line = SimulatorClient(urls.simulator)
        line.set_rate_limits(push=rate)
        line.set_quota(limit=10_000_000)
        began = time.perf_counter()
        found = finding_due_steps(gateway, arguments.enrolments)
        print(
            f"finding due steps: {found['found']:,} of {arguments.enrolments:,} enrolments due in 30 min, "
            f"found minute by minute in {time.perf_counter() - began:.0f} s"
        )
        print(
            f"  DynamoDB items read per due step: {found['items_per_step']:.3f} "
            f"(target <= {TARGET_READS_PER_STEP}; {found['queries_per_minute']:.1f} queries a minute)"
        )
        print(
            f"  reads per idle minute: {found['idle_queries_per_minute'] + 1:.0f} requests "
            f"({found['idle_queries_per_minute']:.0f} Queries and the cursor), "
            f"{found['idle_items_per_minute']:.0f} item(s)"
        )
        print(
            f"sending: {arguments.send_members} members x {len(STEPS)} steps, "
            f"push limit {rate:g}/s, faults {FAULTS}"
        )
        sent = sending(stack, gateway, line, arguments.send_members)
    finally:
        stack.stop()
    copies = sent["copies"]
    exactly_once = set(copies) == {1} and found["found"] == arguments.enrolments
    print(f"  schedule items read per due step: {sent['schedule_items_per_step']:.3f}")
    print(f"  copies per member and step: {dict(sorted(copies.items()))} -> exactly once: {exactly_once}")
    ratio = sent["send_seconds"] / sent["bound"]
    print(f"  send time {sent['send_seconds']:.1f} s against the rate-limit bound {sent['bound']:.1f} s")
    met = exactly_once and ratio <= TARGET and found["items_per_step"] <= TARGET_READS_PER_STEP
    print(
        f"BENCH scenario send_time_vs_rate_bound_with_faults={ratio:.2f} target <= {TARGET:.2f} "
        f"{'met' if met else 'missed'}"
    )


if __name__ == "__main__":
    main()
