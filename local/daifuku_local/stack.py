"""The whole of Daifuku on 127.0.0.1: moto, LINE simulator, HTTP API, send worker and LIFF site."""

from __future__ import annotations

import functools
import json
import logging
import os
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict
from werkzeug.middleware.dispatcher import DispatcherMiddleware

import daifuku_local.upstream_patches  # noqa: F401  (first: refuses any moto or Powertools but the pinned)
from daifuku.settings import settings_from
from daifuku.wiring import Wiring, use_wiring
from daifuku_local.aws_resources import (
    LOCAL_ACCOUNT,
    REGION,
    LocalChannel,
    LocalResources,
    aws_client,
    create_local_resources,
    deployment_context,
    local_table,
)
from daifuku_local.demo_shop import LIFF_PAGES, preload_setup_modules, seed_demo_shop
from daifuku_local.http_api import HttpApiEmulator
from daifuku_local.lambda_invoke import LocalLambdaInvoke, local_function_name
from daifuku_local.lambda_runtime import LocalLambdaContext, load_handler
from daifuku_local.liff_site import LiffSite
from daifuku_local.line_platform import LineSimulator, SimulatorConfig
from daifuku_local.local_control import LocalControl
from daifuku_local.moto_process import MotoServerProcess
from daifuku_local.movable_clock import MovableClock
from daifuku_local.one_time_schedules import OneTimeScheduler
from daifuku_local.scenario_schedule import LocalScenarioSchedule
from daifuku_local.snapshot import load_table_snapshot, save_table_snapshot
from daifuku_local.sqs_event_source import SqsEventSource
from daifuku_local.wsgi_server import BackgroundWsgiServer
from infra.connect_queue_policy import CONNECT_BATCH_SIZE, CONNECT_MAX_CONCURRENCY
from infra.send_queue_policy import SEND_BATCH_SIZE

log = logging.getLogger("daifuku_local")
# Where the functions' Lambda client finds the Invoke API (daifuku_local.lambda_invoke).
LAMBDA_INVOKE_MOUNT = "/_lambda"
# The queues' event source mappings, as the functions switch them (adapters/queue_polling.py).
# Lambda's API takes only UUIDs for them.
SEND_QUEUE_POLLING_ID = "00000000-5e0d-4000-8000-000000000001"
CONNECT_QUEUE_POLLING_ID = "00000000-c0c7-4000-8000-000000000002"
# Deliveries at once in the local stack: enough that a held receiver holds back no other.
LOCAL_CONNECT_POLLERS = 3


class LocalStackConfig(BaseModel):
    """Ports (0 picks a free one), the simulated channel, and where logs go."""

    model_config = ConfigDict(frozen=True)

    api_port: int = 3000
    liff_port: int = 8080
    simulator_port: int = 8090
    moto_port: int = 5000
    channel: LocalChannel = LocalChannel()
    simulator_seed: int = 7
    log_dir: Path | None = None
    data_dir: Path | None = None  # where the table snapshot is kept between runs; None: memory only
    demo_shop: bool = True
    # None: cdk.json's, as deployed. The campaign benchmark scales the send rates down.
    send_max_concurrency: int | None = None
    send_push_per_second: float | None = None
    send_multicast_per_second: float | None = None


class LocalStackUrls(BaseModel):
    model_config = ConfigDict(frozen=True)

    api: str
    webhook: str
    liff_site: str
    simulator: str
    simulator_console: str
    aws_endpoint: str


