"""Lambda entry point of the partner API (/api/v1/): the shop's POS and other systems, with API keys.

Its own function, beside liff_api: a register's burst never takes the LIFF pages' concurrency, its
role reads no LINE Login token, and its cold start loads only its own small resolver. The gate
(body size, key, rate limit) answers before the resolver parses anything; the routes check scopes.
"""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

if TYPE_CHECKING:
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

logger = Logger(service="partner_api")
metrics = Metrics(namespace="Daifuku", service="partner_api")

_resolver: APIGatewayHttpResolver | None = None
_resolver_lock = threading.Lock()


def resolver() -> APIGatewayHttpResolver:
    """The resolver of this environment, built on the first request."""
    global _resolver
    with _resolver_lock:
        if _resolver is None:
            from functions.partner_api.partner_routes import build_resolver

            _resolver = build_resolver()
    return _resolver


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from functions.partner_api.gate import admit

    app = resolver()
    refusal = admit(app, event)
    return refusal if refusal is not None else app.resolve(event, context)
