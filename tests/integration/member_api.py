"""The member card's API as a LIFF page calls it, for tests and benchmarks: simulated LINE users, their
LIFF ID tokens (issued by the LINE simulator), and the shop's configuration switched for a test."""

from __future__ import annotations

import contextlib
import json
import random
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

from daifuku.adapters.dynamodb.shop import ShopConfigRepository
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.models.shop import ShopConfig
from daifuku_local.line_platform.client import SimulatorClient

# The page's retry budget for "busy" (js/liff-app.js PATIENT_ATTEMPTS).
PATIENT_ATTEMPTS = 5


def unique(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:6]}"


class MemberApi:
    """/liff/api/* with a simulated user's ID token, as card.html and register.html send it."""

    def __init__(self, api_url: str, line: SimulatorClient):
        self.api_url = api_url.rstrip("/")
        self.line = line
        self._tokens: dict[str, str] = {}

    def simulated_user(self, name: str | None = None, follow: bool = False) -> str:
        """A new LINE user of the simulator; `follow` adds the shop as a friend first (webhook and all)."""
        return self.line.create_user(name or unique("会員テスト"), follow=follow)

    def id_token_for(self, user_id: str, **claims: Any) -> str:
        """The LIFF ID token liff.getIDToken() returns for the user (one per user unless claims differ)."""
        if claims:
            return self.line.id_token(user_id, **claims)
        if user_id not in self._tokens:
            self._tokens[user_id] = self.line.id_token(user_id)
        return self._tokens[user_id]

    def call(
        self,
        method: str,
        path: str,
        user_id: str | None = None,
        body: Any = None,
        token: str | None = None,
        raw_body: bytes | None = None,
    ) -> tuple[int, dict[str, Any]]:
        """(status, JSON answer). With `user_id` the user's token is sent; `token` sends that one."""
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(f"{self.api_url}{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        bearer = token if token is not None else (self.id_token_for(user_id) if user_id else None)
        if bearer is not None:
            request.add_header("Authorization", f"Bearer {bearer}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def patiently(self, method: str, path: str, user_id: str, body: Any = None) -> tuple[int, dict]:
        """As the pages do (js/liff-app.js callApiPatiently): a 503 "busy" is tried again shortly,
        PATIENT_ATTEMPTS times in all, so a test allows no more than a customer's phone does."""
        for attempt in range(1, PATIENT_ATTEMPTS + 1):
            status, payload = self.call(method, path, user_id, body)
            if status != 503 or attempt == PATIENT_ATTEMPTS:
                break
            time.sleep(0.5 * attempt + random.random() * 0.5)
        return status, payload

    def open_card(self, user_id: str) -> tuple[int, dict[str, Any]]:
        return self.patiently("POST", "/liff/api/card", user_id)

    def register(self, user_id: str, form: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        return self.patiently("POST", "/liff/api/registration", user_id, form)

    def me(self, user_id: str) -> dict[str, Any]:
        status, payload = self.call("GET", "/liff/api/me", user_id)
        assert status == 200, payload
        return payload

    def delete_my_data(self, user_id: str) -> tuple[int, dict[str, Any]]:
        return self.call("DELETE", "/liff/api/me", user_id)


def a_form(**changes: Any) -> dict[str, Any]:
    """A registration form a customer might send: unique name, valid birthdate and mobile number."""
    return {
        "name": unique("会員 太郎"),
        "birthdate": "1988-11-03",
        "phone": "090-" + uuid.uuid4().hex[:4].translate(str.maketrans("abcdef", "123456")) + "-1234",
        **changes,
    }


@contextlib.contextmanager
def shop_configured(table: Any, **changes: Any) -> Iterator[ShopConfig]:
    """The shop's configuration with `changes` for the duration, then as it was."""
    shops = ShopConfigRepository(TableGateway.of(table))
    before = shops.load_shop_config()
    changed = before.model_copy(update=changes)
    shops.save_shop_config(ShopConfig.model_validate(changed.model_dump()))
    try:
        yield changed
    finally:
        shops.save_shop_config(before)
