"""The Messaging API's sends and reads: reply, push, multicast, the monthly quota, profiles, bot info."""

from __future__ import annotations

import random
import threading
import time
import uuid
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.insight import Insight
from daifuku_local.line_platform.line_responses import (
    ApiError,
    RetryKeyConflict,
    bad_request,
    json_response,
    require_bearer_token,
)
from daifuku_local.line_platform.traffic import RateLimits
from daifuku_local.line_platform.users import SimulatedUsers

MONTHLY_LIMIT = "You have reached your monthly limit."
MULTICAST_MAX_RECIPIENTS = 500


class Messaging:
    """Messages to simulated users, with X-Line-Retry-Key, the rate limits and the monthly quota."""

    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/v2/bot/message/reply", methods=["POST"], endpoint="reply"),
        Rule("/v2/bot/message/push", methods=["POST"], endpoint="push"),
        Rule("/v2/bot/message/multicast", methods=["POST"], endpoint="multicast"),
        Rule("/v2/bot/message/quota", methods=["GET"], endpoint="quota"),
        Rule("/v2/bot/message/quota/consumption", methods=["GET"], endpoint="consumption"),
        Rule("/v2/bot/profile/<user_id>", methods=["GET"], endpoint="profile"),
        Rule("/v2/bot/info", methods=["GET"], endpoint="bot_info"),
    )

    def __init__(
        self,
        config: SimulatorConfig,
        lock: threading.RLock,
        ids: random.Random,
        users: SimulatedUsers,
        limits: RateLimits,
        insight: Insight,
    ):
        self._insight = insight  # the per-unit statistics of sends with customAggregationUnits
        self._config = config
        self._lock = lock
        self._ids = ids
        self._users = users
        self._limits = limits
        self.consumed = 0
        self.accepted_retry_keys: dict[str, tuple[str, list[dict[str, str]], float]] = {}

    def authenticate(self, request: Request) -> None:
        require_bearer_token(request, self._config.channel_access_token)

    def reply(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        self._check_messages(body["messages"])
        self._limits.take("reply")
        with self._lock:
            user_id = self._users.take_reply_token(body["replyToken"])
            if user_id is None:
                raise ApiError(400, "Invalid reply token")
            sent = self._deliver(user_id, body["messages"], "reply", request_id)
        return json_response({"sentMessages": sent})

    def push(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        return self._send("push", request, [body["to"]], body, request_id)

    def multicast(self, request: Request, body: dict[str, Any], request_id: str) -> Response:
        if len(body["to"]) > MULTICAST_MAX_RECIPIENTS:
            raise bad_request("Size must be between 1 and 500", "to")
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
                raise RetryKeyConflict(accepted_id, sent)
        self._limits.take(endpoint)
        for user_id in to:
            if not (user_id.startswith("U") and len(user_id) == 33):
                raise ApiError(400, "The property, 'to', in the request body is invalid (line: -, column: -)")
        users = self._users.users
        with self._lock:
            recipients = [u for u in to if u in users and users[u].following]
            if (
                self._config.monthly_quota is not None
                and self.consumed + len(recipients) > self._config.monthly_quota
            ):
                raise ApiError(429, MONTHLY_LIMIT)
            self.consumed += len(recipients)
            sent: list[dict[str, str]] = []
            for user_id in recipients:
                sent = self._deliver(user_id, body["messages"], endpoint, request_id)
            if not sent:
                sent = [self._sent_message_id() for _ in body["messages"]]
            if body.get("customAggregationUnits"):
                self._insight.record(body["customAggregationUnits"], recipients, body["messages"])
            if retry_key is not None:
                self.accepted_retry_keys[retry_key] = (request_id, sent, time.time())
        return json_response({"sentMessages": sent} if endpoint == "push" else {})

    def _check_messages(self, messages: list[dict[str, Any]]) -> None:
        """LINE's rules the schema does not state: 1-5 messages, text up to 5,000 characters."""
        if not 1 <= len(messages) <= 5:
            raise bad_request("Size must be between 1 and 5", "messages")
        for index, message in enumerate(messages):
            if message.get("type") == "text" and len(message.get("text", "")) > 5000:
                raise bad_request("Length must be between 0 and 5000", f"messages[{index}].text")

    def _deliver(
        self, user_id: str, messages: list[dict[str, Any]], via: str, request_id: str
    ) -> list[dict[str, str]]:
        sent = []
        for message in messages:
            self._users.deliver(user_id, message, via, request_id)
            sent.append(self._sent_message_id())
        return sent

    def _sent_message_id(self) -> dict[str, str]:
        return {"id": str(self._ids.randrange(10**17, 10**18)), "quoteToken": uuid.uuid4().hex}

    def quota(self, request: Request, body: Any, request_id: str) -> Response:
        quota = self._config.monthly_quota
        return json_response({"type": "limited", "value": quota} if quota is not None else {"type": "none"})

    def consumption(self, request: Request, body: Any, request_id: str) -> Response:
        return json_response({"totalUsage": self.consumed})

    def profile(self, request: Request, body: Any, request_id: str, user_id: str) -> Response:
        self._limits.take("profile")
        user = self._users.users.get(user_id)
        if user is None or not user.following:
            raise ApiError(404, "Not found")
        profile = {"userId": user.user_id, "displayName": user.display_name, "language": user.language}
        if user.picture_url:
            profile["pictureUrl"] = user.picture_url
        if user.status_message:
            profile["statusMessage"] = user.status_message
        return json_response(profile)

    def bot_info(self, request: Request, body: Any, request_id: str) -> Response:
        return json_response(
            {
                "userId": self._config.bot_user_id,
                "basicId": "@daifuku",
                "displayName": "大福堂",
                "chatMode": "bot",
                "markAsReadMode": "auto",
            }
        )
