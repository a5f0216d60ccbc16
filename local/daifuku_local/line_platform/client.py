"""A Python client for the simulator's /_sim control surface: what tests and benchmarks drive it with."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any


class SimulatorClient:
    def __init__(self, base_url: str, timeout_seconds: float = 30):
        self.base_url = base_url.rstrip("/")
        self._timeout = timeout_seconds

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(f"{self.base_url}{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                return json.loads(response.read() or b"null")
        except urllib.error.HTTPError as error:
            raise AssertionError(f"{method} {path}: {error.code} {error.read()[:300]!r}") from None

    def create_user(self, display_name: str, follow: bool = False, **profile: Any) -> str:
        user = self._call("POST", "/_sim/users", {"display_name": display_name, "follow": follow, **profile})
        return str(user["user_id"])

    def open_messages(self, user_id: str) -> int:
        """The user opens the messages they received (LINE's statistics per unit count it)."""
        return int(self._call("POST", f"/_sim/users/{user_id}/open")["units"])

    def click_link(self, user_id: str, url: str) -> dict[str, Any]:
        """The user taps `url` in a message: LINE counts it; the answer is the URL's (status, location)."""
        return dict(self._call("POST", f"/_sim/users/{user_id}/click", {"url": url}))

    def user(self, user_id: str) -> dict[str, Any]:
        return dict(self._call("GET", f"/_sim/users/{user_id}"))

    def follow(self, user_id: str) -> int:
        return int(self._call("POST", f"/_sim/users/{user_id}/follow")["webhookStatus"])

    def follow_without_webhook(self, user_id: str) -> dict[str, Any]:
        """The user follows; returns the follow event, not yet delivered to Daifuku."""
        return dict(self._call("POST", f"/_sim/users/{user_id}/follow", {"send_webhook": False})["event"])

    def users(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_sim/users"))

    def block(self, user_id: str) -> int:
        return int(self._call("POST", f"/_sim/users/{user_id}/block")["webhookStatus"])

    def send_text(self, user_id: str, text: str) -> int:
        return int(self._call("POST", f"/_sim/users/{user_id}/messages", {"text": text})["webhookStatus"])

    def send_postback(self, user_id: str, data: str) -> int:
        return int(self._call("POST", f"/_sim/users/{user_id}/postbacks", {"data": data})["webhookStatus"])

    def send_image(
        self, user_id: str, data_base64: str | None = None, content_type: str = "image/png"
    ) -> int:
        body = {"content_type": content_type} | ({"data_base64": data_base64} if data_base64 else {})
        return int(self._call("POST", f"/_sim/users/{user_id}/images", body)["webhookStatus"])

    def send_sticker(self, user_id: str, package_id: str = "446", sticker_id: str = "1988") -> int:
        body = {"package_id": package_id, "sticker_id": sticker_id}
        return int(self._call("POST", f"/_sim/users/{user_id}/stickers", body)["webhookStatus"])

    def chat_events(self, user_id: str) -> list[dict[str, Any]]:
        """What happened in the user's chat that is not a message: the loading animation."""
        return [entry for entry in self.transcript(user_id) if entry["direction"] == "chat"]

    def sent_by_user(self, user_id: str) -> list[dict[str, Any]]:
        """The user's own messages (with `read`: the bot marked them read), oldest first."""
        return [entry for entry in self.transcript(user_id) if entry["direction"] == "from_user"]

    def transcript(self, user_id: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/_sim/users/{user_id}/transcript"))

    def received(self, user_id: str) -> list[dict[str, Any]]:
        """The messages that reached the user, oldest first."""
        return [entry["message"] for entry in self.transcript(user_id) if entry["direction"] == "to_user"]

    def rich_menu(self, user_id: str) -> dict[str, Any] | None:
        menu = self._call("GET", f"/_sim/users/{user_id}/rich-menu")["richMenu"]
        return dict(menu) if menu else None

    def tap_rich_menu(self, user_id: str, x: int, y: int) -> dict[str, Any]:
        """The user taps (x, y) on their rich menu: the area's action, and the webhook's status for a
        postback or message action."""
        return dict(self._call("POST", f"/_sim/users/{user_id}/rich-menu/tap", {"x": x, "y": y}))

    def id_token(self, user_id: str, audience: str | None = None, expires_in: int = 3600) -> str:
        body: dict[str, Any] = {"expires_in": expires_in}
        if audience:
            body["audience"] = audience
        return str(self._call("POST", f"/_sim/users/{user_id}/id-token", body)["idToken"])

    def sent_webhooks(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_sim/webhooks"))

    def send_events(self, events: list[dict[str, Any]]) -> int:
        return int(self._call("POST", "/_sim/webhooks/send", {"events": events})["webhookStatus"])

    def redeliver(self, webhook_event_id: str) -> int:
        return int(
            self._call("POST", "/_sim/webhooks/redeliver", {"webhookEventId": webhook_event_id})[
                "webhookStatus"
            ]
        )

    def event_samples(self, user_id: str) -> list[dict[str, Any]]:
        return list(self._call("GET", f"/_sim/webhooks/samples?user_id={user_id}"))

    def violations(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/_sim/violations"))

    def set_faults(self, **faults: Any) -> dict[str, Any]:
        return dict(self._call("PUT", "/_sim/faults", faults))

    def set_quota(self, limit: int | None = None, consumed: int | None = None) -> dict[str, Any]:
        body = {k: v for k, v in {"limit": limit, "consumed": consumed}.items() if v is not None}
        return dict(self._call("PUT", "/_sim/quota", body))

    def set_rate_limits(self, **limits: float) -> dict[str, Any]:
        return dict(self._call("PUT", "/_sim/rate-limits", limits))

    def stats(self) -> dict[str, Any]:
        return dict(self._call("GET", "/_sim/stats"))
