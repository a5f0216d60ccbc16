"""The composition root: the only place that builds the adapters from `Settings`.

Every handler and the planner take what they need from `current_wiring()`. Nothing connects at
import time: the table gateway, the queue and the scheduler client are created on first use and kept
for the execution environment's life; the LINE clients are built per use from the current
credentials (which the parameters cache refreshes). Tests put their own in with `use_wiring`.

Every AWS client comes from one boto3 session, built once: botocore then loads its endpoint data and
resolves the credentials once per environment instead of once per client (bench/cold_start.py).
`prime()` builds what a request needs ahead of it (SnapStart's snapshot, see snapshot_hooks.py).

Where a new outside system goes: an adapter module in `daifuku/adapters/`, built here.
"""

from __future__ import annotations

import threading
from functools import cache, cached_property
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from daifuku.adapters.dynamodb.repositories import Repositories
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.clock import Clock, system_clock
from daifuku.settings import (
    CampaignSchedulingSettings,
    RichMenuRefreshSettings,
    SendQueueSettings,
    Settings,
    TrackedLinkSettings,
    current_settings,
    settings_as,
)

if TYPE_CHECKING:
    from daifuku.adapters.campaign_schedules import CampaignSchedules
    from daifuku.adapters.line_api import LineMessagingClient
    from daifuku.adapters.line_credentials import LineCredentials, LineCredentialsStore
    from daifuku.adapters.line_login import LineIdTokenVerifier
    from daifuku.adapters.message_images import MessageImages
    from daifuku.adapters.queue_polling import QueuePolling
    from daifuku.adapters.rich_menu_painter import RichMenuRefresh
    from daifuku.adapters.sqs_queue import SqsQueue
    from daifuku.domain.scenario_engine import ScenarioEngine
    from daifuku.domain.send_pacing import PacedLineSender
    from daifuku.domain.shop_events import ShopEventEmitter
    from daifuku.domain.tracked_links import LinkCodes


