"""/liff/api/staff/api-keys: the owner's partner API keys in 設定 (create, list, revoke).

A new key is answered once, with its receipt secret; afterwards only its name, scopes, dates and
rate show. Declared through staff_routes.staff_route (owner only, each change audited); imported by
the handler before the staff router is included.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from daifuku.domain.api_keys import ApiKeyDesk, ApiKeyRecord, receipt_signing_key
from daifuku.models.partner_api import ApiKeyRequest
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import staff_desk
from functions.liff_api.staff_routes import body_as, caller, router, staff_route

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")


def api_key_desk() -> ApiKeyDesk:
    wiring = current_wiring()
    return ApiKeyDesk(records=wiring.table.partner_api, clock=wiring.clock)


def key_json(record: ApiKeyRecord) -> dict[str, Any]:
    def when(at: Any) -> str | None:
        return at.isoformat() if at else None

    return {
        "key_id": record.key_id,
        "name": record.name,
        "scopes": sorted(scope.value for scope in record.scopes),
        "calls_per_minute": record.calls_per_minute,
        "created_at": when(record.created_at),
        "last_used_at": when(record.last_used_at),
        "revoked_at": when(record.revoked_at),
    }


@staff_route("GET", "/api-keys", owner_only=True)
@tracer.capture_method
def list_api_keys() -> dict[str, Any]:
    return {"keys": [key_json(record) for record in api_key_desk().listing()]}


@staff_route("POST", "/api-keys", owner_only=True)
@tracer.capture_method(capture_response=False)  # the answer holds the key
def create_api_key() -> tuple[dict[str, Any], int]:
    request = body_as(ApiKeyRequest)
    secret = current_wiring().line_credentials().channel_secret.get_secret_value()
    new = api_key_desk().create(
        caller(),
        request.name,
        frozenset(request.scopes),
        receipt_signing_key(secret),
        request.calls_per_minute,
    )
    logger.info("API key created", extra={"key_id": new.record.key_id})
    staff_desk(router).audit(
        caller(), "api_key.create", None, key_id=new.record.key_id, key_name=request.name
    )
    return key_json(new.record) | {"key": new.key, "receipt_secret": new.receipt_secret}, 201


@staff_route("POST", "/api-keys/<key_id>/revoke", owner_only=True)
@tracer.capture_method
def revoke_api_key(key_id: str) -> dict[str, Any]:
    record = api_key_desk().revoke(key_id)
    staff_desk(router).audit(caller(), "api_key.revoke", None, key_id=key_id, key_name=record.name)
    return key_json(record)
