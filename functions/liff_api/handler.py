"""/liff/api/*: the calls the LIFF pages make (registration, member card, profile)."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

logger = Logger(service="liff_api")
tracer = Tracer(service="liff_api")
metrics = Metrics(namespace="Daifuku", service="liff_api")
app = APIGatewayHttpResolver(enable_validation=True)


@app.get("/liff/api/health")
def health() -> dict[str, str]:
    return {"status": "ok"}


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
