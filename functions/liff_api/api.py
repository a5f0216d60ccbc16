"""/liff/api/*: the calls the LIFF pages make (registration, member card, profile).

Loaded on the first request rather than at init (see handler.py).
"""

from aws_lambda_powertools import Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver

tracer = Tracer(service="liff_api")
app = APIGatewayHttpResolver(enable_validation=True)


@app.get("/liff/api/health")
@tracer.capture_method
def health() -> dict[str, str]:
    return {"status": "ok"}
