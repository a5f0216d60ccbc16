"""One-on-one chats: the loading animation, read receipts and the content of what users sent.

As messaging-api.yml describes them: `POST /v2/bot/chat/loading/start` (202; the chat must be a
user who follows the bot, `loadingSeconds` a multiple of 5 up to 60), `POST /v2/bot/chat/markAsRead`
(a markAsReadToken the bot received in a webhook; the user's messages up to it show 既読), and
`GET /v2/bot/message/{messageId}/content` on api-data.line.me (the bytes of an image a user sent).
"""

from __future__ import annotations

import threading
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.line_responses import (
    ApiError,
    bad_request,
    json_response,
    require_bearer_token,
)
from daifuku_local.line_platform.users import SimulatedUsers


class Chats:
    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/v2/bot/chat/loading/start", methods=["POST"], endpoint="loading_start"),
        Rule("/v2/bot/chat/markAsRead", methods=["POST"], endpoint="mark_as_read"),
        Rule("/v2/bot/message/<message_id>/content", methods=["GET"], endpoint="message_content"),
    )

    def __init__(self, config: SimulatorConfig, lock: threading.RLock, users: SimulatedUsers):
        self._config = config
        self._lock = lock
        self._users = users

    def authenticate(self, request: Request) -> None:
        require_bearer_token(request, self._config.channel_access_token)

    def loading_start(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        seconds = int(body.get("loadingSeconds", 20))
        if seconds % 5:
            raise bad_request("must be a multiple of 5", "loadingSeconds")
        user = self._users.users.get(body["chatId"])
        if user is None or not user.following:
            raise ApiError(400, "Invalid chatId")
        self._users.note_chat(user.user_id, "loading", {"type": "loading", "loadingSeconds": seconds})
        return json_response({}, 202)

    def mark_as_read(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        if not self._users.mark_read(str(body["markAsReadToken"])):
            raise ApiError(400, "Invalid markAsReadToken")
        return json_response({})

    def message_content(self, request: Request, body: Any, request_id: str, message_id: str) -> Response:
        with self._lock:
            stored = self._users.contents.get(message_id)
        if stored is None:
            raise ApiError(404, "Not found")
        content, content_type = stored
        return Response(content, content_type=content_type)
