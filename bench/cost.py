"""Monthly AWS cost of one shop at 3,000 and at 100,000 LINE friends, from what each operation was
MEASURED to use on the local stack (in this process: moto, the LINE simulator, the real handlers).

Measured per operation, by hooks on botocore and a wrapper around each Lambda handler:
- DynamoDB read and write request units, from the size of every item read and written (moto's own
  ConsumedCapacity is a constant): reads 4 KB a unit (half for eventually consistent reads), writes
  1 KB a unit, doubled in transactions, plus one write per global secondary index the item is in
  (every index projects all attributes, so any change rewrites the index entry);
- Lambda invocations, each one's CPU time (the handler thread's) and its waiting (wall time less
  CPU; moto makes it slower than DynamoDB: a ceiling), billed at the memory in
  infra/function_memory.py as the duration Lambda's CPU share gives there (below), plus each
  function's cold start (the CPU time of its import in a fresh interpreter; Lambda bills INIT);
- SQS requests (the queue's sends, receives and deletes), Parameter Store calls, API Gateway
  requests (each webhook and liff_api invocation is one), and the bytes the handlers log;
- the LIFF pages' weight (what card.html and register.html load from CloudFront, gzip-compressed as
  the CachingOptimized policy serves them), counted in full on every open (no browser cache).

A typical month (per friend or member, stated in MONTH below): 4% new friends, 1% blocks, 0.2
messages from each friend, 3% registrations, 60% of friends are members, each member visits ONCE a
month (opens the card, which refreshes its QR once; staff scan it and record the visit, which adds
its points to the ledger), 4 campaigns (3 multicasts to every friend and the birth-month message,
personalised, to the members born that month) and the 30 daily birth-month catch-ups (which also
send the coupon expiry reminders). Fixed: the minute schedule's run (EventBridge Scheduler, a Lambda
invocation, its few reads and its look at each queue, measured with no step due). Lambda polls the
send and connect queues only while they have work (adapters/queue_polling.py): each start of a
queue's polling is charged its 5 pollers' long polls until the next minute switches it off (the Lambda
API calls that switch it are free).
The LINE credentials are a standard SecureString parameter (no charge, nor for its
standard-throughput reads); X-Ray is off by default
(`daifuku:tracing`) and SnapStart too (`daifuku:snapStart`): what each would add is printed below.

Memory: Lambda's CPU scales with memory up to one vCPU at 1769 MB. For each function, a request's
latency at M MB is its CPU time × 1769 / M plus its waiting (wall − CPU), with the cold start's
import (CPU) spread over the requests that pay it; the table prints latency, cost and their product
at 256, 512, 1024 and 1769 MB and the size with the least product (this machine's core is taken for
Lambda's vCPU). infra/function_memory.py holds the choice, and the bill uses it.

Prices: on-demand, Asia Pacific (Tokyo), from AWS's pricing pages as of PRICES_AS_OF, without any
free tier (the always-free tiers of Lambda, SQS, CloudFront and DynamoDB storage would cover most of
a small shop). The figure is the yen a month at 3,000 friends as a ratio of EDWARD's ¥5,000 form
option (Daifuku's target is ¥300: 0.06).

Usage: python bench/cost.py [--friends N] (the shop seeded for the campaign measurement)
"""

from __future__ import annotations

import argparse
import copy
import gzip
import logging
import math
import os
import re
import statistics
import sys
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "layers" / "shared")]

import boto3  # noqa: E402
from boto3.dynamodb.types import TypeSerializer  # noqa: E402
from cold_start import MEASURE_IMPORT, lambda_environment, measure  # noqa: E402

from daifuku.adapters import queue_polling  # noqa: E402
from daifuku.adapters.dynamodb.campaigns import CampaignRepository  # noqa: E402
from daifuku.adapters.dynamodb.keys import member_key  # noqa: E402
from daifuku.adapters.dynamodb.table import TableGateway  # noqa: E402
from daifuku.domain.campaigns import CampaignStatus  # noqa: E402
from daifuku.table_schema import MEMBER_TABLE  # noqa: E402
from daifuku_local.aws_resources import deployment_context  # noqa: E402
from infra.function_memory import FUNCTION_MEMORY_MB, MEMORY_CHOICES_MB, MEMORY_FLOOR_MB  # noqa: E402

