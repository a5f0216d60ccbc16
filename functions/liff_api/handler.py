"""Lambda entry point of the LIFF API: logging and metrics, then the resolver with the customer's
and the staff console's routers.

As in the webhook, the resolver and pydantic (and the X-Ray SDK, with tracing on) load on the first
request, not at init (with SnapStart on, before the snapshot: `prime`).
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.snapshot_hooks import prime_before_snapshot

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

logger = Logger(service="liff_api")
metrics = Metrics(namespace="Daifuku", service="liff_api")


_resolver: APIGatewayHttpResolver | None = None
_resolver_lock = threading.Lock()  # the local stack's first requests can arrive together


def resolver() -> APIGatewayHttpResolver:
    """The resolver of this environment, built on the first request."""
    global _resolver
    with _resolver_lock:
        if _resolver is None:
            _resolver = build_resolver()
    return _resolver


def build_resolver() -> APIGatewayHttpResolver:
    """/liff/api/*: the routers, the body-size check in front of them, and the error table."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

    from functions.liff_api import (
        campaign_funnel_routes,  # noqa: F401  (adds its route to the staff router)
        connect_routes,  # noqa: F401  (adds its routes to the staff router)
        conversation_routes,  # noqa: F401  (adds its routes to the staff router)
        customer_routes,
        inflow_route_routes,  # noqa: F401  (adds its routes to the customer and staff routers)
        partner_key_routes,  # noqa: F401  (adds the owner's API keys to the staff router)
        receipt_routes,  # noqa: F401  (adds the receipt QR's claim to the customer router)
        rich_menu_routes,  # noqa: F401  (adds its routes to the staff router)
        scenario_routes,  # noqa: F401  (adds the シナリオ tab's routes to the staff router)
        settings_routes,
        staff_routes,
        staff_team_routes,
    )
    from functions.liff_api.http_errors import answer_with_http_errors
    from functions.liff_api.request_context import refuse_bad_path_parameters, reject_oversized_bodies

    app = APIGatewayHttpResolver(enable_validation=True)
    app.use(middlewares=[reject_oversized_bodies, refuse_bad_path_parameters])
    app.include_router(customer_routes.router)
    # staff_team_routes adds the owners' staff screen to staff_routes.router (imported above).
    assert settings_routes.router is staff_routes.router  # its routes are on the staff router
    app.include_router(staff_routes.router)
    app.include_router(staff_team_routes.router)
    answer_with_http_errors(app)
    return app


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return resolver().resolve(event, context)


def prime() -> None:
    """With SnapStart: the resolver, the table's client and the credentials, before the snapshot."""
    from daifuku.wiring import current_wiring

    resolver()
    current_wiring().prime()


prime_before_snapshot(prime)
