"""Webhook delivery: signed POSTs of events to the channel's webhook URL, and the URL's settings API."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
import urllib.error
import urllib.request
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.line_responses import (
    ApiError,
    acceptable_https_url,
    bad_request,
    json_response,
    require_bearer_token,
)


class WebhookDelivery:
    """Every event sent (for redelivery and the console), signed with the channel secret."""

    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/v2/bot/channel/webhook/endpoint", methods=["GET", "PUT"], endpoint="webhook_endpoint"),
        Rule("/v2/bot/channel/webhook/test", methods=["POST"], endpoint="webhook_test"),
    )

    def __init__(self, config: SimulatorConfig, lock: threading.RLock):
        self._config = config
        self._lock = lock
        self.sent_webhooks: list[dict[str, Any]] = []

    def authenticate(self, request: Request) -> None:
        require_bearer_token(request, self._config.channel_access_token)

    def record(self, event: dict[str, Any]) -> None:
        """An event the caller delivers itself (or delivers again)."""
        with self._lock:
            self.sent_webhooks.append(event)

    def send_events(self, events: list[dict[str, Any]], redelivery: bool = False) -> int:
        """Send a signed webhook with these events; returns the HTTP status Daifuku answered."""
        if redelivery:
            events = [e | {"deliveryContext": {"isRedelivery": True}} for e in events]
        else:
            with self._lock:
                known = {e["webhookEventId"] for e in self.sent_webhooks}
                self.sent_webhooks.extend(e for e in events if e["webhookEventId"] not in known)
        status, _ = self.post_webhook(events, self._config.webhook_url)
        return status

    def redeliver(self, webhook_event_id: str) -> int:
        event = next((e for e in self.sent_webhooks if e["webhookEventId"] == webhook_event_id), None)
        if event is None:
            raise ApiError(404, "no such webhook event")
        return self.send_events([event], redelivery=True)

    def webhook_body(self, events: list[dict[str, Any]]) -> bytes:
        return json.dumps(
            {"destination": self._config.bot_user_id, "events": events}, ensure_ascii=False
        ).encode()

    def sign(self, body: bytes) -> str:
        digest = hmac.new(self._config.channel_secret.encode(), body, hashlib.sha256).digest()
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

    # The Messaging API's webhook settings

    def webhook_endpoint(self, request: Request, body: Any, request_id: str) -> Response:
        if request.method == "PUT":
            if not acceptable_https_url(body["endpoint"]):
                raise bad_request("Invalid webhook endpoint URL", "endpoint")
            self._config.webhook_url = body["endpoint"]
            return json_response({})
        if not self._config.webhook_url:
            raise ApiError(404, "Not found")
        return json_response({"endpoint": self._config.webhook_url, "active": True})

    def webhook_test(self, request: Request, body: Any, request_id: str) -> Response:
        endpoint = (body or {}).get("endpoint") or self._config.webhook_url
        if not endpoint:
            raise ApiError(400, "Webhook endpoint URL is not set")
        if not acceptable_https_url(endpoint):
            raise bad_request("Invalid webhook endpoint URL", "endpoint")
        status, reason = self.post_webhook([], endpoint)
        # LINE's reasons: OK, or why the test failed (it sends a request with no events).
        if status == 200:
            reason, detail = "OK", "200"
        elif status:
            reason, detail = "ERROR_STATUS_CODE", str(status)
        else:
            reason, detail = "COULD_NOT_CONNECT", reason
        return json_response(
            {
                "success": status == 200,
                "timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                "statusCode": status,
                "reason": reason,
                "detail": detail,
            }
        )