PRICES_AS_OF = (
    "2025-06 (AWS pricing pages, ap-northeast-1, on-demand; SnapStart for Python: the us-east-1 list "
    "price of 2025-06)"
)
USD_TO_JPY = 150.0  # assumed rate; change it here
PRICE_USD = {
    "dynamodb_write_per_million_wru": 0.715,  # on-demand, after the November 2024 price cut
    "dynamodb_read_per_million_rru": 0.1425,
    "dynamodb_storage_per_gb_month": 0.285,
    "lambda_arm_per_gb_second": 0.0000133334,
    "lambda_per_million_requests": 0.20,
    "sqs_standard_per_million_requests": 0.40,
    "http_api_per_million_requests": 1.29,
    "scheduler_per_million_invocations": 1.00,
    "cloudfront_japan_per_gb": 0.114,
    "cloudfront_japan_per_10k_https_requests": 0.0120,
    "s3_standard_per_gb_month": 0.025,
    # Standard parameters and standard throughput: no charge (a Secrets Manager secret was $0.40).
    "ssm_standard_parameter_month": 0.0,
    "ssm_standard_throughput_per_10k_calls": 0.0,
    "snapstart_python_cache_per_gb_second": 0.0000015046,
    "snapstart_python_restore_per_gb": 0.0001397998,
    "cloudwatch_logs_ingest_per_gb": 0.76,
    "xray_per_million_traces": 5.00,
}
MEMORY_MB = FUNCTION_MEMORY_MB
ONE_VCPU_MB = 1769
SNAP_START_FUNCTIONS = ("webhook", "liff_api")
SECONDS_PER_MONTH = 30 * 24 * 3600
HANDLERS = (
    ("webhook", "handler"),
    ("liff_api", "handler"),
    ("segment_send", "handler"),
    ("segment_send", "planner"),
    ("birthday_scheduler", "handler"),
    ("scenario_scheduler", "handler"),
)
API_FUNCTIONS = ("webhook", "liff_api")
LAMBDA_PLATFORM_LOG_BYTES = 350  # START, END and REPORT lines of every invocation
# A start of a queue's polling: 5 pollers, one 20 s long poll each at a time, from the start until the
# minute schedule finds the queue empty and switches it off (at most a minute after it empties, and
# the receives that return messages are counted where they happen).
SQS_REQUESTS_PER_POLLING_START = 5 * (60 + 20) // 20
# One execution environment serves a burst; after some idle minutes the next request is cold again.
COLD_STARTS_PER_MONTH_CAP = 10 * 6 * 30  # opening hours a day × one cold start per 10 minutes × days
TARGET_RATIO = 0.012
EDWARD_FORM_OPTION_YEN = 5000


@dataclass(frozen=True)
class Month:
    """What a shop does in a typical month, per friend or member."""

    member_share: float = 0.60
    new_friends: float = 0.04
    blocks: float = 0.01
    messages_per_friend: float = 0.2
    registrations: float = 0.03
    visits_per_member: float = 1.0
    multicast_campaigns: int = 3
    birth_month_campaigns: int = 1
    catch_up_runs: int = 30
    scenario_schedule_runs: int = 30 * 24 * 60  # the scenario schedule fires every minute


MONTH = Month()


# Measuring


def item_size(value: Any) -> int:
    """DynamoDB's size of a typed attribute value ({"S": …}), or of a whole typed item."""
    if isinstance(value, dict) and len(value) == 1:
        (kind, inner), *_ = value.items()
        if kind == "S":
            return len(inner.encode())
        if kind == "N":
            digits = len(re.sub(r"[^0-9]", "", inner).strip("0")) or 1
            return (digits + 1) // 2 + 1
        if kind in ("BOOL", "NULL"):
            return 1
        if kind == "B":
            return len(inner)
        if kind in ("SS", "NS", "BS"):
            return sum(item_size({kind[0]: element}) for element in inner)
        if kind == "L":
            return 3 + sum(1 + item_size(element) for element in inner)
        if kind == "M":
            return 3 + sum(1 + len(k.encode()) + item_size(v) for k, v in inner.items())
    return sum(len(k.encode()) + item_size(v) for k, v in value.items())


_SERIALIZER = TypeSerializer()


def typed(item: dict[str, Any]) -> dict[str, Any]:
    """An item as DynamoDB types it, whether it came typed (low-level) or as Python (resource)."""
    out = {}
    for name, value in item.items():
        is_typed = isinstance(value, dict) and len(value) == 1 and next(iter(value)) in _TYPE_KEYS
        out[name] = value if is_typed else _SERIALIZER.serialize(value)
    return out


_TYPE_KEYS = {"S", "N", "B", "BOOL", "NULL", "M", "L", "SS", "NS", "BS"}


def plain_key(key: dict[str, Any]) -> dict[str, str]:
    return {name: value["S"] if isinstance(value, dict) else value for name, value in key.items()}


