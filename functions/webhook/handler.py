"""Lambda entry point of the webhook: logging and metrics, then the resolver in api.py.

The resolver and pydantic (and the X-Ray SDK, with tracing on) load with api.py on the first
request, not at init, so the import+init that every cold start pays stays small
(bench/cold_start.py). With SnapStart on, `prime` loads them before the snapshot instead
(daifuku/snapshot_hooks.py). With active tracing, Lambda records the invocation and api.py's
Tracer patches botocore and traces each route (daifuku/tracing.py: no Tracer when tracing is off).
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.first_request import first_request_without_gc
from daifuku.snapshot_hooks import prime_before_snapshot

logger = Logger(service="webhook")
metrics = Metrics(namespace="Daifuku", service="webhook")


@first_request_without_gc
@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from functions.webhook.api import app

    return app.resolve(event, context)


def prime() -> None:
    """With SnapStart: the resolver, the table's client and the credentials, before the snapshot."""
    from daifuku.wiring import current_wiring
    from functions.webhook.api import app  # noqa: F401

    current_wiring().prime()


prime_before_snapshot(prime)
