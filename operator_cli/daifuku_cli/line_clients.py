"""line-bot-sdk v3's clients for the operator's commands (`daifuku setup`, the local demo seed).

The SDK has every call setup makes; this module only points its clients at LINE (or the LINE
simulator: `Configuration(host=…)` for api.line.me and api-data.line.me each) and turns the SDK's
errors into one line for the operator. Start-up time does not matter here, unlike on the request
path, whose client (daifuku.adapters.line_api) is hand-written and never imports the SDK.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import urllib3
from linebot.v3 import liff, messaging, oauth

from daifuku_cli.line_hosts import LINE_API, LINE_DATA_API, LineEndpoints

__all__ = ["LINE_API", "LINE_DATA_API", "LINE_ERRORS", "LineClients", "LineEndpoints", "line_clients"]

BODY_SHOWN_CHARS = 500

# Each of the SDK's packages has its own ApiException; urllib3's errors are LINE not answering at all.
LINE_ERRORS: tuple[type[Exception], ...] = (
    messaging.ApiException,
    liff.ApiException,
    oauth.ApiException,
    urllib3.exceptions.HTTPError,
)
NOT_FOUND = 404
Answer = TypeVar("Answer")


@dataclass(frozen=True)
class LineClients:
    """One Messaging API channel's clients. The LIFF server API takes a LINE Login channel's token
    instead (issued with `tokens.issue_channel_token`), so its client is made per token."""

    messaging: messaging.MessagingApi
    blob: messaging.MessagingApiBlob
    tokens: oauth.ChannelAccessToken
    endpoints: LineEndpoints

    def liff(self, login_channel_token: str) -> liff.Liff:
        configuration = liff.Configuration(host=self.endpoints.api, access_token=login_channel_token)
        return liff.Liff(liff.ApiClient(configuration))


def line_clients(channel_access_token: str, endpoints: LineEndpoints | None = None) -> LineClients:
    """The SDK's clients of the channel, on LINE's hosts or the simulator's."""
    endpoints = endpoints or LineEndpoints()

    def configuration(host: str) -> messaging.Configuration:
        return messaging.Configuration(host=host, access_token=channel_access_token)

    return LineClients(
        messaging=messaging.MessagingApi(messaging.ApiClient(configuration(endpoints.api))),
        # The blob client must be given api-data's host: a Configuration's host replaces the SDK's own.
        blob=messaging.MessagingApiBlob(messaging.ApiClient(configuration(endpoints.data_api))),
        tokens=oauth.ChannelAccessToken(oauth.ApiClient(oauth.Configuration(host=endpoints.api))),
        endpoints=endpoints,
    )


def unless_not_found(call: Callable[[], Answer]) -> Answer | None:
    """The call's answer, or None for LINE's 404: its answer for a setting never made (no webhook URL,
    no default rich menu, no LIFF app)."""
    try:
        return call()
    except LINE_ERRORS as error:
        if getattr(error, "status", None) == NOT_FOUND:
            return None
        raise


def describe_line_error(error: Exception) -> str:
    """One line for the operator: LINE's status and its own message, or why it could not be reached."""
    if isinstance(error, urllib3.exceptions.HTTPError):
        return f"LINE could not be reached: {error}"
    status: Any = getattr(error, "status", None)
    body: Any = getattr(error, "body", None)
    if isinstance(body, bytes):
        body = body.decode(errors="replace")
    detail = " ".join(str(body or getattr(error, "reason", "") or "").split())
    return f"LINE answered {status}: {detail[:BODY_SHOWN_CHARS]}"