def index_copies(item: dict[str, Any]) -> int:
    """How many global secondary indexes hold the item (each write rewrites its entry there)."""
    return sum(
        1
        for index in MEMBER_TABLE.indexes
        if index.partition_key.name in item and (index.sort_key is None or index.sort_key.name in item)
    )


@dataclass
class Usage:
    """What one operation used, summed over its runs."""

    rru: float = 0.0
    wru: float = 0.0
    sqs_requests: int = 0
    polling_starts: int = 0
    parameter_calls: int = 0
    invocations: Counter[str] = field(default_factory=Counter)
    seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    cpu_seconds: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    log_bytes: int = 0

    @property
    def api_requests(self) -> int:
        return sum(self.invocations[name] for name in API_FUNCTIONS)

    def gb_seconds(self) -> float:
        """Billed GB-s at each function's configured memory: its CPU time slowed below one vCPU."""
        return sum(
            billed_seconds(
                sum(self.cpu_seconds[name]), sum(wall) - sum(self.cpu_seconds[name]), MEMORY_MB[name]
            )
            * MEMORY_MB[name]
            / 1024
            for name, wall in self.seconds.items()
        )

    def scaled(self, factor: float) -> Scaled:
        return Scaled(
            rru=self.rru * factor,
            wru=self.wru * factor,
            sqs_requests=(self.sqs_requests + self.polling_starts * SQS_REQUESTS_PER_POLLING_START) * factor,
            parameter_calls=self.parameter_calls * factor,
            invocations={name: count * factor for name, count in self.invocations.items()},
            gb_seconds=self.gb_seconds() * factor,
            api_requests=self.api_requests * factor,
            log_bytes=(self.log_bytes + LAMBDA_PLATFORM_LOG_BYTES * self.invocations.total()) * factor,
        )


@dataclass
class Scaled:
    rru: float
    wru: float
    sqs_requests: float
    parameter_calls: float
    invocations: dict[str, float]
    gb_seconds: float
    api_requests: float
    log_bytes: float


