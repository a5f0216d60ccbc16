"""The LINE Platform simulator: api.line.me and api-data.line.me on 127.0.0.1, behaving like LINE.

Every request body is checked against LINE's OpenAPI spec; sends honour X-Line-Retry-Key, the rate
limits and the monthly quota; faults can be injected (seeded); simulated users follow, block, chat
and tap rich menus, which sends signed webhooks to the configured URL. `/_sim/...` is the control
surface for tests and the console page.

`LineSimulator` composes one part per LINE product: `messaging` (sends, quota, profiles, bot info),
`menus` (rich menus), `login` (LINE Login's tokens), `liff` (the LIFF server API), `simulated_users`
and `webhooks` (what users do, delivered as signed webhooks), and `SimulatorControl` (`/_sim`). It
runs what every platform request goes through: authentication, the OpenAPI check, injected faults
and the request counts.
"""

from __future__ import annotations

import json
import random
import threading
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar, Protocol

from werkzeug.routing import Map, Rule
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.chats import Chats
from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.control import SimulatorControl
from daifuku_local.line_platform.id_tokens import IdTokenIssuer
from daifuku_local.line_platform.insight import Insight
from daifuku_local.line_platform.liff_server import LiffServer
from daifuku_local.line_platform.line_responses import (
    ApiError,
    RetryKeyConflict,
    bad_request,
    json_response,
)
from daifuku_local.line_platform.login import LineLogin
from daifuku_local.line_platform.messaging import Messaging
from daifuku_local.line_platform.openapi_validation import Violation, load_spec
from daifuku_local.line_platform.rich_menus import RichMenu, RichMenus
from daifuku_local.line_platform.traffic import FaultInjector, RateLimits
from daifuku_local.line_platform.users import SimulatedUser, SimulatedUsers, TranscriptEntry
from daifuku_local.line_platform.webhooks import WebhookDelivery
from daifuku_local.wsgi_server import BackgroundWsgiServer

CONSOLE_DIR = Path(__file__).resolve().parent / "console"
PRODUCTS = (Messaging, RichMenus, WebhookDelivery, LineLogin, LiffServer, Chats, Insight)
# Every platform endpoint, named as in the request counts and the fault config (push, reply…).
PLATFORM_RULES = Map([rule.empty() for product in PRODUCTS for rule in product.RULES])


class Product(Protocol):
    """A LINE product's part of the platform: its endpoints are its methods of the same names."""

    RULES: ClassVar[tuple[Rule, ...]]

    def authenticate(self, request: Request) -> None: ...


