"""POST /webhook: LINE's webhook requests, verified, become friends in the shop's ledger."""

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.adapters.line_credentials import load_line_credentials
from daifuku.domain.errors import InvalidSignature
from daifuku.domain.webhook_signature import verify_webhook_signature
from daifuku.settings import current_settings

logger = Logger(service="webhook")
tracer = Tracer(service="webhook", auto_patch=False)
metrics = Metrics(namespace="Daifuku", service="webhook")
app = APIGatewayHttpResolver()


@app.post("/webhook")
def receive_webhook() -> dict[str, str]:
    settings = current_settings()
    credentials = load_line_credentials(settings.line_secret_id)
    body = app.current_event.decoded_body or ""
    verify_webhook_signature(
        body.encode(),
        app.current_event.headers.get("x-line-signature"),
        credentials.channel_secret.get_secret_value(),
    )
    return {"status": "ok"}


@app.exception_handler(InvalidSignature)
def reject_unsigned(error: InvalidSignature) -> Response:
    logger.warning("webhook rejected", extra={"reason": str(error)})
    return Response(401, content_types.APPLICATION_JSON, {"message": "invalid signature"})


@logger.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict:
    return app.resolve(event, context)