class Meter:
    """Counts what the process asks of AWS (botocore hooks) and what each handler takes (a wrapper)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.on = False
        self.usage = Usage()
        self._updated_keys: list[tuple[dict[str, str], int]] = []
        self._lookup = boto3.session.Session().resource  # a session without the hooks below
        self._table: Any = None

    def install(self, session: Any, stdout_counter: CountingStream) -> None:
        session.events.register("provide-client-params.dynamodb", self._remember_params)
        session.events.register("after-call.dynamodb", self._dynamodb_call)
        session.events.register("after-call.sqs", self._sqs_call)
        session.events.register("provide-client-params.lambda.UpdateEventSourceMapping", self._polling_switch)
        session.events.register("after-call.ssm", self._count("parameter_calls"))
        self._stdout = stdout_counter

    def attach_table(self, endpoint_url: str, table_name: str) -> None:
        self._table = self._lookup(
            "dynamodb",
            endpoint_url=endpoint_url,
            region_name="ap-northeast-1",
            aws_access_key_id="local",
            aws_secret_access_key="local",
        ).Table(table_name)

    @contextmanager
    def measuring(self) -> Iterator[Usage]:
        self.usage = Usage()
        self._updated_keys = []
        self._stdout.count = 0
        self.on = True
        try:
            yield self.usage
        finally:
            self.on = False
            self.usage.log_bytes = self._stdout.count
            self._settle_updates()

    def wrap(self, name: str, handler: Callable[..., Any]) -> Callable[..., Any]:
        def measured(event: Any, context: Any) -> Any:
            started, cpu_started = time.perf_counter(), time.thread_time()
            try:
                return handler(event, context)
            finally:
                if self.on:
                    with self._lock:
                        self.usage.invocations[name] += 1
                        self.usage.seconds[name].append(time.perf_counter() - started)
                        self.usage.cpu_seconds[name].append(time.thread_time() - cpu_started)

        return measured

    def _count(self, attribute: str) -> Callable[..., None]:
        def count(**_: Any) -> None:
            if self.on:
                with self._lock:
                    setattr(self.usage, attribute, getattr(self.usage, attribute) + 1)

        return count

    def _polling_switch(self, params: dict[str, Any], **_: Any) -> None:
        if self.on and params.get("Enabled") is True:
            with self._lock:
                self.usage.polling_starts += 1

    def _sqs_call(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        # An empty receive is a poller idling: SQS_REQUESTS_PER_POLLING_START counts those.
        if self.on and not (model.name == "ReceiveMessage" and not parsed.get("Messages")):
            with self._lock:
                self.usage.sqs_requests += 1

    def _remember_params(self, params: dict[str, Any], context: dict[str, Any], **_: Any) -> None:
        if self.on:
            context["cost_params"] = copy.deepcopy(params)

    def _dynamodb_call(self, parsed: dict[str, Any], model: Any, context: dict[str, Any], **_: Any) -> None:
        params = context.get("cost_params")
        if not self.on or params is None:
            return
        with self._lock:
            self.usage.rru += self._read_units(model.name, params, parsed)
            self.usage.wru += self._write_units(model.name, params)

    def _read_units(self, operation: str, params: dict[str, Any], parsed: dict[str, Any]) -> float:
        factor = 1.0 if params.get("ConsistentRead") else 0.5
        if operation == "GetItem":
            return math.ceil(max(item_size(parsed.get("Item", {})), 1) / 4096) * factor
        if operation == "BatchGetItem":
            units = 0.0
            for table, items in parsed.get("Responses", {}).items():
                consistent = params["RequestItems"].get(table, {}).get("ConsistentRead")
                units += sum(math.ceil(max(item_size(i), 1) / 4096) for i in items) * (
                    1 if consistent else 0.5
                )
            return units
        if operation in ("Query", "Scan"):
            items = parsed.get("Items", [])
            read_bytes = sum(item_size(i) for i in items)
            scanned, count = parsed.get("ScannedCount", len(items)), parsed.get("Count", len(items))
            if scanned > count:  # filtered out after reading: as big as the ones kept, or 400 B
                read_bytes += (scanned - count) * (read_bytes / count if count else 400)
            return max(1, math.ceil(read_bytes / 4096)) * factor
        return 0.0

    def _write_units(self, operation: str, params: dict[str, Any]) -> float:
        if operation == "PutItem":
            return self._put_units(params["Item"])
        if operation in ("UpdateItem", "DeleteItem"):
            self._updated_keys.append((plain_key(params["Key"]), 1))
            return 0.0
        if operation == "BatchWriteItem":
            units = 0.0
            for requests in params["RequestItems"].values():
                for request in requests:
                    if "PutRequest" in request:
                        units += self._put_units(request["PutRequest"]["Item"])
                    else:
                        units += 1
            return units
        if operation == "TransactWriteItems":
            units = 0.0
            for entry in params["TransactItems"]:
                (kind, request), *_ = entry.items()
                if kind == "Put":
                    units += 2 * self._put_units(request["Item"])
                elif kind in ("Update", "Delete"):
                    self._updated_keys.append((plain_key(request["Key"]), 2))
                else:
                    units += 2
            return units
        return 0.0

    @staticmethod
    def _put_units(item: dict[str, Any]) -> float:
        return math.ceil(item_size(typed(item)) / 1024) * (1 + index_copies(item))

    def _settle_updates(self) -> None:
        """An update is billed on the item as it is after the write: read it back (unmetered)."""
        for key, multiplier in self._updated_keys:
            item = self._table.get_item(Key=key).get("Item") if self._table else None
            size = item_size(typed(item)) if item else 100
            self.usage.wru += math.ceil(size / 1024) * (1 + index_copies(item or {})) * multiplier


class CountingStream:
    """The handlers' stdout (their Powertools logs, what Lambda sends to CloudWatch): counted, not shown."""

    def __init__(self, stream: Any):
        self.stream = stream
        self.count = 0

    def write(self, text: str) -> int:
        self.count += len(text.encode())
        return len(text)

    def flush(self) -> None:
        pass

    def __getattr__(self, name: str) -> Any:
        return getattr(self.stream, name)


def billed_seconds(cpu: float, waiting: float, memory_mb: int) -> float:
    """A request's duration at `memory_mb`: Lambda's CPU is one vCPU at 1769 MB and less below it."""
    return cpu * max(ONE_VCPU_MB / memory_mb, 1.0) + max(waiting, 0.0)


# The import's CPU time rather than its wall time: on a busy machine the wall time is mostly waiting
# for a core, which Lambda's INIT (one vCPU at 1769 MB) does not.
MEASURE_IMPORT_CPU = MEASURE_IMPORT.replace("time.perf_counter()", "time.process_time()")


def import_seconds() -> dict[str, float]:
    """Each function's cold import in a fresh interpreter (the INIT phase Lambda bills): its CPU
    seconds, as the cold-start benchmark measures it otherwise (median of 3)."""
    environment = lambda_environment({"POWERTOOLS_TRACE_DISABLED": "true"})
    return {
        _function_name(function, module): measure(
            MEASURE_IMPORT_CPU, [f"functions.{function}.{module}"], 3, environment
        )[0]
        for function, module in HANDLERS
    }


def _function_name(function: str, module: str) -> str:
    return function if module == "handler" else f"{function}.{module}"


