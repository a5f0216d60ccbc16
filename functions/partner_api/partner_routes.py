"""/api/v1/: the partner API's routes, each with the scope it needs and every answer it can give, so
that the OpenAPI document Powertools generates from them (`/api/v1/openapi.json`, checked in as
docs/partner-api.openapi.json) is the whole contract.

The gate (gate.py) has already checked the key and its rate; `require` checks the route's scope.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.api_gateway import Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from aws_lambda_powertools.event_handler.openapi.models import APIKey, APIKeyIn, Server
from aws_lambda_powertools.event_handler.openapi.params import Body, Path

from daifuku.domain.api_keys import ApiKeyRecord, Scope, receipt_signing_key, require_scope
from daifuku.domain.card_token import card_signing_key
from daifuku.domain.inflow_routes import RouteDesk
from daifuku.domain.partner_desk import PartnerDesk
from daifuku.domain.poster_codes import poster_signing_key
from daifuku.domain.staff_desk import StaffDesk
from daifuku.models.boundary_types import KeyId
from daifuku.models.partner_api import (
    ApiErrorBody,
    LookupRequest,
    MemberNo,
    MemberRef,
    PartnerMember,
    PartnerVisitRequest,
    PartnerVisitResult,
    PurchaseRequest,
    PurchaseResult,
    ReceiptCodeRequest,
    ReceiptCodeResult,
    RedeemResult,
)
from daifuku.wiring import current_wiring
from functions.partner_api.gate import MAX_BODY_BYTES, OPENAPI_PATH

PREFIX = "/api/v1"
TITLE = "Daifuku partner API"
VERSION = "1.0.0"
router = Router()

# What each refusal means, as the document says it.
REFUSALS: dict[int, str] = {
    400: "The body is not JSON.",
    401: "No API key, or an unknown or revoked one (X-Api-Key or Authorization: Bearer).",
    403: "The key's scopes do not allow this call.",
    404: "No such member (or coupon).",
    409: "The id was used for a different request, or the coupon is used or expired.",
    413: f"The body is over {MAX_BODY_BYTES} bytes.",
    422: "A field is not valid (the errors name each), or the card QR is stale or not this shop's.",
    429: "The key made its calls for this minute; Retry-After says when to try again.",
}


def responses(ok: dict[int, tuple[str, type]], *refusals: int) -> dict[int, Any]:
    """The route's documented answers: its successes with their models, then its refusals."""
    documented: dict[int, Any] = {
        status: {"description": text, "content": {"application/json": {"model": model}}}
        for status, (text, model) in ok.items()
    }
    for status in refusals:
        documented[status] = {
            "description": REFUSALS[status],
            "content": {"application/json": {"model": ApiErrorBody}},
        }
    return documented