class Wiring:
    """The adapters of one deployment (one `Settings`), each built once, on first use."""

    def __init__(
        self, settings: Settings, *, dynamodb: Any = None, session: Any = None, clock: Clock = system_clock
    ):
        self.settings = settings
        # What time it is for every rule run through this wiring: the system's, deployed; the local
        # stack's movable one there (only a wiring built by the local stack or a test gets another).
        self.clock = clock
        self._dynamodb = dynamodb  # a boto3 DynamoDB resource (tests, the local stack, the operator CLI)
        self._session = session
        self._lock = threading.Lock()  # the local stack's first requests can arrive together

    @property
    def aws_session(self) -> Any:
        """The boto3 session every AWS client of this environment is made from."""
        with self._lock:
            if self._session is None:
                import boto3

                # The process's default session: what Powertools and any other boto3 user here share.
                if boto3.DEFAULT_SESSION is None:
                    boto3.setup_default_session()
                self._session = boto3.DEFAULT_SESSION
            return self._session

    def sibling(self, settings: Settings | None = None) -> Wiring:
        """A wiring with its own clients (a thread that stands for another execution environment)
        and the same clock."""
        return Wiring(settings or self.settings, clock=self.clock)

    @cached_property
    def timezone(self) -> ZoneInfo:
        return ZoneInfo(self.settings.shop_timezone)

    # The table: one gateway, one repository per aggregate

    @cached_property
    def table(self) -> Repositories:
        if self._dynamodb is not None:
            return Repositories.over(TableGateway(self.settings.table_name, self._dynamodb))
        return Repositories.over(TableGateway(self.settings.table_name, session=self.aws_session))

    def scenario_engine(self) -> ScenarioEngine:
        """Scenarios: enrolment (every trigger's entrance), the schedule's due steps, resume; a new one per
        run (its repository counts the run's reads)."""
        from daifuku.domain.scenario_engine import ScenarioEngine

        return ScenarioEngine(self.table.scenarios(), self.timezone, self.clock)

    # LINE

    @cached_property
    def line_credentials_store(self) -> LineCredentialsStore:
        from daifuku.adapters.line_credentials import LineCredentialsStore

        return LineCredentialsStore(self.settings.line_credentials_parameter, self.aws_session)

    def line_credentials(self) -> LineCredentials:
        """The channel's credentials (cached by the parameters provider for a few minutes)."""
        return self.line_credentials_store.load()

    def prime(self) -> None:
        """Build the clients a request needs and read the credentials, ahead of the first request."""
        _ = self.table.gateway.client
        self.line_credentials()

    def line(self, timeout_seconds: float = 5) -> LineMessagingClient:
        """The Messaging API client of the channel, with the current access token."""
        from daifuku.adapters.line_api import LineMessagingClient

        token = self.line_credentials().channel_access_token
        return LineMessagingClient.for_channel(token, self.settings, timeout_seconds=timeout_seconds)

    def paced_line(self, line: LineMessagingClient) -> PacedLineSender:
        """`line`, kept to this push worker's share of the send rates (every worker keeps its share)."""
        from daifuku.domain.send_pacing import PacedLineSender

        settings = self.settings
        return PacedLineSender.sharing(
            line,
            push_per_second=settings.send_push_per_second,
            multicast_per_second=settings.send_multicast_per_second,
            workers=settings.send_max_concurrency,
        )

    def id_token_verifier(self) -> LineIdTokenVerifier:
        """Verifies the LIFF ID tokens of the channel's LINE Login channel."""
        from daifuku.adapters.line_login import LineIdTokenVerifier

        channel_id = self.line_credentials().login_channel_id
        return LineIdTokenVerifier(self.settings.line_api_endpoint, channel_id)

    def link_codes(self) -> LinkCodes:
        """The tracked links' codes: keyed by the channel secret, on this deployment's API."""
        from daifuku.domain.tracked_links import LinkCodes, link_signing_key

        settings = settings_as(self.settings, TrackedLinkSettings)
        secret = self.line_credentials().channel_secret.get_secret_value()
        return LinkCodes(link_signing_key(secret), settings.api_base_url)

    # AWS beyond the table

    @cached_property
    def send_queue(self) -> SqsQueue:
        from daifuku.adapters.sqs_queue import SqsQueue

        url = settings_as(self.settings, SendQueueSettings).send_queue_url
        return SqsQueue(url, session=self.aws_session, polling=self.send_queue_polling)

    @cached_property
    def send_queue_polling(self) -> QueuePolling | None:
        """The push worker's polling of the send queue, on while it has work (None: as deployed)."""
        return self._queue_polling(self.settings.send_queue_polling_id, self.settings.send_queue_url)

    @cached_property
    def connect_queue_polling(self) -> QueuePolling | None:
        """The delivery function's polling of the connect queue, on while it has work or forwards."""
        return self._queue_polling(self.settings.connect_queue_polling_id, self.settings.connect_queue_url)

    def _queue_polling(self, mapping_id: str | None, queue_url: str | None) -> QueuePolling | None:
        from daifuku.adapters.queue_polling import QueuePolling

        return QueuePolling(mapping_id, queue_url, self.aws_session) if mapping_id and queue_url else None

    @cached_property
    def campaign_schedules(self) -> CampaignSchedules:
        from daifuku.adapters.campaign_schedules import CampaignSchedules, CampaignScheduleTarget

        settings = settings_as(self.settings, CampaignSchedulingSettings)
        return CampaignSchedules(
            CampaignScheduleTarget(
                group_name=settings.campaign_schedule_group,
                planner_arn=settings.campaign_planner_arn,
                role_arn=settings.campaign_scheduler_role_arn,
            )
        )

    @cached_property
    def message_images(self) -> MessageImages | None:
        """The private bucket of customers' photos, when the deployment has one."""
        from daifuku.adapters.message_images import MessageImages

        bucket = self.settings.message_images_bucket
        return MessageImages(bucket, self.aws_session) if bucket else None

    @cached_property
    def rich_menu_refresh(self) -> RichMenuRefresh:
        """Asks the painter function to redraw and relink the rich menus (`request()`)."""
        from daifuku.adapters.rich_menu_painter import RichMenuRefresh

        settings = settings_as(self.settings, RichMenuRefreshSettings)
        return RichMenuRefresh(settings.rich_menu_painter_function)

    # Connect: outgoing events and the webhook forwarding

    @cached_property
    def connect_queue(self) -> SqsQueue | None:
        """None in a deployment without the connect queue (nothing is sent on then)."""
        from daifuku.adapters.sqs_queue import SqsQueue

        url = self.settings.connect_queue_url
        return SqsQueue(url, session=self.aws_session, polling=self.connect_queue_polling) if url else None

    @cached_property
    def shop_events(self) -> ShopEventEmitter:
        """Where the service objects raise outgoing events: one message per subscribed endpoint."""
        from daifuku.adapters.connect_queue import QueuedShopEvents
        from daifuku.domain.shop_events import NO_SHOP_EVENTS

        queue = self.connect_queue
        return QueuedShopEvents(self.table.connect.event_endpoints, queue) if queue else NO_SHOP_EVENTS


_injected: Wiring | None = None


@cache
def _environment_wiring() -> Wiring:
    return Wiring(current_settings())


def current_wiring() -> Wiring:
    """The wiring of this execution environment (built on first use), or the one a test put in."""
    return _injected or _environment_wiring()


def use_wiring(wiring: Wiring | None) -> None:
    """Put `wiring` in place of the environment's (None: back to the environment's)."""
    global _injected
    _injected = wiring
