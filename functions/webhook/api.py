"""POST /webhook: LINE's webhook requests, verified, become friends in the shop's ledger.

Loaded on the first request rather than at init (see handler.py): the resolver and pydantic cost more
to import than everything else on the webhook's cold start together.
"""

import base64
import time
from collections.abc import Callable
from datetime import datetime
from typing import Generic, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from pydantic import ValidationError

from daifuku.adapters.message_images import ImageCopier
from daifuku.domain.auto_replies import AutoResponder
from daifuku.domain.errors import InvalidSignature
from daifuku.domain.friend_ledger import FriendLedger, WritesKeptConflicting, process_webhook_events
from daifuku.domain.inflow_routes import RouteDesk
from daifuku.domain.webhook_forwarding import forward_webhook, line_for
from daifuku.domain.webhook_signature import verify_webhook_signature
from daifuku.models.webhook_events import UnreadableEvent, WebhookEvent, WebhookRequest, parse_event
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring

logger = Logger(service="webhook")
tracer = function_tracer("webhook")
app = APIGatewayHttpResolver()


class BodyTooLarge(Exception):
    pass


# The owner's edits (the shop's configuration, who is staff) reach a warm container within this time;
# every event would otherwise read them again.
SHOP_CONFIG_MAX_AGE_SECONDS = 30
T = TypeVar("T")


class RecentRead(Generic[T]):
    """What `read` returns, read again once it is older than SHOP_CONFIG_MAX_AGE_SECONDS."""

    def __init__(self, read: Callable[[], T]):
        self._read = read
        self._value: tuple[float, T] | None = None

    def __call__(self) -> T:
        if self._value is None or time.monotonic() - self._value[0] > SHOP_CONFIG_MAX_AGE_SECONDS:
            self._value = (time.monotonic(), self._read())
        return self._value[1]


shop_config = RecentRead(lambda: current_wiring().table.shop_config.load_shop_config())
_staff_user_ids = RecentRead(lambda: current_wiring().table.staff.staff_user_ids())


class CampaignBlocks:
    """A block counted against the campaigns before it: the campaigns' repository (and the sending
    modules it imports) loads when a friend blocks the shop, not on every cold start's first follow."""

    def attribute_block(self, user_id: str, blocked_at: datetime) -> list[str]:
        return current_wiring().table.campaigns().attribute_block(user_id, blocked_at)


class RecentStaff:
    """Who hears of new friends, as read within the last SHOP_CONFIG_MAX_AGE_SECONDS: a follow burst
    would otherwise query the staff once per request."""

    def staff_user_ids(self) -> list[str]:
        return _staff_user_ids()


def raw_body(event: APIGatewayProxyEventV2) -> bytes:
    """The bytes LINE signed: API Gateway passes a body that is not UTF-8 base64-encoded."""
    body = event.body or ""
    return base64.b64decode(body) if event.is_base64_encoded else body.encode()


@app.post("/webhook")
@tracer.capture_method
def receive_webhook() -> dict[str, str]:
    wiring = current_wiring()
    body = raw_body(app.current_event)
    if len(body) > wiring.settings.max_body_bytes:
        raise BodyTooLarge
    credentials = wiring.line_credentials()
    signature = app.current_event.headers.get("x-line-signature")
    verify_webhook_signature(body, signature, credentials.channel_secret.get_secret_value())
    # Read on every request (one small GetItem): the owner's switch applies to the very next event.
    forwarding = wiring.table.connect.forwarding()
    forward_webhook(forwarding, wiring.connect_queue, body, signature, wiring.clock())
    request = WebhookRequest.model_validate_json(body)
    events: list[WebhookEvent] = []
    for raw_event in request.events:
        parsed = parse_event(raw_event)
        if isinstance(parsed, UnreadableEvent):
            logger.warning(
                "webhook event skipped", extra={"event_type": parsed.type, "reason": parsed.reason}
            )
        else:
            events.append(parsed)
    line, shop = line_for(forwarding, wiring.line()), shop_config()
    records = wiring.table.conversations()
    images = wiring.message_images
    scenarios = wiring.scenario_engine()
    conversations = AutoResponder(
        records,
        wiring.table.responder_members(),
        line,
        shop,
        wiring.timezone,
        clock=wiring.clock,
        images=ImageCopier(images, line, records) if images else None,
        scenarios=scenarios,
    )
    ledger = FriendLedger(
        wiring.table.friends,
        line,
        shop,
        timezone=wiring.timezone,
        staff=RecentStaff(),
        campaigns=CampaignBlocks(),
        events=wiring.shop_events,
        scenarios=scenarios,
        conversations=conversations,
        routes=RouteDesk(
            wiring.table.inflow_routes,
            wiring.table.inflow_routes,
            wiring.timezone,
            clock=wiring.clock,
            scenarios=scenarios,
        ),
    )
    for processed in process_webhook_events(events, ledger, wiring.clock()):
        logger.info(
            "webhook event",
            extra={
                "event_type": processed.event_type,
                "webhook_event_id": processed.webhook_event_id,
                "outcome": processed.outcome,
                "is_redelivery": processed.is_redelivery,
                "notes": list(processed.notes),
            },
        )
    for note in conversations.alert_staff():
        logger.info("message alert", extra={"note": note})
    return {"status": "ok"}


@app.exception_handler(InvalidSignature)
def reject_unsigned(error: InvalidSignature) -> Response:
    logger.warning("webhook rejected", extra={"reason": str(error)})
    return Response(401, content_types.APPLICATION_JSON, {"message": "invalid signature"})


@app.exception_handler(ValidationError)
def reject_malformed(error: ValidationError) -> Response:
    logger.warning("webhook body unreadable", extra={"errors": error.error_count()})
    return Response(400, content_types.APPLICATION_JSON, {"message": "malformed webhook body"})


@app.exception_handler(WritesKeptConflicting)
def busy(_: WritesKeptConflicting) -> Response:
    """Nothing of the event was written: LINE redelivers a request answered with a 5xx."""
    logger.warning("webhook event kept conflicting; left for LINE's redelivery")
    return Response(503, content_types.APPLICATION_JSON, {"message": "busy; try again"})


@app.exception_handler(BodyTooLarge)
def reject_oversized(_: BodyTooLarge) -> Response:
    return Response(413, content_types.APPLICATION_JSON, {"message": "request body too large"})
