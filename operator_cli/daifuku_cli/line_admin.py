"""The LINE Platform calls `daifuku setup` makes: webhook settings, LIFF apps, rich menus and aliases.

Plain HTTPS, as LINE documents them (../shared/line-openapi/: messaging-api.yml, liff.yml,
channel-access-token.yml). Against the local stack every base URL is the LINE simulator's.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

LINE_API = "https://api.line.me"
LINE_DATA_API = "https://api-data.line.me"
TIMEOUT_SECONDS = 30


class LineAdminError(RuntimeError):
    """LINE refused a call; the message is LINE's own."""

    def __init__(self, method: str, path: str, status: int, body: str):
        super().__init__(f"LINE answered {status} to {method} {path}: {body[:500]}")
        self.status = status


@dataclass(frozen=True)
class LineEndpoints:
    api: str = LINE_API
    data_api: str = LINE_DATA_API


class LineAdmin:
    """One channel's settings, reached with its channel access token (the LIFF calls need the LINE
    Login channel's token: see `issue_login_channel_token`)."""

    def __init__(self, access_token: str, endpoints: LineEndpoints | None = None):
        self._token = access_token
        self._endpoints = endpoints or LineEndpoints()

    def _call(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        data: bytes | None = None,
        content_type: str = "application/json",
        base: str | None = None,
        token: str | None = None,
    ) -> Any:
        if body is not None:
            data = json.dumps(body, ensure_ascii=False).encode()
        url = (base or self._endpoints.api) + path
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Authorization", f"Bearer {token or self._token}")
        if data is not None:
            request.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
                payload = response.read()
        except urllib.error.HTTPError as error:
            raise LineAdminError(method, path, error.code, error.read().decode(errors="replace")) from None
        if not payload:
            return {}
        return json.loads(payload) if response.headers.get_content_type() == "application/json" else payload

    # Webhook

    def webhook_endpoint(self) -> str | None:
        try:
            return str(self._call("GET", "/v2/bot/channel/webhook/endpoint")["endpoint"]) or None
        except LineAdminError as error:
            if error.status == 404:
                return None
            raise

    def set_webhook_endpoint(self, url: str) -> None:
        self._call("PUT", "/v2/bot/channel/webhook/endpoint", {"endpoint": url})

    def test_webhook(self, url: str) -> dict[str, Any]:
        return dict(self._call("POST", "/v2/bot/channel/webhook/test", {"endpoint": url}))

    # LIFF (LINE Login channel)

    def issue_login_channel_token(self, channel_id: str, channel_secret: str) -> str:
        """A short-lived channel access token of the LINE Login channel (client credentials grant)."""
        form = urllib.parse.urlencode(
            {"grant_type": "client_credentials", "client_id": channel_id, "client_secret": channel_secret}
        ).encode()
        answer = self._call(
            "POST", "/v2/oauth/accessToken", data=form, content_type="application/x-www-form-urlencoded"
        )
        return str(answer["access_token"])

    def revoke_channel_token(self, token: str) -> None:
        form = urllib.parse.urlencode({"access_token": token}).encode()
        self._call("POST", "/v2/oauth/revoke", data=form, content_type="application/x-www-form-urlencoded")

    def liff_apps(self, login_token: str) -> list[dict[str, Any]]:
        try:
            return list(self._call("GET", "/liff/v1/apps", token=login_token).get("apps", []))
        except LineAdminError as error:
            if error.status == 404:  # LINE's answer for a channel without LIFF apps
                return []
            raise

    def add_liff_app(self, login_token: str, app: dict[str, Any]) -> str:
        return str(self._call("POST", "/liff/v1/apps", app, token=login_token)["liffId"])

    def update_liff_app(self, login_token: str, liff_id: str, app: dict[str, Any]) -> None:
        self._call("PUT", f"/liff/v1/apps/{urllib.parse.quote(liff_id)}", app, token=login_token)

    # Rich menus

    def rich_menus(self) -> list[dict[str, Any]]:
        return list(self._call("GET", "/v2/bot/richmenu/list").get("richmenus", []))

    def create_rich_menu(self, definition: dict[str, Any]) -> str:
        return str(self._call("POST", "/v2/bot/richmenu", definition)["richMenuId"])

    def upload_rich_menu_image(self, rich_menu_id: str, png: bytes) -> None:
        self._call(
            "POST",
            f"/v2/bot/richmenu/{rich_menu_id}/content",
            data=png,
            content_type="image/png",
            base=self._endpoints.data_api,
        )

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        self._call("DELETE", f"/v2/bot/richmenu/{rich_menu_id}")

    def default_rich_menu(self) -> str | None:
        try:
            return str(self._call("GET", "/v2/bot/user/all/richmenu")["richMenuId"])
        except LineAdminError as error:
            if error.status == 404:
                return None
            raise

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        self._call("POST", f"/v2/bot/user/all/richmenu/{rich_menu_id}")

    def link_rich_menu(self, rich_menu_id: str, user_ids: list[str]) -> None:
        """Link the menu to these users, 500 at a time (LINE's bulk link limit)."""
        for start in range(0, len(user_ids), 500):
            body = {"richMenuId": rich_menu_id, "userIds": user_ids[start : start + 500]}
            self._call("POST", "/v2/bot/richmenu/bulk/link", body)

    def rich_menu_aliases(self) -> dict[str, str]:
        aliases = self._call("GET", "/v2/bot/richmenu/alias/list").get("aliases", [])
        return {alias["richMenuAliasId"]: alias["richMenuId"] for alias in aliases}

    def create_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        self._call(
            "POST", "/v2/bot/richmenu/alias", {"richMenuAliasId": alias_id, "richMenuId": rich_menu_id}
        )

    def update_rich_menu_alias(self, alias_id: str, rich_menu_id: str) -> None:
        self._call("POST", f"/v2/bot/richmenu/alias/{alias_id}", {"richMenuId": rich_menu_id})