class LocalStack:
    """Starts every part in dependency order and stops them in reverse."""

    def __init__(self, config: LocalStackConfig):
        self.config = config
        self.moto = MotoServerProcess(
            port=config.moto_port, log_path=config.log_dir / "moto.log" if config.log_dir else None
        )
        self.simulator: LineSimulator | None = None
        self.resources: LocalResources | None = None
        self._servers: list[BackgroundWsgiServer] = []
        self._send_worker: SqsEventSource | None = None
        self._connect_worker: SqsEventSource | None = None
        self.campaign_schedules: OneTimeScheduler | None = None
        self.scenario_schedule: LocalScenarioSchedule | None = None
        self.urls: LocalStackUrls | None = None
        self._lambda_invoke: LocalLambdaInvoke | None = None
        # The time every function of this stack reads (through current_wiring().clock).
        self.clock = MovableClock()

    def start(self) -> LocalStackUrls:
        channel = self.config.channel
        if self.config.demo_shop:
            preload_setup_modules()
        self.moto.start()
        self.resources = create_local_resources(self.moto.endpoint_url, channel)
        if self.config.data_dir:
            restored = load_table_snapshot(
                self.moto.endpoint_url, self.resources.table_name, self.snapshot_path
            )
            log.info("restored %d items from %s", restored, self.snapshot_path)
        self.simulator = LineSimulator(
            SimulatorConfig(
                channel_secret=channel.channel_secret,
                channel_access_token=channel.channel_access_token,
                login_channel_id=channel.login_channel_id,
                login_channel_secret=channel.login_channel_secret,
                seed=self.config.simulator_seed,
            )
        )
        self.simulator.start(port=self.config.simulator_port)
        simulator_url = self.simulator.base_url

        self._lambda_invoke = LocalLambdaInvoke().start()
        api_app = DispatcherMiddleware(
            HttpApiEmulator(cors_origins=("*",)),
            {"/_local": LocalControl(self), LAMBDA_INVOKE_MOUNT: self._lambda_invoke},
        )
        api = BackgroundWsgiServer(api_app, port=self.config.api_port)
        os.environ.update(self.function_environment(simulator_url, api.url))
        # The simulator's bot answers /v2/bot/info with this basic id.
        site_config = {
            "apiBaseUrl": api.url,
            "simulatorUrl": simulator_url,
            "liffId": "local-liff",
            "botBasicId": "@daifuku",
        }
        site = BackgroundWsgiServer(
            LiffSite(site_config, bucket_file=self._site_bucket_file), port=self.config.liff_port
        )
        # Tracked links' bad codes go to the member card page.
        os.environ["DAIFUKU_SHOP_PAGE_URL"] = f"{site.url}/card.html"
        # The functions run in this process: their wiring is this one, with the stack's movable clock
        # (built once the environment is complete: the push worker's tracked links need the shop's page).
        use_wiring(Wiring(settings_from(os.environ), clock=self.clock))
        self._servers = [api.start(), site.start()]
        self.simulator.set_webhook_url(f"{api.url}/webhook")

        self._send_worker = SqsEventSource(
            endpoint_url=self.moto.endpoint_url,
            queue_url=self.resources.send_queue_url,
            handler=load_handler("segment_send"),
            function_name="daifuku-segment_send",
            max_concurrency=self.send_max_concurrency,
            batch_size=SEND_BATCH_SIZE,
        )
        self._send_worker.start()
        self._lambda_invoke.add_event_source_mapping(SEND_QUEUE_POLLING_ID, self._send_worker)
        self._connect_worker = SqsEventSource(
            endpoint_url=self.moto.endpoint_url,
            queue_url=self.resources.connect_queue_url,
            handler=load_handler("connect_delivery"),
            function_name="daifuku-connect_delivery",
            # Fewer pollers than deployed: each polls moto every second, in every local stack.
            max_concurrency=min(CONNECT_MAX_CONCURRENCY, LOCAL_CONNECT_POLLERS),
            batch_size=CONNECT_BATCH_SIZE,
        )
        self._connect_worker.start()
        self._lambda_invoke.add_event_source_mapping(CONNECT_QUEUE_POLLING_ID, self._connect_worker)
        self.campaign_schedules = OneTimeScheduler(
            self.moto.endpoint_url, self.resources.campaign_schedule_group, clock=self.clock
        )
        self.campaign_schedules.start()
        self.scenario_schedule = LocalScenarioSchedule()
        self.scenario_schedule.start()
        self.simulator.console_links = {
            "liffSite": site.url,
            "liffPages": LIFF_PAGES,
            "clock": f"{api.url}/_local/clock",  # the functions' clock, moved from the console
        }
        if self.config.demo_shop:
            seed_demo_shop(self.simulator, self.moto.endpoint_url, self.resources.table_name, site.url)
        self.urls = LocalStackUrls(
            api=api.url,
            webhook=f"{api.url}/webhook",
            liff_site=site.url,
            simulator=simulator_url,
            simulator_console=f"{simulator_url}/",
            aws_endpoint=self.moto.endpoint_url,
        )
        return self.urls

    def run_expiry(self, ahead: timedelta, user_id: str | None = None) -> dict[str, int]:
        """What TTL and the lifecycle rules would have deleted by now + `ahead` (daifuku_local.expiry)."""
        from daifuku_local.expiry import expire

        assert self.resources is not None
        table = local_table(self.moto.endpoint_url, self.resources.table_name)
        bucket = self.resources.message_images_bucket or None
        return expire(table, self._site_bucket_client, bucket, datetime.now(UTC) + ahead, user_id)

    @functools.cached_property
    def _site_bucket_client(self) -> Any:
        return aws_client("s3", self.moto.endpoint_url)

    def _site_bucket_file(self, key: str) -> bytes | None:
        """A file `daifuku setup` put into the site bucket (moto's S3 here, as S3 behind CloudFront)."""
        assert self.resources is not None
        s3 = self._site_bucket_client
        try:
            return bytes(s3.get_object(Bucket=self.resources.liff_site_bucket, Key=key)["Body"].read())
        except s3.exceptions.NoSuchKey:
            return None

    @property
    def send_max_concurrency(self) -> int:
        return self.config.send_max_concurrency or deployment_context().send_max_concurrency

    def function_environment(self, simulator_url: str, api_url: str) -> dict[str, str]:
        """The environment the deployed functions get, pointed at moto and the simulator (and, for
        Lambda's Invoke API, at this stack's emulation of it)."""
        assert self.resources is not None
        return {
            "AWS_ENDPOINT_URL": self.moto.endpoint_url,
            "AWS_ENDPOINT_URL_LAMBDA": f"{api_url}{LAMBDA_INVOKE_MOUNT}",
            "DAIFUKU_RICH_MENU_PAINTER_FUNCTION": local_function_name("rich_menu_painter"),
            "AWS_DEFAULT_REGION": REGION,
            "AWS_REGION": REGION,
            "AWS_ACCESS_KEY_ID": "local",
            "AWS_SECRET_ACCESS_KEY": "local",
            "DAIFUKU_TABLE_NAME": self.resources.table_name,
            "DAIFUKU_MESSAGE_IMAGES_BUCKET": self.resources.message_images_bucket,
            "DAIFUKU_LINE_CREDENTIALS_PARAMETER": self.resources.line_credentials_parameter,
            "DAIFUKU_SEND_QUEUE_URL": self.resources.send_queue_url,
            "DAIFUKU_CONNECT_QUEUE_URL": self.resources.connect_queue_url,
            "DAIFUKU_SEND_QUEUE_POLLING_ID": SEND_QUEUE_POLLING_ID,
            "DAIFUKU_CONNECT_QUEUE_POLLING_ID": CONNECT_QUEUE_POLLING_ID,
            # Retries a second or two apart (deployed: 10 s doubling), and test receivers on 127.0.0.1.
            "DAIFUKU_CONNECT_RETRY_BASE_SECONDS": "1",
            "DAIFUKU_CONNECT_RETRY_MAX_SECONDS": "2",
            "DAIFUKU_CONNECT_ALLOW_LOOPBACK_HTTP": "true",
            "DAIFUKU_LINE_API_ENDPOINT": simulator_url,
            "DAIFUKU_LINE_DATA_API_ENDPOINT": simulator_url,
            "DAIFUKU_SHOP_TIMEZONE": deployment_context().shop_timezone,
            "DAIFUKU_API_BASE_URL": api_url,
            "DAIFUKU_SEND_MAX_CONCURRENCY": str(self.send_max_concurrency),
            "DAIFUKU_SEND_PUSH_PER_SECOND": str(
                self.config.send_push_per_second or deployment_context().send_push_per_second
            ),
            "DAIFUKU_SEND_MULTICAST_PER_SECOND": str(
                self.config.send_multicast_per_second or deployment_context().send_multicast_per_second
            ),
            "DAIFUKU_CAMPAIGN_SCHEDULE_GROUP": self.resources.campaign_schedule_group,
            "DAIFUKU_CAMPAIGN_PLANNER_ARN": f"arn:aws:lambda:{REGION}:{LOCAL_ACCOUNT}:function:planner",
            "DAIFUKU_CAMPAIGN_SCHEDULER_ROLE_ARN": f"arn:aws:iam::{LOCAL_ACCOUNT}:role/daifuku-campaigns",
            "POWERTOOLS_TRACE_DISABLED": "true",
            "POWERTOOLS_METRICS_NAMESPACE": "Daifuku",
            "POWERTOOLS_METRICS_DISABLED": "true",
        }

    def fire_birth_month_schedule(self, catch_up: bool = False) -> Any:
        """What EventBridge Scheduler does when the schedule fires: invoke the target with its input."""
        assert self.resources is not None
        scheduler = aws_client("scheduler", self.moto.endpoint_url)
        resources = self.resources
        name = (
            resources.birth_month_catch_up_schedule_name if catch_up else resources.birth_month_schedule_name
        )
        schedule = scheduler.get_schedule(Name=name)
        payload = json.loads(schedule["Target"].get("Input") or "{}")
        handler = load_handler("birthday_scheduler")
        return handler(payload, LocalLambdaContext(function_name="daifuku-birthday_scheduler"))

    def after_clock_moved(self) -> None:
        """What became due when the clock moved runs now, as the schedules would have run it."""
        assert self.campaign_schedules is not None and self.scenario_schedule is not None
        self.campaign_schedules.fire_due()
        self.scenario_schedule.run_now()

    @property
    def snapshot_path(self) -> Path:
        assert self.config.data_dir is not None
        return self.config.data_dir / "table.json"

    def stop(self) -> None:
        if self.scenario_schedule:
            self.scenario_schedule.stop()
        if self.campaign_schedules:
            self.campaign_schedules.stop()
        if self._send_worker:
            self._send_worker.stop()
        if self._connect_worker:
            self._connect_worker.stop()
        if self._lambda_invoke:
            self._lambda_invoke.stop()
        if self.config.data_dir and self.resources:
            saved = save_table_snapshot(self.moto.endpoint_url, self.resources.table_name, self.snapshot_path)
            log.info("saved %d items to %s", saved, self.snapshot_path)
        for server in reversed(self._servers):
            server.stop()
        if self.simulator:
            self.simulator.stop()
        self.moto.stop()
        use_wiring(None)
