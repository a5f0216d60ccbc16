"""Lambda entry point of the LIFF API: logging and metrics, then the resolver of the request's
audience: the customer's routers, or the staff console's.

As in the webhook, the resolver and pydantic (and the X-Ray SDK, with tracing on) load on the first
request, not at init (with SnapStart on, before the snapshot: `prime`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any, Literal

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.first_request import first_request_without_gc
from daifuku.snapshot_hooks import prime_before_snapshot

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
    from aws_lambda_powertools.event_handler.api_gateway import Router

logger = Logger(service="liff_api")
metrics = Metrics(namespace="Daifuku", service="liff_api")


Audience = Literal["customer", "staff"]
STAFF_PATHS = "/liff/api/staff"
AUDIENCES: tuple[Audience, ...] = ("customer", "staff")

_resolvers: dict[Audience, APIGatewayHttpResolver] = {}
_resolver_lock = threading.Lock()  # the local stack's first requests can arrive together


def audience_of(path: str) -> Audience:
    """The staff console's paths (/liff/api/staff/*) and everything else: the customer's and the
    invited person's calls, and any unknown path (a 404 from the customer's resolver)."""
    return "staff" if path == STAFF_PATHS or path.startswith(f"{STAFF_PATHS}/") else "customer"


def resolver(audience: Audience) -> APIGatewayHttpResolver:
    """The resolver of this environment for `audience`, built on its first request."""
    with _resolver_lock:
        if audience not in _resolvers:
            _resolvers[audience] = build_resolver(audience)
    return _resolvers[audience]


def build_resolver(audience: Audience) -> APIGatewayHttpResolver:
    """The routers of `audience`, the body-size check in front of them, and the error table.

    A card opened after a cold start loads the customer's routes and their domain modules only, not
    the staff console's (tests/unit/test_perf_lazy_imports.py). Each router is included by one
    resolver only: a router shares the context of the resolver that includes it, which clears it
    after each request."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from functions.liff_api.http_errors import answer_with_http_errors
    from functions.liff_api.request_context import refuse_bad_path_parameters, reject_oversized_bodies

    app = APIGatewayHttpResolver(enable_validation=True)
    app.use(middlewares=[reject_oversized_bodies, refuse_bad_path_parameters])
    for router in customer_routers() if audience == "customer" else staff_routers():
        app.include_router(router)
    answer_with_http_errors(app)
    return app


def customer_routers() -> list[Router]:
    """/liff/api/* but the staff console: the customer's pages and the invited person's calls."""
    from functions.liff_api import (
        customer_routes,
        invitation_routes,
        receipt_routes,  # noqa: F401  (adds the receipt QR's claim to the customer router)
        route_entry_routes,  # noqa: F401  (adds the inflow route's entry to the customer router)
    )

    return [customer_routes.router, invitation_routes.router]


def staff_routers() -> list[Router]:
    """/liff/api/staff/*: the staff console, every route on the staff router behind its role check."""
    from functions.liff_api import (
        campaign_funnel_routes,  # noqa: F401  (adds its route to the staff router)
        connect_routes,  # noqa: F401  (adds its routes to the staff router)
        conversation_routes,  # noqa: F401  (adds its routes to the staff router)
        inflow_route_routes,  # noqa: F401  (adds its routes to the staff router)
        partner_key_routes,  # noqa: F401  (adds the owner's API keys to the staff router)
        rich_menu_routes,  # noqa: F401  (adds its routes to the staff router)
        scenario_routes,  # noqa: F401  (adds the シナリオ tab's routes to the staff router)
        settings_routes,
        staff_routes,
        staff_team_routes,  # noqa: F401  (adds the owners' staff screen to the staff router)
    )

    assert settings_routes.router is staff_routes.router  # its routes are on the staff router
    return [staff_routes.router]


@first_request_without_gc
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    path = event.get("rawPath") or event.get("requestContext", {}).get("http", {}).get("path") or ""
    audience = audience_of(path)
    if audience not in _resolvers and (event.get("headers") or {}).get("authorization"):
        fetch_signing_keys_ahead()
    return resolver(audience).resolve(event, context)


def fetch_signing_keys_ahead() -> None:
    """A cold start's first signed-in request: LINE's ID-token keys are fetched on a thread while this
    one imports the routes and builds the AWS clients (daifuku/adapters/line_id_tokens.py)."""
    from daifuku.adapters.line_id_tokens import fetch_signing_keys_ahead
    from daifuku.wiring import current_wiring

    fetch_signing_keys_ahead(current_wiring().settings.line_api_endpoint)


def prime() -> None:
    """With SnapStart: the resolvers, the table's client and the credentials, before the snapshot."""
    from daifuku.wiring import current_wiring

    for audience in AUDIENCES:
        resolver(audience)
    current_wiring().prime()


prime_before_snapshot(prime)