def page_weight(page: str) -> tuple[int, int]:
    """(files, gzip bytes) that opening liff_static/<page> loads from CloudFront."""
    site = REPO_ROOT / "liff_static"
    seen: set[Path] = set()
    pending = [site / page]
    while pending:
        path = pending.pop()
        if path in seen or not path.exists():
            continue
        seen.add(path)
        text = path.read_text(encoding="utf-8")
        if path.suffix == ".html":
            references = re.findall(r'(?:href|src)="([^":]+)"', text)
        else:
            references = re.findall(r'(?:from|import)\s*\(?\s*"(\.[^"]+)"', text)
        pending += [(path.parent / reference).resolve() for reference in references]
    return len(seen), sum(len(gzip.compress(path.read_bytes())) for path in seen)


# The shop and its operations


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--friends", type=int, default=1200, help="friends seeded for the campaigns")
    seeded_friends = parser.parse_args().friends
    os.environ.update(
        {
            "POWERTOOLS_LOG_LEVEL": "INFO",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }
    )
    logging.basicConfig(level=logging.WARNING)
    cold_imports = import_seconds()

    counting_stdout = CountingStream(sys.stdout)
    sys.stdout = counting_stdout
    meter = Meter()
    boto3.setup_default_session()
    assert boto3.DEFAULT_SESSION is not None
    meter.install(boto3.DEFAULT_SESSION, counting_stdout)
    import importlib

    for function, module in HANDLERS:  # before the stack loads them: it then gets the measured ones
        loaded = importlib.import_module(f"functions.{function}.{module}")
        loaded.handler = meter.wrap(_function_name(function, module), loaded.handler)  # type: ignore[attr-defined]

    from daifuku_local.aws_resources import local_table
    from daifuku_local.line_platform.client import SimulatorClient
    from daifuku_local.stack import LocalStack, LocalStackConfig
    from tests.integration.campaign_api import compose, make_staff
    from tests.integration.member_api import MemberApi, a_form
    from tests.integration.staff_api import visit

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    stack = LocalStack(LocalStackConfig(api_port=0, liff_port=0, simulator_port=0, moto_port=0))
    urls = stack.start()
    # The local stack ticks the scenario schedule every second in the background; measured here once
    # per operation instead, so its runs are not charged to whatever else is being measured.
    scenario_schedule = stack.scenario_schedule
    assert scenario_schedule is not None
    scenario_schedule.stop()
    # Every enqueue counted as a start of its queue's polling (a warm environment skips the repeats of
    # a burst, which would hide the starts of operations measured one after another here).
    queue_polling.START_REMEMBERED_SECONDS = 0.0
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    assert stack.resources is not None and stack.simulator is not None and stack.campaign_schedules
    meter.attach_table(urls.aws_endpoint, stack.resources.table_name)
    table = local_table(urls.aws_endpoint, stack.resources.table_name)
    line = SimulatorClient(urls.simulator)
    api = MemberApi(urls.api, line)
    owner = make_staff(table, api, "owner")
    line.set_quota(limit=10_000_000)
    measured: dict[str, tuple[Usage, int]] = {}
    repeats = 20
    try:
        # Warm each path once (the first call imports the handler's API module), outside the figures.
        warm_user = api.simulated_user(follow=True)
        api.register(warm_user, a_form())
        api.open_card(warm_user)
        line.send_text(warm_user, "こんにちは")

        def operation(name: str, runs: int, body: Callable[[], None]) -> None:
            with meter.measuring() as usage:
                body()
                time.sleep(0.3)  # let the webhook's side calls finish
            measured[name] = (usage, runs)

        users = [api.simulated_user() for _ in range(repeats)]
        operation("follow", repeats, lambda: [line.follow(user) for user in users])
        operation("message", repeats, lambda: [line.send_text(user, "予約できますか?") for user in users])

        def register_all() -> None:
            for user in users:
                assert api.call("GET", "/liff/api/registration-form", user)[0] == 200
                assert api.register(user, a_form())[0] == 200

        operation("registration", repeats, register_all)
        tokens: dict[str, str] = {}

        def open_cards() -> None:
            for user in users:
                assert api.open_card(user)[0] == 200
                for _ in range(2):  # the token on opening, and one 30-second refresh
                    status, answer = api.call("GET", "/liff/api/card/token", user)
                    assert status == 200
                tokens[user] = answer["token"]

        operation("card_open", repeats, open_cards)

        def counter_visits() -> None:
            for user in users:  # the staff console scans the card, then records the visit (with points)
                status, answer = api.call("POST", "/liff/api/staff/scan", owner, {"token": tokens[user]})
                assert status == 200, answer
                status, answer = visit(api, owner, user)
                assert status == 201, answer

        operation("counter_visit", repeats, counter_visits)
        operation("block", repeats, lambda: [line.block(user) for user in users])

        seeded = seed_friends(stack, table, seeded_friends)
        records = CampaignRepository(TableGateway.of(table))

        def campaign(segment: dict[str, Any], text: str) -> Callable[[], None]:
            def run() -> None:
                campaign_id = compose(api, owner, segment, text)
                stack.campaign_schedules.fire_due(timedelta(seconds=120))
                deadline = time.monotonic() + 120
                while (
                    found := records.load_campaign(campaign_id)
                ) and found.status is not CampaignStatus.DONE:
                    assert found.status in (CampaignStatus.PLANNED, CampaignStatus.SENDING), found.status
                    assert time.monotonic() < deadline, "the campaign did not finish"
                    time.sleep(0.2)

            return run

        friends_now = sum(1 for _ in _members(table))
        operation("multicast_per_recipient", friends_now, campaign({}, "新商品のお知らせです"))
        operation(
            "birth_month_per_recipient",
            seeded["born_in_may"],
            campaign({"birth_month": 5}, "{name}さま、お誕生月おめでとうございます"),
        )
        operation("catch_up_run", 1, lambda: stack.fire_birth_month_schedule(catch_up=True))
        # The scenario schedule's minute with no step due (the usual minute of a small shop)
        operation("scenario_schedule_minute", 10, lambda: [scenario_schedule.run_now() for _ in range(10)])
        assert line.violations() == [], "requests broke LINE's OpenAPI spec"
        storage_bytes_per_friend = sum(item_size(typed(i)) for i in _all_items(table)) / friends_now
    finally:
        sys.stdout = counting_stdout.stream
        stack.stop()

    print_measurements(measured, cold_imports)
    card_files, card_bytes = page_weight("card.html")
    register_files, register_bytes = page_weight("register.html")
    print(
        f"LIFF pages (gzip): card.html {card_files} files {card_bytes / 1024:.0f} KB, "
        f"register.html {register_files} files {register_bytes / 1024:.0f} KB"
    )
    print(f"table storage: {storage_bytes_per_friend:.0f} bytes per friend after the run's campaigns")
    print(f"prices: {PRICES_AS_OF}; USD 1 = ¥{USD_TO_JPY:.0f}; no free tier")
    print_memory_choice(measured, cold_imports)
    yen = {}
    for friends in (3000, 100_000):
        bill = monthly_bill(
            friends,
            measured,
            cold_imports,
            (card_files, card_bytes),
            (register_files, register_bytes),
            storage_bytes_per_friend,
        )
        yen[friends] = sum(bill.values()) * USD_TO_JPY
        print(f"\nmonthly at {friends:,} friends:")
        for line_item, usd in bill.items():
            print(f"  {line_item:<40} ${usd:8.3f}  ¥{usd * USD_TO_JPY:8.0f}")
        print(f"  {'total':<40} ${sum(bill.values()):8.3f}  ¥{yen[friends]:8.0f}")
        for switch, usd in switched_on(friends, measured).items():
            print(f"  {'  would add: ' + switch:<40} ${usd:8.3f}  ¥{usd * USD_TO_JPY:8.0f}")
    ratio = yen[3000] / EDWARD_FORM_OPTION_YEN
    print(
        f"\n¥ per month at 100,000 friends: ¥{yen[100_000]:.0f} "
        f"({yen[100_000] / EDWARD_FORM_OPTION_YEN:.2f} of EDWARD's ¥5,000 form option)"
    )
    verdict = "met" if ratio <= TARGET_RATIO else "missed"
    print(f"BENCH cost yen_per_month_at_3000_vs_edward_5000={ratio:.3f} target <= {TARGET_RATIO} {verdict}")