def require(scope: Scope) -> Callable[[APIGatewayHttpResolver, NextMiddleware], Response]:
    def scope_check(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
        require_scope(caller(), scope)
        return next_middleware(app)

    return scope_check


def caller() -> ApiKeyRecord:
    """The key of this call (put in the context by the gate)."""
    key = router.context["api_key"]
    assert isinstance(key, ApiKeyRecord)
    return key


def partner_desk() -> PartnerDesk:
    wiring = current_wiring()
    table = wiring.table
    secret = wiring.line_credentials().channel_secret.get_secret_value()
    desk = StaffDesk(
        members=table.members,
        care=table.member_care,
        search_index=table.member_reader(),
        coupons=table.coupons,
        points=table.points,
        stats=table.stats,
        line=wiring.line(),
        shop=table.shop_config.load_shop_config(),
        timezone=wiring.timezone,
        poster_key=poster_signing_key(secret),
        # A register's purchase is a visit like the counter's: the same events, scenario triggers,
        # route and campaign figures, and the rank-up message under the same frequency cap.
        clock=wiring.clock,
        events=wiring.shop_events,
        scenarios=wiring.scenario_engine(),
        routes=RouteDesk(
            records=table.inflow_routes,
            actions=table.inflow_routes,
            timezone=wiring.timezone,
            clock=wiring.clock,
            scenarios=wiring.scenario_engine(),
            scenario_lookup=table.scenarios(),
        ),
        campaign_results=table.campaign_funnel,
        cap=table.frequency_cap(),
    )
    return PartnerDesk(
        desk=desk,
        keys=table.partner_api,
        receipts=table.partner_api,
        card_signing_key=card_signing_key(secret),
        receipt_key=receipt_signing_key(secret),
    )


def json_response(model: Any, status: int) -> Response:
    return Response(status, content_types.APPLICATION_JSON, model.model_dump(mode="json"))


# Members

LOOKUP_REFUSALS = (401, 403, 404, 422, 429)
BODY_REFUSALS = (400, 413)


@router.post(
    f"{PREFIX}/members/lookup",
    summary="Look up a member by the scanned card QR or the member number",
    description="Scope members:read; the personal fields need members:read:personal.",
    responses=responses({200: ("The member", PartnerMember)}, *BODY_REFUSALS, *LOOKUP_REFUSALS),
    tags=["members"],
    middlewares=[require(Scope.MEMBERS_READ)],
)
def lookup_member(request: Annotated[LookupRequest, Body()]) -> PartnerMember:
    return partner_desk().lookup(caller(), request)


@router.get(
    f"{PREFIX}/members/<member_no>",
    summary="Look up a member by number",
    description="Scope members:read; the personal fields need members:read:personal.",
    responses=responses({200: ("The member", PartnerMember)}, *LOOKUP_REFUSALS),
    tags=["members"],
    middlewares=[require(Scope.MEMBERS_READ)],
)
def member_by_number(member_no: Annotated[MemberNo, Path()]) -> PartnerMember:
    return partner_desk().lookup(caller(), MemberRef(member_no=member_no))


# Purchases, visits and coupons


@router.post(
    f"{PREFIX}/purchases",
    summary="Record a purchase: points by the shop's rule, once per receipt id",
    description="Scope points:write. The same request again answers 200 with the same points added; "
    "the same receipt_id with another member, amount or store is refused with 409.",
    responses=responses(
        {201: ("Points given", PurchaseResult), 200: ("Already recorded: the same result", PurchaseResult)},
        *BODY_REFUSALS,
        401,
        403,
        404,
        409,
        422,
        429,
    ),
    tags=["points"],
    middlewares=[require(Scope.POINTS_WRITE)],
)
def record_purchase(request: Annotated[PurchaseRequest, Body()]) -> Response[PurchaseResult]:
    result, created = partner_desk().record_purchase(caller(), request)
    return json_response(result, 201 if created else 200)


@router.post(
    f"{PREFIX}/visits",
    summary="Record a visit (no purchase): the shop's points per visit, once per visit id",
    description="Scope visits:write.",
    responses=responses(
        {201: ("Visit recorded", PartnerVisitResult), 200: ("Already recorded", PartnerVisitResult)},
        *BODY_REFUSALS,
        401,
        403,
        404,
        409,
        422,
        429,
    ),
    tags=["points"],
    middlewares=[require(Scope.VISITS_WRITE)],
)
def record_visit(request: Annotated[PartnerVisitRequest, Body()]) -> Response[PartnerVisitResult]:
    result, created = partner_desk().record_visit(caller(), request)
    return json_response(result, 201 if created else 200)


@router.post(
    f"{PREFIX}/members/<member_no>/coupons/<coupon_id>/redeem",
    summary="Use a member's coupon, once, as at the counter",
    description="Scope coupons:redeem. Two registers redeeming the same coupon at once: one gets 200, "
    "the other 409 coupon_already_used.",
    responses=responses({200: ("Used", RedeemResult)}, 401, 403, 404, 409, 422, 429),
    tags=["coupons"],
    middlewares=[require(Scope.COUPONS_REDEEM)],
)
def redeem_coupon(
    member_no: Annotated[MemberNo, Path()], coupon_id: Annotated[KeyId, Path()]
) -> RedeemResult:
    return partner_desk().redeem(caller(), MemberRef(member_no=member_no), coupon_id)


# Receipt QR codes


@router.post(
    f"{PREFIX}/receipt-codes",
    summary="Make the one-time code of a receipt's QR",
    description="Scope points:write. The customer scans the QR with the member card page and gets the "
    "purchase's points once. A POS can make the same code offline with its receipt secret "
    "(docs/deploy.md, 'POS integration').",
    responses=responses({201: ("The code to print", ReceiptCodeResult)}, *BODY_REFUSALS, 401, 403, 422, 429),
    tags=["points"],
    middlewares=[require(Scope.POINTS_WRITE)],
)
def make_receipt_code(request: Annotated[ReceiptCodeRequest, Body()]) -> Response[ReceiptCodeResult]:
    return json_response(partner_desk().make_receipt_code(caller(), request), 201)


def openapi_document(app: APIGatewayHttpResolver) -> str:
    """The API's OpenAPI document, as served and as checked in."""
    return app.get_openapi_json_schema(
        title=TITLE,
        version=VERSION,
        description="The shop's POS and other systems: members, purchases, visits, coupons and receipt "
        "QR codes. Every call but this document needs an API key made by the owner in 設定.",
        servers=[Server(url="/")],
        security_schemes={"apiKey": APIKey.model_validate({"name": "X-Api-Key", "in": APIKeyIn.header})},
        security=[{"apiKey": []}],
    )


def build_resolver() -> APIGatewayHttpResolver:
    from functions.partner_api.http_errors import answer_with_http_errors

    app = APIGatewayHttpResolver(enable_validation=True)
    app.include_router(router)

    served: list[str] = []  # generated on the first request for it, then kept

    @app.get(OPENAPI_PATH, include_in_schema=False)
    def openapi_json():  # type: ignore[no-untyped-def]  # unannotated: the resolver passes it through
        if not served:
            served.append(openapi_document(app))
        return Response(200, content_types.APPLICATION_JSON, served[0])

    answer_with_http_errors(app)
    return app


if __name__ == "__main__":
    # The checked-in copy:
    #   python -m functions.partner_api.partner_routes > docs/partner-api.openapi.json
    import json

    print(json.dumps(json.loads(openapi_document(build_resolver())), indent=2, ensure_ascii=False))
