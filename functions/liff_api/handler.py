"""Lambda entry point of the LIFF API: logging and metrics, then the resolver in api.py.

As in the webhook, the resolver, pydantic and the X-Ray SDK load with api.py on the first request.
"""

from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="liff_api")
metrics = Metrics(namespace="Daifuku", service="liff_api")


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from functions.liff_api.api import app

    return app.resolve(event, context)