def seed_friends(stack: Any, table: Any, count: int) -> dict[str, int]:
    """`count` friends of the simulator, registered members, one in twelve born in May."""
    born_in_may = 0
    with table.batch_writer() as writer:
        for n in range(count):
            user = stack.simulator.create_user(f"会員{n}")
            stack.simulator.users[user.user_id].following = True
            month = 5 if n % 12 == 0 else 1 + (n % 11 + 5) % 12
            born_in_may += month == 5
            writer.put_item(
                Item={
                    **member_key(user.user_id),
                    "user_id": user.user_id,
                    "status": "registered",
                    "member_no": f"{500_000 + n:06d}",
                    "name": f"会員 {n}",
                    "birthdate": f"{1970 + n % 30}-{month:02d}-{1 + n % 28:02d}",
                    "birth_month": f"{month:02d}",
                    "phone": f"090{n:08d}",
                    "phone_last4": f"{n % 10000:04d}",
                    "registered_at": "2026-01-01T00:00:00+00:00",
                    "first_followed_at": "2026-01-01T00:00:00+00:00",
                    "followed_at": "2026-01-01T00:00:00+00:00",
                    "blocked": False,
                }
            )
    return {"born_in_may": born_in_may}


def _all_items(table: Any) -> Iterator[dict[str, Any]]:
    scan: dict[str, Any] = {}
    while True:
        page = table.scan(**scan)
        yield from page["Items"]
        if "LastEvaluatedKey" not in page:
            return
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def _members(table: Any) -> Iterator[dict[str, Any]]:
    return (item for item in _all_items(table) if item["sk"] == "MEMBER" and not item.get("blocked"))


