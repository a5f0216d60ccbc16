"""/liff/api/receipts/claim: the customer scanned a receipt's QR on the card page and gets the
purchase's points, once (the partner desk; the code's format is in daifuku.domain.receipt_codes).

On the customer router; imported by the handler before the customer router is included.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from aws_lambda_powertools import Logger

from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.customer_routes import router
from functions.liff_api.request_context import json_object_body, signed_in_user_id, staff_desk

# The partner desk and its models load with this route's first request: the card's cold start
# does not pay for them (tests/unit/test_perf_lazy_imports.py).
if TYPE_CHECKING:
    from daifuku.domain.partner_desk import PartnerDesk

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")


def partner_desk() -> PartnerDesk:
    from daifuku.domain.api_keys import receipt_signing_key
    from daifuku.domain.card_token import card_signing_key
    from daifuku.domain.partner_desk import PartnerDesk

    wiring = current_wiring()
    secret = wiring.line_credentials().channel_secret.get_secret_value()
    return PartnerDesk(
        desk=staff_desk(router),
        keys=wiring.table.partner_api,
        receipts=wiring.table.partner_api,
        card_signing_key=card_signing_key(secret),
        receipt_key=receipt_signing_key(secret),
    )


@router.post("/liff/api/receipts/claim")
@tracer.capture_method
def claim_receipt_points() -> tuple[dict[str, Any], int]:
    from daifuku.models.partner_api import ReceiptClaimRequest

    user_id = signed_in_user_id(router)
    code = ReceiptClaimRequest.model_validate(json_object_body(router)).code
    result = partner_desk().claim_receipt_code(user_id, code)
    logger.info("receipt points claimed", extra={"points_added": result.points_added})
    return result.model_dump(mode="json"), 201
