"""What every /api/v1/ call passes before the resolver: the body's size, the API key (401) and the
key's rate limit (429 with Retry-After). The key is never logged: only its id, once it is known."""

from __future__ import annotations

import json
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

from daifuku.domain.api_keys import ApiKeyDesk, ApiKeyRefused, RateLimited
from daifuku.wiring import current_wiring

logger = Logger(service="partner_api")

# A purchase is a few hundred bytes; nothing a POS sends comes near this.
MAX_BODY_BYTES = 16 * 1024
OPENAPI_PATH = "/api/v1/openapi.json"
KEY_HEADER = "x-api-key"


def refusal(status: int, code: str, message: str, headers: dict[str, str] | None = None) -> dict[str, Any]:
    """An API Gateway (payload 2.0) answer with the API's JSON error body."""
    return {
        "statusCode": status,
        "headers": {"Content-Type": "application/json"} | (headers or {}),
        "body": json.dumps({"message": message, "code": code}),
        "isBase64Encoded": False,
    }


def body_size(event: dict[str, Any]) -> int:
    body = event.get("body") or ""
    return len(body) * 3 // 4 if event.get("isBase64Encoded") else len(body.encode())


def presented_key(headers: dict[str, str]) -> str | None:
    """`X-Api-Key: <key>`, or `Authorization: Bearer <key>`."""
    if headers.get(KEY_HEADER):
        return headers[KEY_HEADER]
    scheme, _, token = (headers.get("authorization") or "").partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def api_key_desk() -> ApiKeyDesk:
    wiring = current_wiring()
    return ApiKeyDesk(records=wiring.table.partner_api, clock=wiring.clock)


def admit(app: APIGatewayHttpResolver, event: dict[str, Any]) -> dict[str, Any] | None:
    """None, with the caller's key in the resolver's context; else the refusal to answer with."""
    path = event.get("rawPath") or ""
    if path == OPENAPI_PATH:
        return None  # the document is public: it describes the API, not the shop
    if body_size(event) > MAX_BODY_BYTES:
        return refusal(413, "body_too_large", f"the body must be at most {MAX_BODY_BYTES} bytes")
    desk = api_key_desk()
    try:
        key = desk.authenticate(
            presented_key({k.lower(): v for k, v in (event.get("headers") or {}).items()})
        )
    except ApiKeyRefused as error:
        logger.info("API key refused", extra={"reason": str(error)})
        return refusal(401, "unauthenticated", "a valid API key is required (X-Api-Key)")
    try:
        desk.throttle(key)
    except RateLimited as error:
        logger.info("API key over its rate", extra={"key_id": key.key_id})
        return refusal(
            429,
            "rate_limited",
            f"this key may make {key.calls_per_minute} calls a minute",
            {"Retry-After": str(error.retry_after)},
        )
    app.append_context(api_key=key)
    return None
