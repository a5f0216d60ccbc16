"""POST /webhook: LINE's webhook requests, verified, become friends in the shop's ledger.

Loaded on the first request rather than at init (see handler.py): the resolver and pydantic cost more
to import than everything else on the webhook's cold start together.
"""

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from daifuku.adapters.line_credentials import load_line_credentials
from daifuku.domain.errors import InvalidSignature
from daifuku.domain.webhook_signature import verify_webhook_signature
from daifuku.settings import current_settings

logger = Logger(service="webhook")
tracer = Tracer(service="webhook")
app = APIGatewayHttpResolver()


@app.post("/webhook")
@tracer.capture_method
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
