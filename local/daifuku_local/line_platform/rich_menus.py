"""The Messaging API's rich menus: definitions, images, the default menu, per-user links and aliases."""

from __future__ import annotations

import threading
import uuid
from dataclasses import dataclass
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.images import rich_menu_image_problem
from daifuku_local.line_platform.line_responses import (
    ApiError,
    bad_request,
    json_response,
    require_bearer_token,
)
from daifuku_local.line_platform.traffic import RateLimits
from daifuku_local.line_platform.users import SimulatedUsers


@dataclass
class RichMenu:
    rich_menu_id: str
    definition: dict[str, Any]
    image: bytes | None = None
    image_type: str | None = None


class RichMenus:
    """The channel's rich menus and which one each user sees."""

    RULES: ClassVar[tuple[Rule, ...]] = (
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
    )

    def __init__(
        self, config: SimulatorConfig, lock: threading.RLock, users: SimulatedUsers, limits: RateLimits
    ):
        self._config = config
        self._lock = lock
        self._users = users
        self._limits = limits
        self.rich_menus: dict[str, RichMenu] = {}
        self.aliases: dict[str, str] = {}
        self.default_rich_menu: str | None = None
        self.user_rich_menus: dict[str, str] = {}

    def authenticate(self, request: Request) -> None:
        require_bearer_token(request, self._config.channel_access_token)

    def menu(self, rich_menu_id: str) -> RichMenu:
        menu = self.rich_menus.get(rich_menu_id)
        if menu is None:
            raise ApiError(404, "Not found")
        return menu

    def current_rich_menu(self, user_id: str) -> RichMenu | None:
        menu_id = self.user_rich_menus.get(user_id) or self.default_rich_menu
        return self.rich_menus.get(menu_id) if menu_id else None

    def tapped_action(self, user_id: str, x: int, y: int) -> dict[str, Any] | None:
        """The action of the area the user taps at (x, y); a richmenuswitch switches their menu."""
        menu = self.current_rich_menu(user_id)
        if menu is None:
            raise ApiError(404, "the user has no rich menu")
        for area in menu.definition["areas"]:
            b = area["bounds"]
            if b["x"] <= x < b["x"] + b["width"] and b["y"] <= y < b["y"] + b["height"]:
                action: dict[str, Any] = area["action"]
                if action["type"] == "richmenuswitch":
                    self.user_rich_menus[user_id] = self.aliases[action["richMenuAliasId"]]
                return action
        return None

    def create_rich_menu(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._limits.take("richmenu")
        self._check_rich_menu(body)
        rich_menu_id = f"richmenu-{uuid.uuid4().hex}"
        with self._lock:
            self.rich_menus[rich_menu_id] = RichMenu(rich_menu_id, body)
        return json_response({"richMenuId": rich_menu_id})

    def validate_rich_menu(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._check_rich_menu(body)
        return json_response({})

    def _check_rich_menu(self, body: dict[str, Any]) -> None:
        size = body["size"]
        if not (
            800 <= size["width"] <= 2500 and size["height"] >= 250 and size["width"] / size["height"] >= 1.45
        ):
            raise bad_request("Invalid size", "size")
        if not 1 <= len(body.get("areas", [])) <= 20:
            raise bad_request("Size must be between 1 and 20", "areas")
        for index, area in enumerate(body["areas"]):
            bounds = area["bounds"]
            if (
                bounds["x"] + bounds["width"] > size["width"]
                or bounds["y"] + bounds["height"] > size["height"]
            ):
                raise bad_request("Out of the rich menu", f"areas[{index}].bounds")
        if len(body.get("chatBarText", "")) > 14:
            raise bad_request("Length must be between 0 and 14", "chatBarText")

    def list_rich_menus(self, request: Request, body: Any, request_id: str) -> Response:
        return json_response(
            {"richmenus": [{"richMenuId": m.rich_menu_id, **m.definition} for m in self.rich_menus.values()]}
        )

    def rich_menu(self, request: Request, body: Any, request_id: str, rich_menu_id: str) -> Response:
        menu = self.menu(rich_menu_id)
        if request.method == "DELETE":
            with self._lock:
                del self.rich_menus[rich_menu_id]
                if self.default_rich_menu == rich_menu_id:
                    self.default_rich_menu = None
                self.user_rich_menus = {u: m for u, m in self.user_rich_menus.items() if m != rich_menu_id}
            return json_response({})
        return json_response({"richMenuId": menu.rich_menu_id, **menu.definition})

    def rich_menu_image(self, request: Request, body: Any, request_id: str, rich_menu_id: str) -> Response:
        menu = self.menu(rich_menu_id)
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
        return json_response({})

    def _linkable(self, rich_menu_id: str) -> RichMenu:
        menu = self.menu(rich_menu_id)
        if menu.image is None:
            raise ApiError(400, "must upload richmenu image before applying it to user")
        return menu

    def set_default_menu(self, request: Request, body: Any, request_id: str, rich_menu_id: str) -> Response:
        self._linkable(rich_menu_id)
        self.default_rich_menu = rich_menu_id
        return json_response({})

    def default_menu(self, request: Request, body: Any, request_id: str) -> Response:
        if request.method == "DELETE":
            self.default_rich_menu = None
            return json_response({})
        if self.default_rich_menu is None:
            raise ApiError(404, "no default richmenu")
        return json_response({"richMenuId": self.default_rich_menu})

    def link_menu(
        self, request: Request, body: Any, request_id: str, user_id: str, rich_menu_id: str
    ) -> Response:
        self._limits.take("richmenu")
        self._linkable(rich_menu_id)
        if user_id not in self._users.users:
            raise ApiError(400, "The user hasn't added the LINE Official Account as a friend.")
        self.user_rich_menus[user_id] = rich_menu_id
        return json_response({})

    def user_menu(self, request: Request, body: Any, request_id: str, user_id: str) -> Response:
        if request.method == "DELETE":
            self.user_rich_menus.pop(user_id, None)
            return json_response({})
        if user_id not in self.user_rich_menus:
            raise ApiError(404, "the user has no richmenu")
        return json_response({"richMenuId": self.user_rich_menus[user_id]})

    def bulk_link(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._linkable(body["richMenuId"])
        for user_id in body["userIds"]:
            self.user_rich_menus[user_id] = body["richMenuId"]
        return json_response({}, 202)

    def bulk_unlink(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        for user_id in body["userIds"]:
            self.user_rich_menus.pop(user_id, None)
        return json_response({}, 202)

    def create_alias(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._linkable(body["richMenuId"])
        if body["richMenuAliasId"] in self.aliases:
            raise ApiError(400, "conflict richmenu alias id")
        self.aliases[body["richMenuAliasId"]] = body["richMenuId"]
        return json_response({})

    def list_aliases(self, request: Request, body: Any, request_id: str) -> Response:
        return json_response(
            {"aliases": [{"richMenuAliasId": a, "richMenuId": m} for a, m in self.aliases.items()]}
        )

    def alias(self, request: Request, body: Any, request_id: str, alias_id: str) -> Response:
        if alias_id not in self.aliases:
            raise ApiError(404, "richmenu alias not found")
        if request.method == "DELETE":
            del self.aliases[alias_id]
        elif request.method == "POST":
            self._linkable(body["richMenuId"])
            self.aliases[alias_id] = body["richMenuId"]
        return json_response(
            {"richMenuAliasId": alias_id, "richMenuId": self.aliases.get(alias_id)}
            if request.method == "GET"
            else {}
        )