class LineSimulator:
    """One simulated LINE channel: its users, messages, rich menus and limits."""

    def __init__(self, config: SimulatorConfig):
        self.config = config
        self._messaging_spec = load_spec("messaging-api.yml")
        self._liff_spec = load_spec("liff.yml")
        self._lock = threading.RLock()
        self._server: BackgroundWsgiServer | None = None
        self.id_tokens = IdTokenIssuer(config.login_channel_id)
        # Set by the local stack: where the console opens `https://liff.line.me/<liffId>` links.
        self.console_links: dict[str, Any] = {"liffSite": None, "liffPages": {}}
        self._control = SimulatorControl(self)
        self.reset()

    def reset(self) -> None:
        """Every user, message, menu, LIFF app and count forgotten; the config is kept."""
        with self._lock:
            lock, config = self._lock, self.config
            self.violations: list[dict[str, Any]] = []
            self.stats: dict[str, dict[str, int]] = {}
            self.rate_limits = RateLimits(config.rate_limits, lock)
            self.faults = FaultInjector(config, lock)
            ids = random.Random(config.seed)
            self.webhooks = WebhookDelivery(config, lock)
            self.simulated_users = SimulatedUsers(lock, ids, self.webhooks, self.id_tokens)
            self.insight = Insight(config, lock)
            self.messaging = Messaging(
                config, lock, ids, self.simulated_users, self.rate_limits, self.insight
            )
            self.menus = RichMenus(config, lock, self.simulated_users, self.rate_limits)
            self.login = LineLogin(config, lock, self.id_tokens)
            self.liff = LiffServer(config, lock, self.login)
            self.chats = Chats(config, lock, self.simulated_users)
            products: tuple[Product, ...] = (
                self.messaging,
                self.menus,
                self.webhooks,
                self.login,
                self.liff,
                self.chats,
                self.insight,
            )
            self._endpoints: dict[str, tuple[Product, Callable[..., Response]]] = {
                rule.endpoint: (product, getattr(product, rule.endpoint))
                for product in products
                for rule in product.RULES
            }

    # Lifecycle

    def start(self, port: int = 0, host: str = "127.0.0.1") -> str:
        """Serve on `port` (0: a free one), keeping connections alive as api.line.me does."""
        self._server = BackgroundWsgiServer(self, port, host).start()
        return self.base_url

    @property
    def base_url(self) -> str:
        assert self._server is not None, "start() first"
        return self._server.url

    def stop(self) -> None:
        """Stop serving and drop every open connection: LINE is unreachable until started again."""
        if self._server:
            self._server.stop()

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

    # What every platform request goes through

    def _platform(self, request: Request, request_id: str, environ: dict[str, Any]) -> Response | None:
        adapter = PLATFORM_RULES.bind_to_environ(environ)
        try:
            endpoint, arguments = adapter.match()
        except Exception:
            return json_response({"message": "Not found"}, 404)
        try:
            if request.method == "OPTIONS":
                return Response(status=204)
            product, handle = self._endpoints[endpoint]
            product.authenticate(request)
            body = self._validated_body(request)
            fault = self.faults.roll(endpoint)
            if fault == "500":
                raise ApiError(500, "An error occurred in the server")
            if fault == "429":
                raise ApiError(429, "Too Many Requests")
            response = handle(request, body, request_id, **arguments)
            if fault in ("timeout", "drop"):
                return self.faults.fail_after(fault, environ, response)
        except RetryKeyConflict as conflict:
            response = json_response(
                conflict.body, 409, {"x-line-accepted-request-id": conflict.accepted_request_id}
            )
        except ApiError as error:
            response = json_response(error.body, error.status)
        self._count(endpoint, response.status_code)
        return response

    def _validated_body(self, request: Request) -> Any:
        if request.mimetype != "application/json":
            return None
        try:
            body = json.loads(request.get_data() or b"null")
        except ValueError:
            raise bad_request("May not be empty or malformed", "") from None
        spec = self._liff_spec if request.path.startswith("/liff/") else self._messaging_spec
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

    # The channel's state, as tests, benchmarks and the console read it

    @property
    def users(self) -> dict[str, SimulatedUser]:
        return self.simulated_users.users

    @property
    def transcripts(self) -> dict[str, list[TranscriptEntry]]:
        return self.simulated_users.transcripts

    @property
    def rich_menus(self) -> dict[str, RichMenu]:
        return self.menus.rich_menus

    @property
    def liff_apps(self) -> dict[str, dict[str, Any]]:
        return self.liff.apps

    @property
    def sent_webhooks(self) -> list[dict[str, Any]]:
        return self.webhooks.sent_webhooks

    @property
    def consumption(self) -> int:
        return self.messaging.consumed

    # What simulated users do

    def create_user(self, display_name: str | None = None, **profile: Any) -> SimulatedUser:
        return self.simulated_users.create_user(display_name, **profile)

    def _issue_reply_token(self, user_id: str) -> str:
        return self.simulated_users.issue_reply_token(user_id)

    def follow(self, user_id: str) -> int:
        return self.simulated_users.follow(user_id)

    def follow_without_webhook(self, user_id: str) -> dict[str, Any]:
        """The user follows; the follow event is returned for the caller to deliver (or deliver again)."""
        return self.simulated_users.follow_without_webhook(user_id)

    def block(self, user_id: str) -> int:
        return self.simulated_users.block(user_id)

    def send_text(self, user_id: str, text: str) -> int:
        return self.simulated_users.send_text(user_id, text)

    def send_postback(self, user_id: str, data: str) -> int:
        return self.simulated_users.send_postback(user_id, data)

    def send_image(self, user_id: str, content: bytes, content_type: str) -> int:
        return self.simulated_users.send_image(user_id, content, content_type)

    def send_sticker(self, user_id: str, package_id: str, sticker_id: str) -> int:
        return self.simulated_users.send_sticker(user_id, package_id, sticker_id)

    def tap_rich_menu(self, user_id: str, x: int, y: int) -> dict[str, Any]:
        """What LINE does when the user taps (x, y) on their rich menu."""
        return self.simulated_users.perform(user_id, self.menus.tapped_action(user_id, x, y))

    def current_rich_menu(self, user_id: str) -> RichMenu | None:
        return self.menus.current_rich_menu(user_id)

    def liff_session(self, user_id: str, liff_id: str | None) -> dict[str, Any]:
        """The user opens a LIFF app; one who accepts bot prompts adds the shop as a friend first when
        the app prompts (`botPrompt` normal or aggressive; an app the simulator did not create, such
        as the local stack's pages, prompts as `daifuku setup` sets them up: aggressive)."""
        user = self.simulated_users.users[user_id]
        app = self.liff.apps.get(liff_id or "")
        prompts = (app or {}).get("botPrompt", "aggressive") in ("normal", "aggressive")
        if prompts and user.accepts_bot_prompt and not user.following:
            self.follow(user_id)
        return self.simulated_users.liff_session(user_id, liff_id)

    # Webhooks

    def send_events(self, events: list[dict[str, Any]], redelivery: bool = False) -> int:
        """Send a signed webhook with these events; returns the HTTP status Daifuku answered."""
        return self.webhooks.send_events(events, redelivery)

    def redeliver(self, webhook_event_id: str) -> int:
        return self.webhooks.redeliver(webhook_event_id)

    def webhook_body(self, events: list[dict[str, Any]]) -> bytes:
        return self.webhooks.webhook_body(events)

    def sign(self, body: bytes) -> str:
        return self.webhooks.sign(body)

    def post_webhook(self, events: list[dict[str, Any]], url: str | None) -> tuple[int, str]:
        return self.webhooks.post_webhook(events, url)