def print_measurements(measured: dict[str, tuple[Usage, int]], cold_imports: dict[str, float]) -> None:
    print(
        f"{'measured, per operation':<28} {'invocations':>11} {'GB-s':>8} {'RRU':>7} {'WRU':>7} "
        f"{'SQS':>6} {'API':>5} {'log KB':>7}"
    )
    for name, (usage, runs) in measured.items():
        each = usage.scaled(1 / runs)
        print(
            f"{name:<28} {sum(each.invocations.values()):>11.3f} {each.gb_seconds:>8.4f} {each.rru:>7.2f} "
            f"{each.wru:>7.2f} {each.sqs_requests:>6.3f} {each.api_requests:>5.2f} "
            f"{each.log_bytes / 1024:>7.2f}"
        )
    imports = ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in cold_imports.items())
    print(f"cold imports: {imports}")


def monthly_bill(
    friends: int,
    measured: dict[str, tuple[Usage, int]],
    cold_imports: dict[str, float],
    card_page: tuple[int, int],
    register_page: tuple[int, int],
    storage_bytes_per_friend: float,
) -> dict[str, float]:
    members = friends * MONTH.member_share
    visits = members * MONTH.visits_per_member
    counts = operation_counts(friends)
    total = monthly_usage(friends, measured)
    invocations = monthly_invocations(total)
    cold_gb_seconds = sum(
        min(count, COLD_STARTS_PER_MONTH_CAP)
        * billed_seconds(cold_imports[name], 0.0, MEMORY_MB[name])
        * MEMORY_MB[name]
        / 1024
        for name, count in invocations.items()
    )
    campaigns = MONTH.multicast_campaigns + MONTH.birth_month_campaigns
    page_files = card_page[0] * visits + register_page[0] * counts["registration"]
    page_bytes = card_page[1] * visits + register_page[1] * counts["registration"]
    storage_gb = storage_bytes_per_friend * friends / 1e9
    price = PRICE_USD
    api_requests = sum(part.api_requests for part in total)
    return {
        "DynamoDB reads": sum(p.rru for p in total) / 1e6 * price["dynamodb_read_per_million_rru"],
        "DynamoDB writes": sum(p.wru for p in total) / 1e6 * price["dynamodb_write_per_million_wru"],
        "DynamoDB storage": storage_gb * price["dynamodb_storage_per_gb_month"],
        "Lambda requests": invocations.total() / 1e6 * price["lambda_per_million_requests"],
        "Lambda compute (incl. cold starts)": (sum(p.gb_seconds for p in total) + cold_gb_seconds)
        * price["lambda_arm_per_gb_second"],
        "API Gateway HTTP API": api_requests / 1e6 * price["http_api_per_million_requests"],
        "SQS (sends, receives, polling)": sum(p.sqs_requests for p in total)
        / 1e6
        * price["sqs_standard_per_million_requests"],
        "EventBridge Scheduler": (campaigns + 1 + MONTH.catch_up_runs + MONTH.scenario_schedule_runs)
        / 1e6
        * price["scheduler_per_million_invocations"],
        "CloudFront (LIFF pages)": page_bytes / 1e9 * price["cloudfront_japan_per_gb"]
        + page_files / 1e4 * price["cloudfront_japan_per_10k_https_requests"],
        "S3 (site)": 0.001 * price["s3_standard_per_gb_month"],
        "SSM Parameter Store (LINE credentials)": price["ssm_standard_parameter_month"]
        + sum(p.parameter_calls for p in total) / 1e4 * price["ssm_standard_throughput_per_10k_calls"],
        "CloudWatch Logs": sum(p.log_bytes for p in total) / 1e9 * price["cloudwatch_logs_ingest_per_gb"],
        "X-Ray traces": xray_usd(invocations) if deployment_context().tracing == "Active" else 0.0,
    }


