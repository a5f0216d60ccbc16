"""LINE's answers on the wire: JSON bodies, LINE's error shapes and its checks of tokens and URLs."""

from __future__ import annotations

import hmac
import json
import urllib.parse
from typing import Any

from werkzeug.wrappers import Request, Response

AUTHENTICATION_FAILED = (
    "Authentication failed. Confirm that the access token in the authorization header is valid."
)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost")


class ApiError(Exception):
    """An error LINE answers with: its status, and a body of `message` and optional `details`."""

    def __init__(self, status: int, message: str, details: list[dict[str, str]] | None = None, **extra: Any):
        super().__init__(message)
        self.status = status
        self.body: dict[str, Any] = {"message": message, **extra}
        if details:
            self.body["details"] = details


class RetryKeyConflict(ApiError):
    """409 for a retry key LINE already accepted: the first request's id, and nothing sent again."""

    def __init__(self, accepted_request_id: str, sent: list[dict[str, str]]):
        super().__init__(409, "The retry key is already accepted", sentMessages=sent)
        self.accepted_request_id = accepted_request_id


def bad_request(message: str, property_name: str) -> ApiError:
    """LINE's 400 for one invalid property."""
    return ApiError(400, "The request body has 1 error(s)", [{"message": message, "property": property_name}])


def json_response(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    response = Response(
        json.dumps(payload, ensure_ascii=False), status=status, content_type="application/json"
    )
    for name, value in (headers or {}).items():
        response.headers[name] = value
    return response


def require_bearer_token(request: Request, token: str) -> None:
    """LINE's 401 unless the request carries this channel access token."""
    if not hmac.compare_digest(request.headers.get("authorization", ""), f"Bearer {token}"):
        raise ApiError(401, AUTHENTICATION_FAILED)


def acceptable_https_url(url: str) -> bool:
    """LINE takes https URLs only; the local world's http URLs on 127.0.0.1 are let through."""
    parsed = urllib.parse.urlsplit(url)
    if parsed.scheme == "https":
        return bool(parsed.hostname)
    return parsed.scheme == "http" and parsed.hostname in LOOPBACK_HOSTS
