"""`/_sim/...`: the control surface tests, benchmarks and the console drive the simulator with."""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Any

from werkzeug.routing import Map, Rule
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.config import FaultConfig
from daifuku_local.line_platform.line_responses import ApiError, json_response
from daifuku_local.line_platform.webhook_events import sample_of_every_event_type

if TYPE_CHECKING:
    from daifuku_local.line_platform.simulator import LineSimulator

# A 1×1 PNG, what a simulated user sends when a test gives no photo of its own.
SAMPLE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)

CONTROL_RULES = Map(
    [
        Rule("/_sim/users", methods=["GET", "POST"], endpoint="users"),
        Rule("/_sim/users/<user_id>", methods=["GET"], endpoint="user"),
        Rule("/_sim/users/<user_id>/follow", methods=["POST"], endpoint="follow"),
        Rule("/_sim/users/<user_id>/block", methods=["POST"], endpoint="block"),
        Rule("/_sim/users/<user_id>/open", methods=["POST"], endpoint="open_messages"),
        Rule("/_sim/users/<user_id>/click", methods=["POST"], endpoint="click_link"),
        Rule("/_sim/users/<user_id>/messages", methods=["POST"], endpoint="send_text"),
        Rule("/_sim/users/<user_id>/postbacks", methods=["POST"], endpoint="send_postback"),
        Rule("/_sim/users/<user_id>/images", methods=["POST"], endpoint="send_image"),
        Rule("/_sim/users/<user_id>/stickers", methods=["POST"], endpoint="send_sticker"),
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


class SimulatorControl:
    """Plays the users and sets the platform's limits and faults, on the simulator it is given."""

    def __init__(self, simulator: LineSimulator):
        self._simulator = simulator

    def __call__(self, request: Request) -> Response:
        if request.method == "OPTIONS":
            return Response(status=204)
        adapter = CONTROL_RULES.bind_to_environ(request.environ)
        try:
            endpoint, arguments = adapter.match()
            body = request.get_json(silent=True) or {}
            if "user_id" in arguments and arguments["user_id"] not in self._simulator.users:
                raise ApiError(404, f"no simulated user {arguments['user_id']}")
            response: Response = getattr(self, endpoint)(request, body, **arguments)
            return response
        except ApiError as error:
            return json_response(error.body, error.status)
        except Exception as error:  # werkzeug's NotFound/MethodNotAllowed, bad bodies
            status = getattr(error, "code", 400) or 400
            return json_response({"message": str(error)}, status)

    # The users

    def users(self, request: Request, body: dict[str, Any]) -> Response:
        simulator = self._simulator
        if request.method == "POST":
            fields = ("picture_url", "status_message", "language", "accepts_bot_prompt")
            profile = {k: body[k] for k in fields if k in body}
            user = simulator.create_user(body.get("display_name"), **profile)
            if body.get("follow"):
                simulator.follow(user.user_id)
            return json_response(simulator.users[user.user_id].model_dump(), 201)
        return json_response([u.model_dump() for u in simulator.users.values()])

    def user(self, request: Request, body: Any, user_id: str) -> Response:
        return json_response(self._simulator.users[user_id].model_dump())

    def follow(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        if body.get("send_webhook") is False:
            return json_response({"event": self._simulator.follow_without_webhook(user_id)})
        return json_response({"webhookStatus": self._simulator.follow(user_id)})

    def open_messages(self, request: Request, body: Any, user_id: str) -> Response:
        """The user opens the messages they received (LINE's per-unit statistics count it)."""
        return json_response({"units": self._simulator.insight.open_messages(user_id)})

    def click_link(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        """The user taps a URL in a message they received: counted, then fetched as LINE's browser does."""
        return json_response(self._simulator.insight.click(user_id, str(body["url"])))

    def block(self, request: Request, body: Any, user_id: str) -> Response:
        return json_response({"webhookStatus": self._simulator.block(user_id)})

    def send_text(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        return json_response({"webhookStatus": self._simulator.send_text(user_id, str(body["text"]))})

    def send_postback(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        return json_response({"webhookStatus": self._simulator.send_postback(user_id, str(body["data"]))})

    def send_image(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        """{"data_base64", "content_type"}: a photo the user sends (a small PNG when no data is given)."""
        content = base64.b64decode(body["data_base64"]) if body.get("data_base64") else SAMPLE_PNG
        status = self._simulator.send_image(user_id, content, str(body.get("content_type", "image/png")))
        return json_response({"webhookStatus": status})

    def send_sticker(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        package, sticker = str(body.get("package_id", "446")), str(body.get("sticker_id", "1988"))
        return json_response({"webhookStatus": self._simulator.send_sticker(user_id, package, sticker)})

    def current_menu(self, request: Request, body: Any, user_id: str) -> Response:
        menu = self._simulator.current_rich_menu(user_id)
        if menu is None:
            return json_response({"richMenu": None})
        return json_response({"richMenu": {"richMenuId": menu.rich_menu_id, **menu.definition}})

    def tap_menu(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        return json_response(self._simulator.tap_rich_menu(user_id, int(body["x"]), int(body["y"])))

    def transcript(self, request: Request, body: Any, user_id: str) -> Response:
        entries = self._simulator.transcripts.get(user_id, [])
        return json_response(
            [
                {
                    "at": e.at,
                    "direction": e.direction,
                    "via": e.via,
                    "message": e.message,
                    "requestId": e.request_id,
                    "read": e.read,
                }
                for e in entries
            ]
        )

    def id_token(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        user = self._simulator.users[user_id]
        token = self._simulator.id_tokens.issue(
            user_id,
            user.display_name,
            user.picture_url,
            audience=body.get("audience"),
            expires_in=int(body.get("expires_in", 3600)),
        )
        return json_response({"idToken": token})

    def liff_session(self, request: Request, body: dict[str, Any], user_id: str) -> Response:
        return json_response(self._simulator.liff_session(user_id, body.get("liffId")))

    def menu_image(self, request: Request, body: Any, rich_menu_id: str) -> Response:
        menu = self._simulator.menus.menu(rich_menu_id)
        if menu.image is None:
            raise ApiError(404, "no image")
        return Response(menu.image, content_type=menu.image_type)

    # Webhooks

    def webhooks(self, request: Request, body: Any) -> Response:
        return json_response(self._simulator.sent_webhooks)

    def send_events(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response({"webhookStatus": self._simulator.send_events(list(body["events"]))})

    def redeliver(self, request: Request, body: dict[str, Any]) -> Response:
        return json_response({"webhookStatus": self._simulator.redeliver(str(body["webhookEventId"]))})

    def samples(self, request: Request, body: Any) -> Response:
        user_id = request.args.get("user_id") or "U" + "0" * 32
        return json_response(sample_of_every_event_type(user_id, self._simulator._issue_reply_token(user_id)))

    # The platform's limits, faults and records

    def violations(self, request: Request, body: Any) -> Response:
        if request.method == "DELETE":
            self._simulator.violations.clear()
        return json_response(self._simulator.violations)

    def faults(self, request: Request, body: dict[str, Any]) -> Response:
        simulator = self._simulator
        if request.method == "PUT":
            simulator.config.faults = FaultConfig.model_validate(body)
            simulator.faults.reseed()
        return json_response(simulator.config.faults.model_dump())

    def set_quota(self, request: Request, body: dict[str, Any]) -> Response:
        simulator = self._simulator
        if request.method == "PUT":
            if "limit" in body:
                simulator.config.monthly_quota = body["limit"]
            if "consumed" in body:
                simulator.messaging.consumed = int(body["consumed"])
        return json_response({"limit": simulator.config.monthly_quota, "consumed": simulator.consumption})

    def rate_limits(self, request: Request, body: dict[str, Any]) -> Response:
        simulator = self._simulator
        if request.method == "PUT":
            simulator.config.rate_limits.update({k: float(v) for k, v in body.items()})
            simulator.rate_limits.set(simulator.config.rate_limits)
        return json_response(simulator.config.rate_limits)

    def stats(self, request: Request, body: Any) -> Response:
        simulator = self._simulator
        deliveries = sum(
            1 for entries in simulator.transcripts.values() for e in entries if e.direction == "to_user"
        )
        return json_response(
            {"requests": simulator.stats, "deliveries": deliveries, "consumed": simulator.consumption}
        )

    def console_config(self, request: Request, body: Any) -> Response:
        # What `https://liff.line.me/<liffId>` opens: the LIFF app's endpoint URL, as in the LINE app.
        liff_apps = {liff_id: app["view"]["url"] for liff_id, app in self._simulator.liff_apps.items()}
        return json_response({**self._simulator.console_links, "liffApps": liff_apps})

    def reset(self, request: Request, body: Any) -> Response:
        self._simulator.reset()
        return json_response({})
