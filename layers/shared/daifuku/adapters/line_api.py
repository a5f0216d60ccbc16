"""LINE Messaging API over plain HTTPS, on kept-alive connections.

The request-path functions (webhook, liff_api) use this instead of line-bot-sdk's messaging module,
whose import alone costs about 2 s of cold start. Bodies are LINE's wire format as documented in
../shared/line-openapi/messaging-api.yml; the LINE simulator checks every one against that spec.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from datetime import date
from typing import Any
from urllib.parse import quote, urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr

from daifuku.domain.errors import (
    LineBadRequest,
    LineMonthlyLimitReached,
    LineRateLimited,
    LineRequestFailed,
    LineUnavailable,
)
from daifuku.settings import Settings

MONTHLY_LIMIT_MESSAGE = "You have reached your monthly limit."
# An idle connection older than this is closed rather than reused: a frozen Lambda's sockets go stale.
IDLE_CONNECTION_SECONDS = 20
# The errors of a kept-alive connection the server had closed before it read the request.
_CLOSED_BY_SERVER = (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError)


class _KeepAliveConnections:
    """Idle HTTP/1.1 connections per scheme, host and port, shared by the clients of a process, so
    that a webhook's profile fetch, reply and rich-menu link share one TLS handshake."""

    def __init__(self) -> None:
        self._idle: dict[tuple[str, str, int | None], list[tuple[float, http.client.HTTPConnection]]] = {}
        self._lock = threading.Lock()

    def take(
        self, scheme: str, host: str, port: int | None, timeout: float
    ) -> tuple[http.client.HTTPConnection, bool]:
        """A connection to the host, and whether it was used before."""
        with self._lock:
            idle = self._idle.get((scheme, host, port), [])
            while idle:
                since, connection = idle.pop()
                if time.monotonic() - since < IDLE_CONNECTION_SECONDS:
                    connection.timeout = timeout
                    if connection.sock is not None:
                        connection.sock.settimeout(timeout)
                    return connection, True
                connection.close()
        opened = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        return opened(host, port, timeout=timeout), False

    def give_back(
        self, scheme: str, host: str, port: int | None, connection: http.client.HTTPConnection
    ) -> None:
        with self._lock:
            self._idle.setdefault((scheme, host, port), []).append((time.monotonic(), connection))


_connections = _KeepAliveConnections()


class LineProfile(BaseModel):
    """A friend's profile as GET /v2/bot/profile/{userId} returns it."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True, defer_build=True)

    user_id: str
    display_name: str
    picture_url: str | None = None
    status_message: str | None = None
    language: str | None = None

    @classmethod
    def from_line(cls, payload: dict[str, Any]) -> LineProfile:
        return cls(
            user_id=payload["userId"],
            display_name=payload.get("displayName", ""),
            picture_url=payload.get("pictureUrl"),
            status_message=payload.get("statusMessage"),
            language=payload.get("language"),
        )


class SendReceipt(BaseModel):
    """LINE's acknowledgement of a send. `accepted_request_id` is set when a retry key was already used."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    request_id: str | None
    accepted_request_id: str | None = None

    @property
    def was_duplicate(self) -> bool:
        return self.accepted_request_id is not None


