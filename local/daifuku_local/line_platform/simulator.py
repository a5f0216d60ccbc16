"""The LINE Platform simulator: api.line.me and api-data.line.me on 127.0.0.1, behaving like LINE.

Every request body is checked against LINE's OpenAPI spec; sends honour X-Line-Retry-Key, the rate
limits and the monthly quota; faults can be injected (seeded); simulated users follow, block, chat
and tap rich menus, which sends signed webhooks to the configured URL. `/_sim/...` is the control
surface for tests and the console page.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import hmac
import json
import logging
import random
import socket
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field
from werkzeug.routing import Map, Rule
from werkzeug.serving import BaseWSGIServer, make_server
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.id_tokens import IdTokenIssuer, IdTokenRejected
from daifuku_local.line_platform.images import rich_menu_image_problem
from daifuku_local.line_platform.openapi_validation import Violation, load_spec
from daifuku_local.line_platform.webhook_events import (
    follow_event,
    postback_event,
    sample_of_every_event_type,
    text_message_event,
    unfollow_event,
)

log = logging.getLogger("daifuku_local.line_simulator")
CONSOLE_DIR = Path(__file__).resolve().parent / "console"
RETRY_KEY_ENDPOINTS = {"push", "multicast", "narrowcast", "broadcast"}
MONTHLY_LIMIT = "You have reached your monthly limit."
AUTHENTICATION_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)


class FaultConfig(BaseModel):
    """Injected failures, as fractions of the requests to `endpoints` (names such as push, multicast)."""

    model_config = ConfigDict(extra="forbid")

    rate_429: float = Field(default=0, ge=0, le=1)
    rate_500: float = Field(default=0, ge=0, le=1)
    rate_timeout: float = Field(default=0, ge=0, le=1)
    rate_drop: float = Field(default=0, ge=0, le=1)
    # A timed-out or dropped request may still have been accepted by LINE: this fraction of them is.
    accepted_before_failure: float = Field(default=0.5, ge=0, le=1)
    slow_seconds: float = Field(default=6, ge=0)
    endpoints: list[str] = Field(default_factory=lambda: ["push", "multicast", "reply"])
    seed: int | None = None


class SimulatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel_secret: str
    channel_access_token: str
    login_channel_id: str
    # The LINE Login channel's secret: it issues the channel access tokens the LIFF server API takes.
    login_channel_secret: str = "local-login-channel-secret"
    bot_user_id: str = "U" + "d" * 32
    webhook_url: str | None = None
    seed: int = 7
    # Requests per second per endpoint; LINE's published limits by default.
    rate_limits: dict[str, float] = Field(
        default_factory=lambda: {
            "push": 2000,
            "multicast": 200,
            "reply": 2000,
            "profile": 2000,
            "richmenu": 100,
        }
    )
    monthly_quota: int | None = 5000
    faults: FaultConfig = Field(default_factory=FaultConfig)


class SimulatedUser(BaseModel):
    user_id: str
    display_name: str
    picture_url: str | None = None
    status_message: str | None = None
    language: str = "ja"
    following: bool = False
    ever_followed: bool = False


@dataclass
class TranscriptEntry:
    at: float
    direction: str  # "to_user" (a message reached them) or "from_user" (they sent or tapped)
    via: str  # reply, push, multicast, text, postback, follow, block
    message: dict[str, Any]
    request_id: str | None = None


@dataclass
class RichMenu:
    rich_menu_id: str
    definition: dict[str, Any]
    image: bytes | None = None
    image_type: str | None = None


@dataclass
class TokenBucket:
    rate: float
    tokens: float
    updated: float = field(default_factory=time.monotonic)

    def take(self) -> bool:
        now = time.monotonic()
        self.tokens = min(self.rate, self.tokens + (now - self.updated) * self.rate)
        self.updated = now
        if self.tokens >= 1:
            self.tokens -= 1
            return True
        return False


class ApiError(Exception):
    def __init__(self, status: int, message: str, details: list[dict[str, str]] | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, **extra}
        if details:
            self.body["details"] = details


def _bad_request(message: str, property_name: str) -> ApiError:
    """LINE's 400 for one invalid property."""
    return ApiError(400, "The request body has 1 error(s)", [{"message": message, "property": property_name}])


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(
        json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


MESSAGING_RULES = Map(
    [
        Rule("/v2/bot/message/reply", methods=["POST"], endpoint="reply"),
        Rule("/v2/bot/message/push", methods=["POST"], endpoint="push"),
        Rule("/v2/bot/message/multicast", methods=["POST"], endpoint="multicast"),
        Rule("/v2/bot/message/quota", methods=["GET"], endpoint="quota"),
        Rule("/v2/bot/message/quota/consumption", methods=["GET"], endpoint="consumption"),
        Rule("/v2/bot/profile/<user_id>", methods=["GET"], endpoint="profile"),
        Rule("/v2/bot/info", methods=["GET"], endpoint="bot_info"),
        Rule("/v2/bot/richmenu", methods=["POST"], endpoint="create_rich_menu"),
        Rule("/v2/bot/richmenu/validate", methods=["POST"], endpoint="validate_rich_menu"),
        Rule("/v2/bot/richmenu/list", methods=["GET"], endpoint="list_rich_menus"),
        Rule("/v2/bot/richmenu/bulk/link", methods=["POST"], endpoint="bulk_link"),
        Rule("/v2/bot/richmenu/bulk/unlink", methods=["POST"], endpoint="bulk_unlink"),
        Rule("/v2/bot/richmenu/alias", methods=["POST"], endpoint="create_alias"),
        Rule("/v2/bot/richmenu/alias/list", methods=["GET"], endpoint="list_aliases"),
        Rule("/v2/bot/richmenu/alias/<alias_id>", methods=["GET", "POST", "DELETE"], endpoint="alias"),
        Rule("/v2/bot/richmenu/<rich_menu_id>/content", methods=["POST", "GET"], endpoint="rich_menu_image"),
        Rule("/v2/bot/richmenu/<rich_menu_id>", methods=["GET", "DELETE"], endpoint="rich_menu"),
        Rule("/v2/bot/user/all/richmenu/<rich_menu_id>", methods=["POST"], endpoint="set_default_menu"),
        Rule("/v2/bot/user/all/richmenu", methods=["GET", "DELETE"], endpoint="default_menu"),
        Rule("/v2/bot/user/<user_id>/richmenu/<rich_menu_id>", methods=["POST"], endpoint="link_menu"),
        Rule("/v2/bot/user/<user_id>/richmenu", methods=["GET", "DELETE"], endpoint="user_menu"),
        Rule("/v2/bot/channel/webhook/endpoint", methods=["GET", "PUT"], endpoint="webhook_endpoint"),
        Rule("/v2/bot/channel/webhook/test", methods=["POST"], endpoint="webhook_test"),
        Rule("/v2/oauth/accessToken", methods=["POST"], endpoint="issue_channel_token"),
        Rule("/v2/oauth/revoke", methods=["POST"], endpoint="revoke_channel_token"),
        Rule("/liff/v1/apps", methods=["GET", "POST"], endpoint="liff_apps"),
        Rule("/liff/v1/apps/<liff_id>", methods=["PUT", "DELETE"], endpoint="liff_app"),
        Rule("/oauth2/v2.1/verify", methods=["POST", "GET"], endpoint="verify_id_token"),
        Rule("/oauth2/v2.1/certs", methods=["GET"], endpoint="jwks"),
    ]
)

CONTROL_RULES = Map(
    [
        Rule("/_sim/users", methods=["GET", "POST"], endpoint="users"),
        Rule("/_sim/users/<user_id>", methods=["GET"], endpoint="user"),
        Rule("/_sim/users/<user_id>/follow", methods=["POST"], endpoint="follow"),
        Rule("/_sim/users/<user_id>/block", methods=["POST"], endpoint="block"),
        Rule("/_sim/users/<user_id>/messages", methods=["POST"], endpoint="send_text"),
        Rule("/_sim/users/<user_id>/postbacks", methods=["POST"], endpoint="send_postback"),
        Rule("/_sim/users/<user_id>/rich-menu", methods=["GET"], endpoint="current_menu"),
        Rule("/_sim/users/<user_id>/rich-menu/tap", methods=["POST"], endpoint="tap_menu"),
        Rule("/_sim/users/<user_id>/transcript", methods=["GET"], endpoint="transcript"),
        Rule("/_sim/users/<user_id>/id-token", methods=["POST"], endpoint="id_token"),
        Rule("/_sim/users/<user_id>/liff-session", methods=["POST"], endpoint="liff_session"),
        Rule("/_sim/rich-menus/<rich_menu_id>/image", methods=["GET"], endpoint="menu_image"),
        Rule("/_sim/webhooks", methods=["GET"], endpoint="webhooks"),
        Rule("/_sim/webhooks/send", methods=["POST"], endpoint="send_events"),
        Rule("/_sim/webhooks/redeliver", methods=["POST"], endpoint="redeliver"),
        Rule("/_sim/webhooks/samples", methods=["GET"], endpoint="samples"),
        Rule("/_sim/violations", methods=["GET", "DELETE"], endpoint="violations"),
        Rule("/_sim/faults", methods=["GET", "PUT"], endpoint="faults"),
        Rule("/_sim/quota", methods=["GET", "PUT"], endpoint="set_quota"),
        Rule("/_sim/rate-limits", methods=["GET", "PUT"], endpoint="rate_limits"),
        Rule("/_sim/stats", methods=["GET"], endpoint="stats"),
        Rule("/_sim/reset", methods=["POST"], endpoint="reset"),
        Rule("/_sim/console-config", methods=["GET"], endpoint="console_config"),
    ]
)


class LineSimulator:
    """One simulated LINE channel: its users, messages, rich menus and limits."""

    def __init__(self, config: SimulatorConfig):
        self.config = config
        self._spec = load_spec("messaging-api.yml")
        self._liff_spec = load_spec("liff.yml")
        self._webhook_spec = load_spec("webhook.yml")
        self._lock = threading.RLock()
        self._server: BaseWSGIServer | None = None
        self._thread: threading.Thread | None = None
        self.id_tokens = IdTokenIssuer(config.login_channel_id)
        # Set by the local stack: where the console opens `https://liff.line.me/<liffId>` links.
        self.console_links: dict[str, Any] = {"liffSite": None, "liffPages": {}}
        self._reset_state()

    def _reset_state(self) -> None:
        self.users: dict[str, SimulatedUser] = {}
        self.transcripts: dict[str, list[TranscriptEntry]] = {}
        self.rich_menus: dict[str, RichMenu] = {}
        self.aliases: dict[str, str] = {}
        self.liff_apps: dict[str, dict[str, Any]] = {}
        # Short-lived channel access tokens of the LINE Login channel (for the LIFF server API).
        self.login_channel_tokens: set[str] = set()
        self.default_rich_menu: str | None = None
        self.user_rich_menus: dict[str, str] = {}
        self.violations: list[dict[str, Any]] = []
        self.accepted_retry_keys: dict[str, tuple[str, list[dict[str, str]], float]] = {}
        self.reply_tokens: dict[str, float] = {}
        self.reply_token_users: dict[str, str] = {}
        self.sent_webhooks: list[dict[str, Any]] = []
        self.consumption = 0
        self.stats: dict[str, dict[str, int]] = {}
        self._buckets = {name: TokenBucket(rate, rate) for name, rate in self.config.rate_limits.items()}
        self._fault_random = random.Random(self.config.faults.seed or self.config.seed)
        self._user_random = random.Random(self.config.seed)

    # Lifecycle

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        self._server = make_server(host, port, self, threaded=True)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self.base_url

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def stop(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    def set_webhook_url(self, url: str | None) -> None:
        self.config.webhook_url = url

    # WSGI

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        request_id = str(uuid.uuid4())
        if request.path.startswith("/_sim/"):
            response = self._control(request)
        elif request.path in ("/", "/console") or request.path.startswith("/console/"):
            response = self._console(request, environ)
        else:
            response = self._platform(request, request_id, environ)
            if response is None:  # a dropped connection: the socket is already shut, nothing arrives
                start_response("500 Internal Server Error", [])
                return []
            response.headers["x-line-request-id"] = request_id
        response.headers["access-control-allow-origin"] = "*"
        response.headers["access-control-allow-headers"] = "content-type,authorization"
        response.headers["access-control-allow-methods"] = "GET,POST,PUT,DELETE,OPTIONS"
        return response(environ, start_response)

    def _console(self, request: Request, environ: dict[str, Any]) -> Response:
        name = request.path.removeprefix("/console").strip("/") or "index.html"
        return send_from_directory(CONSOLE_DIR, name, environ)

    # The platform

    def _platform(self, request: Request, request_id: str, environ: dict[str, Any]) -> Response | None:
        adapter = MESSAGING_RULES.bind_to_environ(environ)
        try:
            endpoint, arguments = adapter.match()
        except Exception:
            return _json({"message": "Not found"}, 404)
        stat_key = endpoint
        try:
            if request.method == "OPTIONS":
                return Response(status=204)
            if endpoint.startswith("liff_app"):
                self._authenticate_login_channel(request)
            elif endpoint not in ("verify_id_token", "jwks", "issue_channel_token", "revoke_channel_token"):
                self._authenticate(request)
            body = self._validated_body(request)
            fault = self._roll_fault(endpoint)
            if fault == "500":
                raise ApiError(500, "An error occurred in the server")
            if fault == "429":
                raise ApiError(429, "Too Many Requests")
            response = getattr(self, f"_api_{endpoint}")(request, body, request_id, **arguments)
            if fault in ("timeout", "drop"):
                return self._fail_after(fault, environ, response)
        except _Conflict as conflict:
            response = _json(conflict.body, 409, {"x-line-accepted-request-id": conflict.accepted_request_id})
        except ApiError as error:
            response = _json(error.body, error.status)
        self._count(stat_key, response.status_code)
        return response

    def _fail_after(self, fault: str, environ: dict[str, Any], response: Response) -> Response | None:
        """A request LINE accepted whose answer never arrives (slow beyond the client's timeout, or cut)."""
        if fault == "timeout":
            time.sleep(self.config.faults.slow_seconds)
            return response
        connection = environ.get("werkzeug.socket")
        if connection is not None:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
        return None

    def _roll_fault(self, endpoint: str) -> str | None:
        faults = self.config.faults
        if endpoint not in faults.endpoints:
            return None
        with self._lock:
            roll = self._fault_random.random()
            accepted = self._fault_random.random() < faults.accepted_before_failure
        for name, rate in (("429", faults.rate_429), ("500", faults.rate_500)):
            if roll < rate:
                return name
            roll -= rate
        for name, rate in (("timeout", faults.rate_timeout), ("drop", faults.rate_drop)):
            if roll < rate:
                if accepted:
                    return name
                # Not accepted: the client waits, then gives up, and nothing was sent.
                if name == "timeout":
                    time.sleep(faults.slow_seconds)
                raise ApiError(503, "Service Unavailable")
            roll -= rate
        return None

    def _authenticate(self, request: Request) -> None:
        expected = f"Bearer {self.config.channel_access_token}"
        if not hmac.compare_digest(request.headers.get("authorization", ""), expected):
            raise ApiError(401, AUTHENTICATION_FAILED)

    def _authenticate_login_channel(self, request: Request) -> None:
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.login_channel_tokens:
            raise ApiError(401, AUTHENTICATION_FAILED)

    def _validated_body(self, request: Request) -> Any:
        if request.mimetype != "application/json":
            return None
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            raise _bad_request("May not be empty or malformed", "") from None
        spec = self._liff_spec if request.path.startswith("/liff/") else self._spec
        violations = spec.validate_body(request.method, request.path, body)
        if violations:
            self._record_violations(request, violations)
            details = [{"message": v.message, "property": v.property} for v in violations]
            raise ApiError(400, f"The request body has {len(details)} error(s)", details)
        return body

    def _record_violations(self, request: Request, violations: list[Violation]) -> None:
        with self._lock:
            self.violations.append(
                {
                    "method": request.method,
                    "path": request.path,
                    "violations": [{"message": v.message, "property": v.property} for v in violations],
                }
            )

    def _count(self, endpoint: str, status: int) -> None:
        with self._lock:
            counts = self.stats.setdefault(endpoint, {})
            counts[str(status)] = counts.get(str(status), 0) + 1

    def _rate_limit(self, bucket: str) -> None:
        with self._lock:
            limiter = self._buckets.get(bucket)
            if limiter is not None and not limiter.take():
                raise ApiError(429, "Too Many Requests")

    # Messaging

    def _api_reply(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._check_messages(body["messages"])
        self._rate_limit("reply")
        with self._lock:
            issued = self.reply_tokens.pop(body["replyToken"], None)
            if issued is None or time.time() - issued > 60:
                raise ApiError(400, "Invalid reply token")
            user_id = self.reply_token_users.pop(body["replyToken"])
            sent = self._deliver(user_id, body["messages"], "reply", request_id)
        return _json({"sentMessages": sent})

    def _api_push(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        return self._send("push", request, [body["to"]], body, request_id)

    def _api_multicast(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        if len(body["to"]) > 500:
            raise _bad_request("Size must be between 1 and 500", "to")
        return self._send("multicast", request, body["to"], body, request_id)

    def _send(
        self, endpoint: str, request: Request, to: list[str], body: dict[str, Any], request_id: str
    ) -> Response:
        self._check_messages(body["messages"])
        retry_key = request.headers.get("x-line-retry-key")
        if retry_key is not None:
            try:
                uuid.UUID(retry_key)
            except ValueError:
                raise ApiError(400, "The value of the X-Line-Retry-Key header is invalid") from None
        with self._lock:
            if retry_key is not None and retry_key in self.accepted_retry_keys:
                accepted_id, sent, _ = self.accepted_retry_keys[retry_key]
                raise _Conflict(accepted_id, sent)
        self._rate_limit(endpoint)
        for user_id in to:
            if not (user_id.startswith("U") and len(user_id) == 33):
                raise ApiError(400, "The property, 'to', in the request body is invalid (line: -, column: -)")
        with self._lock:
            recipients = [u for u in to if u in self.users and self.users[u].following]
            if (
                self.config.monthly_quota is not None
                and self.consumption + len(recipients) > self.config.monthly_quota
            ):
                raise ApiError(429, MONTHLY_LIMIT)
            self.consumption += len(recipients)
            sent: list[dict[str, str]] = []
            for user_id in recipients:
                sent = self._deliver(user_id, body["messages"], endpoint, request_id)
            if not sent:
                sent = [self._sent_message_id() for _ in body["messages"]]
            if retry_key is not None:
                self.accepted_retry_keys[retry_key] = (request_id, sent, time.time())
        return _json({"sentMessages": sent} if endpoint == "push" else {})

    def _check_messages(self, messages: list[dict[str, Any]]) -> None:
        """LINE's rules the schema does not state: 1-5 messages, text up to 5,000 characters."""
        if not 1 <= len(messages) <= 5:
            raise _bad_request("Size must be between 1 and 5", "messages")
        for index, message in enumerate(messages):
            if message.get("type") == "text" and len(message.get("text", "")) > 5000:
                raise _bad_request("Length must be between 0 and 5000", f"messages[{index}].text")

    def _deliver(
        self, user_id: str, messages: list[dict[str, Any]], via: str, request_id: str
    ) -> list[dict[str, str]]:
        entries = self.transcripts.setdefault(user_id, [])
        sent = []
        for message in messages:
            entries.append(TranscriptEntry(time.time(), "to_user", via, message, request_id))
            sent.append(self._sent_message_id())
        return sent

    def _sent_message_id(self) -> dict[str, str]:
        return {"id": str(self._user_random.randrange(10**17, 10**18)), "quoteToken": uuid.uuid4().hex}

    def _api_quota(self, request: Request, body: Any, request_id: str) -> Response:
        quota = self.config.monthly_quota
        return _json({"type": "limited", "value": quota} if quota is not None else {"type": "none"})

    def _api_consumption(self, request: Request, body: Any, request_id: str) -> Response:
        return _json({"totalUsage": self.consumption})

    def _api_profile(self, request: Request, body: Any, request_id: str, user_id: str) -> Response:
        self._rate_limit("profile")
        user = self.users.get(user_id)
        if user is None or not user.following:
            raise ApiError(404, "Not found")
        profile = {"userId": user.user_id, "displayName": user.display_name, "language": user.language}
        if user.picture_url:
            profile["pictureUrl"] = user.picture_url
        if user.status_message:
            profile["statusMessage"] = user.status_message
        return _json(profile)

    def _api_bot_info(self, request: Request, body: Any, request_id: str) -> Response:
        return _json(
            {
                "userId": self.config.bot_user_id,
                "basicId": "@daifuku",
                "displayName": "大福堂",
                "chatMode": "bot",
                "markAsReadMode": "auto",
            }
        )

    # Rich menus

    def _menu(self, rich_menu_id: str) -> RichMenu:
        menu = self.rich_menus.get(rich_menu_id)
        if menu is None:
            raise ApiError(404, "Not found")
        return menu

    def _api_create_rich_menu(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._rate_limit("richmenu")
        self._check_rich_menu(body)
        rich_menu_id = f"richmenu-{uuid.uuid4().hex}"
        with self._lock:
            self.rich_menus[rich_menu_id] = RichMenu(rich_menu_id, body)
        return _json({"richMenuId": rich_menu_id})

    def _api_validate_rich_menu(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._check_rich_menu(body)
        return _json({})

    def _check_rich_menu(self, body: dict[str, Any]) -> None:
        size = body["size"]
        if not (
            800 <= size["width"] <= 2500 and size["height"] >= 250 and size["width"] / size["height"] >= 1.45
        ):
            raise _bad_request("Invalid size", "size")
        if not 1 <= len(body.get("areas", [])) <= 20:
            raise _bad_request("Size must be between 1 and 20", "areas")
        for index, area in enumerate(body["areas"]):
            bounds = area["bounds"]
            if (
                bounds["x"] + bounds["width"] > size["width"]
                or bounds["y"] + bounds["height"] > size["height"]
            ):
                raise _bad_request("Out of the rich menu", f"areas[{index}].bounds")
        if len(body.get("chatBarText", "")) > 14:
            raise _bad_request("Length must be between 0 and 14", "chatBarText")

    def _api_list_rich_menus(self, request: Request, body: Any, request_id: str) -> Response:
        return _json(
            {"richmenus": [{"richMenuId": m.rich_menu_id, **m.definition} for m in self.rich_menus.values()]}
        )

    def _api_rich_menu(self, request: Request, body: Any, request_id: str, rich_menu_id: str) -> Response:
        menu = self._menu(rich_menu_id)
        if request.method == "DELETE":
            with self._lock:
                del self.rich_menus[rich_menu_id]
                if self.default_rich_menu == rich_menu_id:
                    self.default_rich_menu = None
                self.user_rich_menus = {u: m for u, m in self.user_rich_menus.items() if m != rich_menu_id}
            return _json({})
        return _json({"richMenuId": menu.rich_menu_id, **menu.definition})

    def _api_rich_menu_image(
        self, request: Request, body: Any, request_id: str, rich_menu_id: str
    ) -> Response:
        menu = self._menu(rich_menu_id)
        if request.method == "GET":
            if menu.image is None:
                raise ApiError(404, "Not found")
            return Response(menu.image, content_type=menu.image_type)
        if menu.image is not None:
            raise ApiError(400, "An image has already been uploaded to the richmenu")
        data = request.get_data()
        problem = rich_menu_image_problem(data, request.mimetype)
        if problem:
            raise ApiError(400, problem)
        menu.image, menu.image_type = data, request.mimetype
        return _json({})

    def _linkable(self, rich_menu_id: str) -> RichMenu:
        menu = self._menu(rich_menu_id)
        if menu.image is None:
            raise ApiError(400, "must upload richmenu image before applying it to user")
        return menu

    def _api_set_default_menu(
        self, request: Request, body: Any, request_id: str, rich_menu_id: str
    ) -> Response:
        self._linkable(rich_menu_id)
        self.default_rich_menu = rich_menu_id
        return _json({})

    def _api_default_menu(self, request: Request, body: Any, request_id: str) -> Response:
        if request.method == "DELETE":
            self.default_rich_menu = None
            return _json({})
        if self.default_rich_menu is None:
            raise ApiError(404, "no default richmenu")
        return _json({"richMenuId": self.default_rich_menu})

    def _api_link_menu(
        self, request: Request, body: Any, request_id: str, user_id: str, rich_menu_id: str
    ) -> Response:
        self._rate_limit("richmenu")
        self._linkable(rich_menu_id)
        if user_id not in self.users:
            raise ApiError(400, "The user hasn't added the LINE Official Account as a friend.")
        self.user_rich_menus[user_id] = rich_menu_id
        return _json({})

    def _api_user_menu(self, request: Request, body: Any, request_id: str, user_id: str) -> Response:
        if request.method == "DELETE":
            self.user_rich_menus.pop(user_id, None)
            return _json({})
        if user_id not in self.user_rich_menus:
            raise ApiError(404, "the user has no richmenu")
        return _json({"richMenuId": self.user_rich_menus[user_id]})

    def _api_bulk_link(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._linkable(body["richMenuId"])
        for user_id in body["userIds"]:
            self.user_rich_menus[user_id] = body["richMenuId"]
        return _json({}, 202)

    def _api_bulk_unlink(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        for user_id in body["userIds"]:
            self.user_rich_menus.pop(user_id, None)
        return _json({}, 202)

    def _api_create_alias(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._linkable(body["richMenuId"])
        if body["richMenuAliasId"] in self.aliases:
            raise ApiError(400, "conflict richmenu alias id")
        self.aliases[body["richMenuAliasId"]] = body["richMenuId"]
        return _json({})

    def _api_list_aliases(self, request: Request, body: Any, request_id: str) -> Response:
        return _json({"aliases": [{"richMenuAliasId": a, "richMenuId": m} for a, m in self.aliases.items()]})

    def _api_alias(self, request: Request, body: Any, request_id: str, alias_id: str) -> Response:
        if alias_id not in self.aliases:
            raise ApiError(404, "richmenu alias not found")
        if request.method == "DELETE":
            del self.aliases[alias_id]
        elif request.method == "POST":
            self._linkable(body["richMenuId"])
            self.aliases[alias_id] = body["richMenuId"]
        return _json(
            {"richMenuAliasId": alias_id, "richMenuId": self.aliases.get(alias_id)}
            if request.method == "GET"
            else {}
        )

    def current_rich_menu(self, user_id: str) -> RichMenu | None:
        menu_id = self.user_rich_menus.get(user_id) or self.default_rich_menu
        return self.rich_menus.get(menu_id) if menu_id else None

    # Webhook endpoint settings

    def _api_webhook_endpoint(self, request: Request, body: Any, request_id: str) -> Response:
        if request.method == "PUT":
            if not _acceptable_https_url(body["endpoint"]):
                raise _bad_request("Invalid webhook endpoint URL", "endpoint")
            self.config.webhook_url = body["endpoint"]
            return _json({})
        if not self.config.webhook_url:
            raise ApiError(404, "Not found")
        return _json({"endpoint": self.config.webhook_url, "active": True})

    def _api_webhook_test(self, request: Request, body: Any, request_id: str) -> Response:
        endpoint = (body or {}).get("endpoint") or self.config.webhook_url
        if not endpoint:
            raise ApiError(400, "Webhook endpoint URL is not set")
        if not _acceptable_https_url(endpoint):
            raise _bad_request("Invalid webhook endpoint URL", "endpoint")
        status, reason = self.post_webhook([], endpoint)
        # LINE's reasons: OK, or why the test failed (it sends a request with no events).
        if status == 200:
            reason, detail = "OK", "200"
        elif status:
            reason, detail = "ERROR_STATUS_CODE", str(status)
        else:
            reason, detail = "COULD_NOT_CONNECT", reason
        return _json(
            {
                "success": status == 200,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "statusCode": status,
                "reason": reason,
                "detail": detail,
            }
        )

    # Channel access tokens and the LIFF server API (liff.yml)

    def _api_issue_channel_token(self, request: Request, body: Any, request_id: str) -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials" or not form.get("client_id"):
            return _json({"error": "invalid_request", "error_description": "grant_type and client_id"}, 400)
        known = {
            self.config.login_channel_id: self.config.login_channel_secret,
        }
        if not hmac.compare_digest(known.get(form["client_id"], ""), form.get("client_secret", "")) or not (
            form.get("client_secret")
        ):
            return _json({"error": "invalid_client", "error_description": "invalid client_secret"}, 400)
        token = uuid.uuid4().hex
        with self._lock:
            self.login_channel_tokens.add(token)
        return _json({"access_token": token, "expires_in": 2592000, "token_type": "Bearer"})

    def _api_revoke_channel_token(self, request: Request, body: Any, request_id: str) -> Response:
        if not request.form.get("access_token"):
            return _json({"error": "invalid_request", "error_description": "access_token is required"}, 400)
        with self._lock:
            self.login_channel_tokens.discard(request.form["access_token"])
        return _json({})

    def _check_liff_app(self, body: dict[str, Any]) -> None:
        """LINE's rules for LIFF apps that liff.yml states only in words."""
        url = body.get("view", {}).get("url")
        if url is not None and (not _acceptable_https_url(url) or "#" in url):
            raise _bad_request("The URL scheme must be https and may not have a fragment", "view.url")
        if "line" in body.get("description", "").lower():
            raise _bad_request('The LIFF app name can\'t include "LINE"', "description")

    def _api_liff_apps(self, request: Request, body: Any, request_id: str) -> Response:
        if request.method == "GET":
            if not self.liff_apps:
                raise ApiError(404, "no LIFF app")
            return _json({"apps": list(self.liff_apps.values())})
        self._check_liff_app(body)
        with self._lock:
            if len(self.liff_apps) >= MAX_LIFF_APPS:
                raise ApiError(400, "The maximum number of LIFF apps has been reached")
            liff_id = f"{self.config.login_channel_id}-{uuid.uuid4().hex[:8]}"
            self.liff_apps[liff_id] = {
                "liffId": liff_id,
                "permanentLinkPattern": "concat",
                "scope": ["profile", "chat_message.write"],
                "botPrompt": "none",
                **body,
            }
        return _json({"liffId": liff_id})

    def _api_liff_app(self, request: Request, body: Any, request_id: str, liff_id: str) -> Response:
        with self._lock:
            app = self.liff_apps.get(liff_id)
            if app is None:
                raise ApiError(404, "The LIFF app does not exist")
            if request.method == "DELETE":
                del self.liff_apps[liff_id]
                return _json({})
            self._check_liff_app(body)
            view = {**app["view"], **body.get("view", {})}
            self.liff_apps[liff_id] = {**app, **body, "view": view}
        return _json({})

    # LINE Login

    def _api_verify_id_token(self, request: Request, body: Any, request_id: str) -> Response:
        token = request.values.get("id_token")
        if not token:
            return _json({"error": "invalid_request", "error_description": "id_token is required"}, 400)
        try:
            claims = self.id_tokens.verify(token, request.values.get("client_id"))
        except IdTokenRejected as rejected:
            return _json({"error": "invalid_request", "error_description": str(rejected)}, 400)
        return _json(claims)

    def _api_jwks(self, request: Request, body: Any, request_id: str) -> Response:
        return _json(self.id_tokens.jwks())

    # Users and webhooks

    def create_user(self, display_name: str | None = None, **profile: Any) -> SimulatedUser:
        with self._lock:
            user_id = "U" + "".join(self._user_random.choices("0123456789abcdef", k=32))
            name = display_name or f"ユーザー{len(self.users) + 1}"
            user = SimulatedUser(user_id=user_id, display_name=name, **profile)
            self.users[user_id] = user
            self.transcripts[user_id] = []
        return user

    def _issue_reply_token(self, user_id: str) -> str:
        token = uuid.uuid4().hex
        with self._lock:
            self.reply_tokens[token] = time.time()
            self.reply_token_users[token] = user_id
        return token

    def follow(self, user_id: str) -> int:
        return self.send_events([self.follow_without_webhook(user_id)])

    def follow_without_webhook(self, user_id: str) -> dict[str, Any]:
        """The user follows; the follow event is returned for the caller to deliver (or deliver again)."""
        user = self.users[user_id]
        unblocked = user.ever_followed
        user.following, user.ever_followed = True, True
        self._note(user_id, "follow", {"type": "follow"})
        event = follow_event(user_id, self._issue_reply_token(user_id), unblocked)
        with self._lock:
            self.sent_webhooks.append(event)
        return event

    def block(self, user_id: str) -> int:
        self.users[user_id].following = False
        self._note(user_id, "block", {"type": "block"})
        return self.send_events([unfollow_event(user_id)])

    def send_text(self, user_id: str, text: str) -> int:
        self._note(user_id, "text", {"type": "text", "text": text})
        return self.send_events([text_message_event(user_id, self._issue_reply_token(user_id), text)])

    def send_postback(self, user_id: str, data: str) -> int:
        self._note(user_id, "postback", {"type": "postback", "data": data})
        return self.send_events([postback_event(user_id, self._issue_reply_token(user_id), data)])

    def tap_rich_menu(self, user_id: str, x: int, y: int) -> dict[str, Any]:
        """What LINE does when the user taps (x, y) on their rich menu."""
        menu = self.current_rich_menu(user_id)
        if menu is None:
            raise ApiError(404, "the user has no rich menu")
        for area in menu.definition["areas"]:
            b = area["bounds"]
            if b["x"] <= x < b["x"] + b["width"] and b["y"] <= y < b["y"] + b["height"]:
                action = area["action"]
                if action["type"] == "postback":
                    return {"action": action, "webhookStatus": self.send_postback(user_id, action["data"])}
                if action["type"] == "message":
                    return {"action": action, "webhookStatus": self.send_text(user_id, action["text"])}
                if action["type"] == "richmenuswitch":
                    self.user_rich_menus[user_id] = self.aliases[action["richMenuAliasId"]]
                    return {"action": action, "webhookStatus": self.send_postback(user_id, action["data"])}
                return {"action": action}
        return {"action": None}

    def _note(self, user_id: str, via: str, message: dict[str, Any]) -> None:
        with self._lock:
            self.transcripts.setdefault(user_id, []).append(
                TranscriptEntry(time.time(), "from_user", via, message)
            )

    def send_events(self, events: list[dict[str, Any]], redelivery: bool = False) -> int:
        """Send a signed webhook with these events; returns the HTTP status Daifuku answered."""
        if redelivery:
            events = [e | {"deliveryContext": {"isRedelivery": True}} for e in events]
        else:
            with self._lock:
                known = {e["webhookEventId"] for e in self.sent_webhooks}
                self.sent_webhooks.extend(e for e in events if e["webhookEventId"] not in known)
        status, _ = self.post_webhook(events, self.config.webhook_url)
        return status

    def redeliver(self, webhook_event_id: str) -> int:
        event = next((e for e in self.sent_webhooks if e["webhookEventId"] == webhook_event_id), None)
        if event is None:
            raise ApiError(404, "no such webhook event")
        return self.send_events([event], redelivery=True)

    def webhook_body(self, events: list[dict[str, Any]]) -> bytes:
        return json.dumps(
            {"destination": self.config.bot_user_id, "events": events}, ensure_ascii=False
        ).encode()

    def sign(self, body: bytes) -> str:
        digest = hmac.new(self.config.channel_secret.encode(), body, hashlib.sha256).digest()
        return base64.b64encode(digest).decode()

    def post_webhook(self, events: list[dict[str, Any]], url: str | None) -> tuple[int, str]:
        if not url:
            return 0, "no webhook URL"
        body = self.webhook_body(events)
        request = urllib.request.Request(url, data=body, method="POST")
        request.add_header("Content-Type", "application/json; charset=utf-8")
        request.add_header("X-Line-Signature", self.sign(body))
        request.add_header("User-Agent", "LineBotWebhook/2.0")
        try:
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status, "OK"
        except urllib.error.HTTPError as error:
            return error.code, error.reason
        except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
            return 0, str(error)

    def liff_session(self, user_id: str, liff_id: str | None) -> dict[str, Any]:
        user = self.users[user_id]
        token = self.id_tokens.issue(user_id, user.display_name, user.picture_url)
        claims = self.id_tokens.verify(token, None)
        profile = {"userId": user_id, "displayName": user.display_name}
        if user.picture_url:
            profile["pictureUrl"] = user.picture_url
        if user.status_message:
            profile["statusMessage"] = user.status_message
        return {
            "profile": profile,
            "idToken": token,
            "decodedIdToken": claims,
            "context": {"type": "utou", "userId": user_id, "liffId": liff_id, "viewType": "full"},
            "friendFlag": user.following,
        }

    # Control surface

    def _control(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status=204)
        adapter = CONTROL_RULES.bind_to_environ(request.environ)
        try:
            endpoint, arguments = adapter.match()
            body = request.get_json(silent=True) or {}
            if "user_id" in arguments and arguments["user_id"] not in self.users:
                raise ApiError(404, f"no simulated user {arguments['user_id']}")
            return getattr(self, f"_control_{endpoint}")(request, body, **arguments)
        except ApiError as error:
            return _json(error.body, error.status)
        except Exception as error:  # werkzeug's NotFound/MethodNotAllowed, bad bodies
            status = getattr(error, "code", 400) or 400
            return _json({"message": str(error)}, status)

    def _control_users(self, request: Request, body: dict[str, Any]) -> Response:
        if request.method == "POST":
            profile = {k: body[k] for k in ("picture_url", "status_message", "language") if k in body}
            user = self.create_user(body.get("display_name"), **profile)
            if body.get("follow"):
                self.follow(user.user_id)
            return _json(self.users[user.user_id].model_dump(), 201)
        return _json([u.model_dump() for u in self.users.values()])

    def _control_user(self, request: Request, body: Any, user_id: str) -> Response:
        return _json(self.users[user_id].model_dump())

    def _control_follow(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        if body.get("send_webhook") is False:
            return _json({"event": self.follow_without_webhook(user_id)})
        return _json({"webhookStatus": self.follow(user_id)})

    def _control_block(self, request: Request, body: Any, user_id: str) -> Response:
        return _json({"webhookStatus": self.block(user_id)})

    def _control_send_text(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        return _json({"webhookStatus": self.send_text(user_id, str(body["text"]))})

    def _control_send_postback(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        return _json({"webhookStatus": self.send_postback(user_id, str(body["data"]))})

    def _control_current_menu(self, request: Request, body: Any, user_id: str) -> Response:
        menu = self.current_rich_menu(user_id)
        if menu is None:
            return _json({"richMenu": None})
        return _json({"richMenu": {"richMenuId": menu.rich_menu_id, **menu.definition}})

    def _control_tap_menu(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        return _json(self.tap_rich_menu(user_id, int(body["x"]), int(body["y"])))

    def _control_transcript(self, request: Request, body: Any, user_id: str) -> Response:
        entries = self.transcripts.get(user_id, [])
        return _json(
            [
                {
                    "at": e.at,
                    "direction": e.direction,
                    "via": e.via,
                    "message": e.message,
                    "requestId": e.request_id,
                }
                for e in entries
            ]
        )

    def _control_id_token(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        user = self.users[user_id]
        token = self.id_tokens.issue(
            user_id,
            user.display_name,
            user.picture_url,
            audience=body.get("audience"),
            expires_in=int(body.get("expires_in", 3600)),
        )
        return _json({"idToken": token})

    def _control_liff_session(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        return _json(self.liff_session(user_id, body.get("liffId")))

    def _control_menu_image(self, request: Request, body: Any, rich_menu_id: str) -> Response:
        menu = self._menu(rich_menu_id)
        if menu.image is None:
            raise ApiError(404, "no image")
        return Response(menu.image, content_type=menu.image_type)

    def _control_webhooks(self, request: Request, body: Any) -> Response:
        return _json(self.sent_webhooks)

    def _control_send_events(self, request: Request, body: dict[str, Any]) -> Response:
        return _json({"webhookStatus": self.send_events(list(body["events"]))})

    def _control_redeliver(self, request: Request, body: dict[str, Any]) -> Response:
        return _json({"webhookStatus": self.redeliver(str(body["webhookEventId"]))})

    def _control_samples(self, request: Request, body: Any) -> Response:
        user_id = request.args.get("user_id") or "U" + "0" * 32
        return _json(sample_of_every_event_type(user_id, self._issue_reply_token(user_id)))

    def _control_violations(self, request: Request, body: Any) -> Response:
        if request.method == "DELETE":
            self.violations.clear()
        return _json(self.violations)

    def _control_faults(self, request: Request, body: dict[str, Any]) -> Response:
        if request.method == "PUT":
            self.config.faults = FaultConfig.model_validate(body)
            self._fault_random = random.Random(self.config.faults.seed or self.config.seed)
        return _json(self.config.faults.model_dump())

    def _control_set_quota(self, request: Request, body: dict[str, Any]) -> Response:
        if request.method == "PUT":
            if "limit" in body:
                self.config.monthly_quota = body["limit"]
            if "consumed" in body:
                self.consumption = int(body["consumed"])
        return _json({"limit": self.config.monthly_quota, "consumed": self.consumption})

    def _control_rate_limits(self, request: Request, body: dict[str, Any]) -> Response:
        if request.method == "PUT":
            self.config.rate_limits.update({k: float(v) for k, v in body.items()})
            with self._lock:
                self._buckets = {
                    name: TokenBucket(rate, rate) for name, rate in self.config.rate_limits.items()
                }
        return _json(self.config.rate_limits)

    def _control_stats(self, request: Request, body: Any) -> Response:
        deliveries = sum(
            1 for entries in self.transcripts.values() for e in entries if e.direction == "to_user"
        )
        return _json({"requests": self.stats, "deliveries": deliveries, "consumed": self.consumption})

    def _control_console_config(self, request: Request, body: Any) -> Response:
        # What `https://liff.line.me/<liffId>` opens: the LIFF app's endpoint URL, as in the LINE app.
        liff_apps = {liff_id: app["view"]["url"] for liff_id, app in self.liff_apps.items()}
        return _json({**self.console_links, "liffApps": liff_apps})

    def _control_reset(self, request: Request, body: Any) -> Response:
        with self._lock:
            self._reset_state()
        return _json({})


MAX_LIFF_APPS = 30
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


def _acceptable_https_url(url: str) -> bool:
    """LINE takes https URLs only; the local world's http URLs on 127.0.0.1 are let through."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https":
        return bool(parsed.hostname)
    return parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS


class _Conflict(ApiError):
    """409 for a retry key LINE already accepted: the first request's id, and nothing sent again."""

    def __init__(self, accepted_request_id: str, sent: list[dict[str, str]]):
        super().__init__(409, "The retry key is already accepted", sentMessages=sent)
        self.accepted_request_id = accepted_request_id
