"""/liff/api/staff/connect: the owner's 設定 → 連携: the webhook forwarding to another LINE tool, the
outgoing-event endpoints (the signing secret shown once, when created) and their delivery logs.

On the staff router through `staff_route` (owner only, each change audited); handler.py imports this
module before it includes the staff router.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from daifuku.domain.connect_delivery import FORWARDING_TARGET, DeliveryAttempt
from daifuku.domain.connect_desk import ConnectDesk
from daifuku.domain.errors import EventEndpointNotFound
from daifuku.domain.shop_events import SIGNATURE_HEADER, TIMESTAMP_HEADER, EventEndpoint, ShopEventType
from daifuku.models.connect import EventEndpointRequest, ForwardingRequest
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import staff_desk
from functions.liff_api.staff_routes import body_as, caller, router, staff_route

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")


def connect_desk() -> ConnectDesk:
    wiring = current_wiring()
    event = router.current_event
    # Daifuku's own API, as LINE and the pages reach it: a forwarding or endpoint there would loop.
    domain = (event.raw_event.get("requestContext") or {}).get("domainName") or ""
    own = {domain, event.headers.get("host") or ""}
    return ConnectDesk(
        store=wiring.table.connect,
        own_hosts=frozenset(host.lower() for host in own if host),
        allow_loopback_http=wiring.settings.connect_allow_loopback_http,
        clock=wiring.clock,
    )


def endpoint_json(endpoint: EventEndpoint) -> dict[str, Any]:
    """An endpoint as the console lists it: never its secret."""
    return endpoint.model_dump(mode="json", exclude={"secret"})


def attempts_json(attempts: list[DeliveryAttempt]) -> list[dict[str, Any]]:
    return [attempt.model_dump(mode="json") for attempt in attempts]


@staff_route("GET", "/connect", owner_only=True)
@tracer.capture_method
def read_connect() -> dict[str, Any]:
    store = current_wiring().table.connect
    return {
        "forwarding": store.forwarding().model_dump(mode="json"),
        "endpoints": [endpoint_json(e) for e in store.event_endpoints()],
        "event_types": [t.value for t in ShopEventType],
        "signature": {
            "header": SIGNATURE_HEADER,
            "timestamp_header": TIMESTAMP_HEADER,
            "algorithm": "HMAC-SHA256",
        },
    }


@staff_route("PUT", "/connect/forwarding", owner_only=True)
@tracer.capture_method
def save_forwarding() -> dict[str, Any]:
    forwarding = connect_desk().set_forwarding(body_as(ForwardingRequest))
    polling = current_wiring().connect_queue_polling
    if forwarding.url is not None and polling is not None:
        polling.start()  # forwarded requests go at once (the minute schedule keeps it on)
    # The URL is the owner's other tool's address: the audit says whether there is one, not where.
    staff_desk(router).audit(
        caller(), "connect.forwarding", None, forwarding=forwarding.url is not None, silent=forwarding.silent
    )
    return forwarding.model_dump(mode="json")


@staff_route("POST", "/connect/endpoints", owner_only=True)
@tracer.capture_method
def add_endpoint() -> tuple[dict[str, Any], int]:
    endpoint = connect_desk().add_endpoint(caller(), body_as(EventEndpointRequest))
    staff_desk(router).audit(caller(), "connect.endpoint.add", None, endpoint_id=endpoint.endpoint_id)
    logger.info("event endpoint added", extra={"endpoint_id": endpoint.endpoint_id})
    # The only answer that holds the secret: the console shows it once.
    return endpoint_json(endpoint) | {"secret": endpoint.secret}, 201


@staff_route("DELETE", "/connect/endpoints/<endpoint_id>", owner_only=True)
@tracer.capture_method
def remove_endpoint(endpoint_id: str) -> dict[str, Any]:
    connect_desk().remove_endpoint(endpoint_id)
    staff_desk(router).audit(caller(), "connect.endpoint.remove", None, endpoint_id=endpoint_id)
    return {"endpoint_id": endpoint_id, "removed": True}


@staff_route("GET", "/connect/endpoints/<endpoint_id>/deliveries", owner_only=True)
@tracer.capture_method
def endpoint_deliveries(endpoint_id: str) -> dict[str, Any]:
    if current_wiring().table.connect.event_endpoint(endpoint_id) is None:
        raise EventEndpointNotFound(endpoint_id)
    return {"deliveries": attempts_json(connect_desk().deliveries(endpoint_id))}


@staff_route("GET", "/connect/forwarding/deliveries", owner_only=True)
@tracer.capture_method
def forwarding_deliveries() -> dict[str, Any]:
    return {"deliveries": attempts_json(connect_desk().deliveries(FORWARDING_TARGET))}