class LineMessagingClient:
    """The Messaging API calls Daifuku makes, with LINE's errors turned into domain errors."""

    def __init__(
        self, access_token: str, api_endpoint: str, data_api_endpoint: str, timeout_seconds: float = 5
    ):
        self._access_token = access_token
        self._api = api_endpoint.rstrip("/")
        self._data_api = data_api_endpoint.rstrip("/")
        self._timeout = timeout_seconds

    @classmethod
    def for_channel(
        cls, access_token: SecretStr, settings: Settings, timeout_seconds: float = 5
    ) -> LineMessagingClient:
        """The client of the channel whose token is `access_token`, at the endpoints in `settings`."""
        return cls(
            access_token.get_secret_value(),
            settings.line_api_endpoint,
            settings.line_data_api_endpoint,
            timeout_seconds=timeout_seconds,
        )

    def get_profile(self, user_id: str) -> LineProfile | None:
        """The friend's profile, or None when LINE has none for us (not a friend, or blocked)."""
        try:
            _, payload, _ = self._request("GET", f"{self._api}/v2/bot/profile/{quote(user_id)}")
        except LineBadRequest as error:
            if error.status == 404:
                return None
            raise
        return LineProfile.from_line(payload)

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> SendReceipt:
        return self._send("/v2/bot/message/reply", {"replyToken": reply_token, "messages": messages}, None)

    def push(
        self,
        to: str,
        messages: list[dict[str, Any]],
        retry_key: str | None = None,
        aggregation_unit: str | None = None,
    ) -> SendReceipt:
        body = {"to": to, "messages": messages} | _units(aggregation_unit)
        return self._send("/v2/bot/message/push", body, retry_key)

    def multicast(
        self,
        to: list[str],
        messages: list[dict[str, Any]],
        retry_key: str | None = None,
        aggregation_unit: str | None = None,
    ) -> SendReceipt:
        body = {"to": to, "messages": messages} | _units(aggregation_unit)
        return self._send("/v2/bot/message/multicast", body, retry_key)

    # Statistics per unit (insight.yml): opens and clicks as LINE counts them

    def aggregation_units_used(self) -> int:
        """The custom aggregation units used this month (LINE allows 1,000)."""
        _, payload, _ = self._request("GET", f"{self._api}/v2/bot/message/aggregation/info")
        return int(payload["numOfCustomAggregationUnits"])

    def unit_statistics(self, unit: str, first: date, last: date) -> dict[str, Any]:
        """`GET /v2/bot/insight/message/event/aggregation` for days `first`..`last` (JST, ≤ 30 days)."""
        query = f"customAggregationUnit={quote(unit)}&from={first:%Y%m%d}&to={last:%Y%m%d}"
        _, payload, _ = self._request("GET", f"{self._api}/v2/bot/insight/message/event/aggregation?{query}")
        return payload

    # Chats (conversations: the loading animation, read receipts, what customers sent)

    def show_loading(self, user_id: str, seconds: int) -> None:
        """LINE's loading animation in the user's chat, until the reply or `seconds` (5-60, by 5)."""
        self._request(
            "POST", f"{self._api}/v2/bot/chat/loading/start", {"chatId": user_id, "loadingSeconds": seconds}
        )

    def mark_as_read(self, mark_as_read_token: str) -> None:
        """Mark the user's messages up to the token's as read (the customer sees 既読)."""
        self._request("POST", f"{self._api}/v2/bot/chat/markAsRead", {"markAsReadToken": mark_as_read_token})

    def message_content(self, message_id: str) -> tuple[bytes, str]:
        """What a customer sent (an image): its bytes and content type, while LINE keeps them."""
        _, body, headers = self._request_raw(
            "GET", f"{self._data_api}/v2/bot/message/{quote(message_id)}/content"
        )
        return body, headers.get("content-type", "application/octet-stream")

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        self._request("POST", f"{self._api}/v2/bot/user/{quote(user_id)}/richmenu/{quote(rich_menu_id)}")

    def unlink_rich_menu(self, user_id: str) -> None:
        self._request("DELETE", f"{self._api}/v2/bot/user/{quote(user_id)}/richmenu")

    # Rich menus (the painter's RichMenuApi port, daifuku.domain.rich_menu_publishing)

    def rich_menus(self) -> dict[str, dict[str, Any]]:
        _, payload, _ = self._request("GET", f"{self._api}/v2/bot/richmenu/list")
        return {menu["richMenuId"]: menu for menu in payload.get("richmenus", [])}

    def create_rich_menu(self, definition: dict[str, Any], image: bytes, content_type: str) -> str:
        _, payload, _ = self._request("POST", f"{self._api}/v2/bot/richmenu", definition)
        menu_id = str(payload["richMenuId"])
        url = f"{self._data_api}/v2/bot/richmenu/{quote(menu_id)}/content"
        self._request("POST", url, image, {"Content-Type": content_type})
        return menu_id

    def rich_menu_image(self, rich_menu_id: str) -> tuple[bytes, str] | None:
        """The menu's image as uploaded, and its content type (the owner's own image is kept on LINE);
        None when LINE has no such menu or image."""
        url = f"{self._data_api}/v2/bot/richmenu/{quote(rich_menu_id)}/content"
        try:
            _, raw, headers = self._request_raw("GET", url)
        except LineBadRequest as error:
            if error.status == http.HTTPStatus.NOT_FOUND:
                return None
            raise
        return raw, headers.get("content-type", "image/png").split(";")[0].strip()

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        self._request("DELETE", f"{self._api}/v2/bot/richmenu/{quote(rich_menu_id)}")

    def default_rich_menu(self) -> str | None:
        try:
            _, payload, _ = self._request("GET", f"{self._api}/v2/bot/user/all/richmenu")
        except LineBadRequest as error:
            if error.status == 404:
                return None
            raise
        return str(payload["richMenuId"]) if payload.get("richMenuId") else None

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        self._request("POST", f"{self._api}/v2/bot/user/all/richmenu/{quote(rich_menu_id)}")

    def rich_menu_aliases(self) -> dict[str, str]:
        _, payload, _ = self._request("GET", f"{self._api}/v2/bot/richmenu/alias/list")
        return {alias["richMenuAliasId"]: alias["richMenuId"] for alias in payload.get("aliases", [])}

    def set_rich_menu_alias(self, alias: str, rich_menu_id: str, *, exists: bool) -> None:
        if exists:
            url = f"{self._api}/v2/bot/richmenu/alias/{quote(alias)}"
            self._request("POST", url, {"richMenuId": rich_menu_id})
        else:
            body = {"richMenuAliasId": alias, "richMenuId": rich_menu_id}
            self._request("POST", f"{self._api}/v2/bot/richmenu/alias", body)

    def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: list[str]) -> None:
        body = {"richMenuId": rich_menu_id, "userIds": user_ids}
        self._request("POST", f"{self._api}/v2/bot/richmenu/bulk/link", body)

    def message_quota(self) -> int | None:
        """The monthly message limit, or None when the plan has none."""
        _, payload, _ = self._request("GET", f"{self._api}/v2/bot/message/quota")
        return int(payload["value"]) if payload.get("type") == "limited" else None

    def messages_sent_this_month(self) -> int:
        _, payload, _ = self._request("GET", f"{self._api}/v2/bot/message/quota/consumption")
        return int(payload["totalUsage"])

    def _send(self, path: str, body: dict[str, Any], retry_key: str | None) -> SendReceipt:
        headers = {"X-Line-Retry-Key": retry_key} if retry_key else {}
        status, _, response_headers = self._request("POST", f"{self._api}{path}", body, headers)
        return SendReceipt(
            request_id=response_headers.get("x-line-request-id"),
            accepted_request_id=response_headers.get("x-line-accepted-request-id") if status == 409 else None,
        )

    def _request(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """JSON `body`, or bytes sent as they are (with their Content-Type in `headers`); the answer's
        JSON."""
        status, raw, response_headers = self._request_raw(method, url, body, headers)
        return status, _json_or_empty(raw), response_headers

    def _request_raw(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        """The request; the answer's status, bytes and headers (LINE's errors raised as domain errors)."""
        status, raw, response_headers = self._exchange(method, url, body, headers)
        if status < 400:
            return status, raw, response_headers
        if status == 409 and "x-line-accepted-request-id" in response_headers:
            # A retry of a request LINE already accepted: the send happened once, which is success.
            return status, raw, response_headers
        raise _line_error(status, _json_or_empty(raw), response_headers)

    def _exchange(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        """One request on a kept-alive connection: the status, the raw body and the headers."""
        request_headers = {"Authorization": f"Bearer {self._access_token}"}
        data: bytes | None = None
        if isinstance(body, bytes):
            data = body
        elif body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
            request_headers["Content-Type"] = "application/json"
        request_headers.update(headers or {})
        parts = urlsplit(url)
        scheme, host, port = parts.scheme, parts.hostname or "", parts.port
        target = parts.path + (f"?{parts.query}" if parts.query else "")
        while True:
            connection, reused = _connections.take(scheme, host, port, self._timeout)
            try:
                connection.request(method, target, body=data, headers=request_headers)
                response = connection.getresponse()
                raw = response.read()
            except _CLOSED_BY_SERVER as error:
                connection.close()
                if reused:
                    continue  # closed while idle, before the request reached it: a new connection
                raise LineUnavailable(0, f"no answer from LINE: {error}") from None
            except (OSError, http.client.HTTPException) as error:
                connection.close()
                raise LineUnavailable(0, f"no answer from LINE: {error}") from None
            break
        if response.will_close:
            connection.close()
        else:
            _connections.give_back(scheme, host, port, connection)
        return response.status, raw, _lowercase(response.headers)


def _line_error(status: int, payload: dict[str, Any], headers: dict[str, str]) -> LineRequestFailed:
    message = str(payload.get("message", ""))
    request_id = headers.get("x-line-request-id")
    details = payload.get("details")
    if status == 429 and message == MONTHLY_LIMIT_MESSAGE:
        return LineMonthlyLimitReached(status, message, request_id)
    if status == 429:
        return LineRateLimited(status, message, request_id)
    if status >= 500:
        return LineUnavailable(status, message, request_id)
    return LineBadRequest(status, message, request_id, details)


def _json_or_empty(raw: bytes) -> dict[str, Any]:
    try:
        parsed = json.loads(raw) if raw else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _lowercase(headers: Any) -> dict[str, str]:
    return {name.lower(): value for name, value in headers.items()} if headers else {}


def _units(aggregation_unit: str | None) -> dict[str, Any]:
    return {"customAggregationUnits": [aggregation_unit]} if aggregation_unit else {}
