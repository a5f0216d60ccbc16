"""Lambda entry point of the webhook: logging and metrics, then the resolver in api.py.

The resolver, pydantic and the X-Ray SDK load with api.py on the first request, not at init, so the
import+init that every cold start pays stays small (bench/cold_start.py). Lambda's active tracing
records the invocation; api.py's Tracer patches botocore and traces each route.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="webhook")
metrics = Metrics(namespace="Daifuku", service="webhook")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from functions.webhook.api import app

    return app.resolve(event, context)
