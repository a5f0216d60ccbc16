"""The LIFF server API (liff.yml): the Login channel's LIFF apps, added, listed, updated and deleted."""

from __future__ import annotations

import threading
import uuid
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.line_responses import (
    ApiError,
    acceptable_https_url,
    bad_request,
    json_response,
)
from daifuku_local.line_platform.login import LineLogin

MAX_LIFF_APPS = 30


class LiffServer:
    """LIFF apps, authenticated by the Login channel's access tokens."""

    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/liff/v1/apps", methods=["GET", "POST"], endpoint="liff_apps"),
        Rule("/liff/v1/apps/<liff_id>", methods=["PUT", "DELETE"], endpoint="liff_app"),
    )

    def __init__(self, config: SimulatorConfig, lock: threading.RLock, login: LineLogin):
        self._config = config
        self._lock = lock
        self._login = login
        self.apps: dict[str, dict[str, Any]] = {}

    def authenticate(self, request: Request) -> None:
        self._login.require_channel_token(request)

    def _check_liff_app(self, body: dict[str, Any]) -> None:
        """LINE's rules for LIFF apps that liff.yml states only in words."""
        url = body.get("view", {}).get("url")
        if url is not None and (not acceptable_https_url(url) or "#" in url):
            raise bad_request("The URL scheme must be https and may not have a fragment", "view.url")
        if "line" in body.get("description", "").lower():
            raise bad_request('The LIFF app name can\'t include "LINE"', "description")

    def liff_apps(self, request: Request, body: Any, request_id: str) -> Response:
        if request.method == "GET":
            if not self.apps:
                raise ApiError(404, "no LIFF app")
            return json_response({"apps": list(self.apps.values())})
        self._check_liff_app(body)
        with self._lock:
            if len(self.apps) >= MAX_LIFF_APPS:
                raise ApiError(400, "The maximum number of LIFF apps has been reached")
            liff_id = f"{self._config.login_channel_id}-{uuid.uuid4().hex[:8]}"
            self.apps[liff_id] = {
                "liffId": liff_id,
                "permanentLinkPattern": "concat",
                "scope": ["profile", "chat_message.write"],
                "botPrompt": "none",
                **body,
            }
        return json_response({"liffId": liff_id})

    def liff_app(self, request: Request, body: Any, request_id: str, liff_id: str) -> Response:
        with self._lock:
            app = self.apps.get(liff_id)
            if app is None:
                raise ApiError(404, "The LIFF app does not exist")
            if request.method == "DELETE":
                del self.apps[liff_id]
                return json_response({})
            self._check_liff_app(body)
            view = {**app["view"], **body.get("view", {})}
            self.apps[liff_id] = {**app, **body, "view": view}
        return json_response({})
