"""The partner API (/api/v1/) as a POS calls it, and the owner's key screen that makes its keys."""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any

from tests.integration.member_api import MemberApi, unique

ALL_SCOPES = ["members:read", "members:read:personal", "visits:write", "points:write", "coupons:redeem"]


def new_key(api: MemberApi, owner: str, scopes: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    """A key made in 設定 (the answer that shows the key and its receipt secret, once)."""
    body = {"name": unique("レジ"), "scopes": scopes if scopes is not None else ALL_SCOPES} | fields
    status, created = api.call("POST", "/liff/api/staff/api-keys", owner, body)
    assert status == 201, created
    return created


class PosClient:
    """/api/v1/ with an API key in X-Api-Key (or none)."""

    def __init__(self, api_url: str, key: str | None):
        self.api_url = api_url.rstrip("/")
        self.key = key

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        raw_body: bytes | None = None,
        headers: dict[str, str] | None = None,
    ) -> tuple[int, dict[str, Any], dict[str, str]]:
        """(status, JSON answer, headers)."""
        data = raw_body if raw_body is not None else (json.dumps(body).encode() if body is not None else None)
        request = urllib.request.Request(f"{self.api_url}/api/v1{path}", data=data, method=method)
        if data is not None:
            request.add_header("Content-Type", "application/json")
        if self.key is not None:
            request.add_header("X-Api-Key", self.key)
        for name, value in (headers or {}).items():
            request.add_header(name, value)
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}"), dict(error.headers)