def operation_counts(friends: int) -> dict[str, float]:
    """How often each measured operation happens in a month at `friends` friends."""
    members = friends * MONTH.member_share
    visits = members * MONTH.visits_per_member
    return {
        "follow": friends * MONTH.new_friends,
        "block": friends * MONTH.blocks,
        "message": friends * MONTH.messages_per_friend,
        "registration": friends * MONTH.registrations,
        "card_open": visits,
        "counter_visit": visits,
        "multicast_per_recipient": friends * MONTH.multicast_campaigns,
        "birth_month_per_recipient": members / 12 * MONTH.birth_month_campaigns,
        "catch_up_run": MONTH.catch_up_runs,
        "scenario_schedule_minute": MONTH.scenario_schedule_runs,
    }


def monthly_usage(friends: int, measured: dict[str, tuple[Usage, int]]) -> list[Scaled]:
    return [
        measured[name][0].scaled(count / measured[name][1])
        for name, count in operation_counts(friends).items()
    ]


def monthly_invocations(total: list[Scaled]) -> Counter[str]:
    invocations: Counter[str] = Counter()
    for part in total:
        invocations.update(part.invocations)
    return invocations


def xray_usd(invocations: Counter[str]) -> float:
    """Active tracing: Lambda records the first request each second and 5% of the rest, which at a
    small shop's traffic is nearly every request."""
    return invocations.total() / 1e6 * PRICE_USD["xray_per_million_traces"]


def switched_on(friends: int, measured: dict[str, tuple[Usage, int]]) -> dict[str, float]:
    """What the switches that are off by default would add to the month's bill."""
    invocations = monthly_invocations(monthly_usage(friends, measured))
    price = PRICE_USD
    # SnapStart: the snapshot of each function's published version is cached all month (billed per GB
    # of memory per second), and every cold start is a restore (billed per GB of memory).
    cache = (
        sum(MEMORY_MB[name] / 1024 * SECONDS_PER_MONTH for name in SNAP_START_FUNCTIONS)
        * price["snapstart_python_cache_per_gb_second"]
    )
    restores = (
        sum(
            min(invocations[name], COLD_STARTS_PER_MONTH_CAP) * MEMORY_MB[name] / 1024
            for name in SNAP_START_FUNCTIONS
        )
        * price["snapstart_python_restore_per_gb"]
    )
    return {"daifuku:tracing=Active": xray_usd(invocations), "daifuku:snapStart=true": cache + restores}


def print_memory_choice(measured: dict[str, tuple[Usage, int]], cold_imports: dict[str, float]) -> None:
    """Latency × cost of each function's average request at each memory size, and the best size."""
    seconds: dict[str, list[float]] = defaultdict(list)
    cpu: dict[str, list[float]] = defaultdict(list)
    for usage, _ in measured.values():
        for name, values in usage.seconds.items():
            seconds[name] += values
            cpu[name] += usage.cpu_seconds[name]
    invocations = monthly_invocations(monthly_usage(3000, measured))
    print(
        "\nmemory (3,000 friends; latency ms, µ$ per request, their product; * least product at or "
        "above the function's floor, [ ] configured in infra/function_memory.py):"
    )
    for name in MEMORY_MB:
        if not seconds.get(name):
            continue
        cpu_each = statistics.fmean(cpu[name])
        waiting = max(statistics.fmean(seconds[name]) - cpu_each, 0.0)
        cold_share = min(1.0, COLD_STARTS_PER_MONTH_CAP / invocations[name]) if invocations[name] else 0.0
        cpu_each += cold_imports.get(name, 0.0) * cold_share
        rows = {}
        for memory in MEMORY_CHOICES_MB:
            latency = billed_seconds(cpu_each, waiting, memory)
            usd = (
                latency * memory / 1024 * PRICE_USD["lambda_arm_per_gb_second"]
                + PRICE_USD["lambda_per_million_requests"] / 1e6
            )
            rows[memory] = (latency, usd)
        allowed = [memory for memory in rows if memory >= MEMORY_FLOOR_MB.get(name, 0)]
        best = min(allowed, key=lambda m: rows[m][0] * rows[m][1])
        cells = "  ".join(
            f"{'[' if memory == MEMORY_MB[name] else ' '}{memory} MB {latency * 1000:5.0f} ms "
            f"{usd * 1e6:6.2f} µ$ {latency * 1000 * usd * 1e6:7.1f}{'*' if memory == best else ' '}"
            f"{']' if memory == MEMORY_MB[name] else ' '}"
            for memory, (latency, usd) in rows.items()
        )
        print(f"  {name:<22} cpu {cpu_each * 1000:5.0f} ms, waits {waiting * 1000:4.0f} ms: {cells}")


if __name__ == "__main__":
    main()
