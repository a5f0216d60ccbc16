"""Runtime configuration, parsed once from environment variables into a typed model."""

from __future__ import annotations

import os
from collections.abc import Mapping
from functools import cache
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field


class Settings(BaseModel):
    """What every function needs to know about its deployment. Secrets are referenced, never held."""

    model_config = ConfigDict(frozen=True, extra="ignore", populate_by_name=True, defer_build=True)

    table_name: str = Field(alias="DAIFUKU_TABLE_NAME", min_length=1)
    line_credentials_parameter: str = Field(
        alias="DAIFUKU_LINE_CREDENTIALS_PARAMETER",
        min_length=1,
        pattern=r"^/[A-Za-z0-9_.\-/]+$",
        description="SSM Parameter Store name of the SecureString with the LINE channel credentials.",
    )
    line_api_endpoint: str = Field(alias="DAIFUKU_LINE_API_ENDPOINT", default="https://api.line.me")
    line_data_api_endpoint: str = Field(
        alias="DAIFUKU_LINE_DATA_API_ENDPOINT", default="https://api-data.line.me"
    )
    send_queue_url: str | None = Field(alias="DAIFUKU_SEND_QUEUE_URL", default=None)
    # The queues' Lambda event source mappings, switched on while a queue has work (queue_polling.py);
    # unset: the mapping is left as deployed.
    send_queue_polling_id: str | None = Field(alias="DAIFUKU_SEND_QUEUE_POLLING_ID", default=None)
    connect_queue_polling_id: str | None = Field(alias="DAIFUKU_CONNECT_QUEUE_POLLING_ID", default=None)
    # One-time EventBridge Scheduler schedules start campaigns: the group they go in, the planner
    # function they invoke, and the role Scheduler assumes to invoke it.
    campaign_schedule_group: str | None = Field(alias="DAIFUKU_CAMPAIGN_SCHEDULE_GROUP", default=None)
    campaign_planner_arn: str | None = Field(alias="DAIFUKU_CAMPAIGN_PLANNER_ARN", default=None)
    campaign_scheduler_role_arn: str | None = Field(alias="DAIFUKU_CAMPAIGN_SCHEDULER_ROLE_ARN", default=None)
    # The push worker's share of LINE's per-endpoint limits (requests a second, all workers together).
    # The rich menu painter function (its name or ARN), invoked asynchronously when the menus change.
    rich_menu_painter_function: str | None = Field(alias="DAIFUKU_RICH_MENU_PAINTER_FUNCTION", default=None)
    send_push_per_second: float = Field(alias="DAIFUKU_SEND_PUSH_PER_SECOND", default=2000, gt=0)
    send_multicast_per_second: float = Field(alias="DAIFUKU_SEND_MULTICAST_PER_SECOND", default=200, gt=0)
    send_max_concurrency: int = Field(alias="DAIFUKU_SEND_MAX_CONCURRENCY", default=2, ge=1)
    shop_timezone: str = Field(alias="DAIFUKU_SHOP_TIMEZONE", default="Asia/Tokyo")
    max_body_bytes: int = Field(alias="DAIFUKU_MAX_BODY_BYTES", default=64 * 1024, gt=0)
    # Connect: the queue of outgoing events and forwarded webhook requests, and its retry backoff
    # (the local stack shortens it; the queue's maxReceiveCount bounds the attempts).
    connect_queue_url: str | None = Field(alias="DAIFUKU_CONNECT_QUEUE_URL", default=None)
    connect_retry_base_seconds: float = Field(alias="DAIFUKU_CONNECT_RETRY_BASE_SECONDS", default=10, gt=0)
    connect_retry_max_seconds: float = Field(alias="DAIFUKU_CONNECT_RETRY_MAX_SECONDS", default=900, gt=0)
    # Only the local stack: lets the owner point endpoints at http://127.0.0.1 test receivers.
    connect_allow_loopback_http: bool = Field(alias="DAIFUKU_CONNECT_ALLOW_LOOPBACK_HTTP", default=False)
    # The private bucket of the photos customers send (webhook, liff_api); unset: images stay at LINE.
    message_images_bucket: str | None = Field(alias="DAIFUKU_MESSAGE_IMAGES_BUCKET", default=None)
    # Tracked links: the HTTP API's base URL (their `/r/<code>` is on it), and where a code that does
    # not verify is sent instead (the shop's member card page).
    api_base_url: str | None = Field(alias="DAIFUKU_API_BASE_URL", default=None)
    shop_page_url: str | None = Field(alias="DAIFUKU_SHOP_PAGE_URL", default=None)


class SendQueueSettings(Settings):
    """The functions that put batches on the send queue or take them off (the planner, the birth-month
    scheduler, the push worker): without the queue they cannot start."""

    send_queue_url: str = Field(alias="DAIFUKU_SEND_QUEUE_URL", min_length=1)  # type: ignore[assignment]


class CampaignSchedulingSettings(Settings):
    """The function that schedules campaigns (liff_api): the schedule group, the planner the schedules
    invoke and the role Scheduler assumes."""

    campaign_schedule_group: str = Field(alias="DAIFUKU_CAMPAIGN_SCHEDULE_GROUP", min_length=1)  # type: ignore[assignment]
    campaign_planner_arn: str = Field(alias="DAIFUKU_CAMPAIGN_PLANNER_ARN", min_length=1)  # type: ignore[assignment]
    campaign_scheduler_role_arn: str = Field(alias="DAIFUKU_CAMPAIGN_SCHEDULER_ROLE_ARN", min_length=1)  # type: ignore[assignment]


class RichMenuRefreshSettings(Settings):
    """The function that asks for the rich menus to be redrawn (liff_api): the painter to invoke."""

    rich_menu_painter_function: str = Field(alias="DAIFUKU_RICH_MENU_PAINTER_FUNCTION", min_length=1)  # type: ignore[assignment]


class ConnectQueueSettings(Settings):
    """The function that takes the connect queue's messages off (connect_delivery)."""

    connect_queue_url: str = Field(alias="DAIFUKU_CONNECT_QUEUE_URL", min_length=1)  # type: ignore[assignment]


class TrackedLinkSettings(Settings):
    """The functions that make or follow tracked links (the push worker, the redirect): without the
    API's URL and the shop's page they cannot."""

    api_base_url: str = Field(alias="DAIFUKU_API_BASE_URL", pattern=r"^https?://")  # type: ignore[assignment]
    shop_page_url: str = Field(alias="DAIFUKU_SHOP_PAGE_URL", pattern=r"^https?://")  # type: ignore[assignment]


AnySettings = TypeVar("AnySettings", bound=Settings)


@cache
def current_settings(model: type[AnySettings] = Settings) -> AnySettings:  # type: ignore[assignment]
    """The settings of this process, read from the environment on first use, as `model` (a function's
    own settings model refuses to start without what that function needs)."""
    return model.model_validate(os.environ)


def settings_from(environment: Mapping[str, str], model: type[AnySettings] = Settings) -> AnySettings:  # type: ignore[assignment]
    """Settings from an explicit mapping (tests and the local stack)."""
    return model.model_validate(dict(environment))


def settings_as(settings: Settings, model: type[AnySettings]) -> AnySettings:
    """`settings` checked against a function's own settings model (a ValidationError naming what is
    missing otherwise)."""
    if isinstance(settings, model):
        return settings
    return model.model_validate(settings.model_dump(by_alias=True))
