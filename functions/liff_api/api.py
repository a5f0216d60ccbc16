"""/liff/api/*: the calls the LIFF pages make (registration, member card, profile).

Every route but the health check and the form definition starts from the LIFF ID token, verified by
LINE: the user id comes from it and from nothing else. Then the body, if any, is parsed; then the
domain answers. Domain errors become HTTP responses in one place, at the end of this module.
Loaded on the first request rather than at init (see handler.py).
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

from aws_lambda_powertools import Logger, Tracer
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import ValidationError

from daifuku.adapters.campaign_schedules import CampaignSchedules, CampaignScheduleTarget
from daifuku.adapters.campaign_table import CampaignTable
from daifuku.adapters.line_api import LineMessagingClient
from daifuku.adapters.line_credentials import LineCredentials, load_line_credentials
from daifuku.adapters.line_login import LineIdTokenVerifier
from daifuku.adapters.member_table import MemberTable
from daifuku.adapters.staff_table import StaffTable
from daifuku.domain.campaign_desk import CampaignDesk
from daifuku.domain.campaigns import CampaignProgress, InvalidTransition
from daifuku.domain.card_token import card_signing_key
from daifuku.domain.errors import (
    CampaignNotFound,
    CouponAlreadyClaimed,
    CouponAlreadyUsed,
    CouponExpired,
    CouponNotFound,
    CouponTemplateNotFound,
    FieldProblem,
    InvalidClaimCode,
    InvalidIdToken,
    InvalidRegistration,
    LineUnavailable,
    MemberNotFound,
    MemberNumberContention,
    NotEnoughPoints,
    NotExchangeable,
    NotOwner,
    NotStaff,
    RecordContention,
    RegistrationRequired,
)
from daifuku.domain.membership import MembershipDesk
from daifuku.domain.poster_codes import poster_signing_key
from daifuku.domain.registration import form_fields
from daifuku.domain.staff_desk import StaffDesk
from daifuku.models.membership import RegistrationFormView
from daifuku.models.shop import ShopConfig
from daifuku.models.staff import ClaimRequest, ExchangeRequest
from daifuku.settings import current_settings

logger = Logger(service="liff_api")
tracer = Tracer(service="liff_api")
app = APIGatewayHttpResolver(enable_validation=True)

# The registration form is a few hundred bytes; nothing the pages send comes near this.
MAX_BODY_BYTES = 16 * 1024
# LINE's rich-menu calls happen while the customer waits for the card: give up early, retry later.
RICH_MENU_TIMEOUT_SECONDS = 2


class BodyTooLarge(Exception):
    pass


class MalformedBody(Exception):
    pass


# Wiring: clients are created on first use and kept for the container's life.


@cache
def member_table() -> MemberTable:
    return MemberTable(current_settings().table_name)


def line_credentials() -> LineCredentials:
    return load_line_credentials(current_settings().line_secret_id)


def shop_config() -> ShopConfig:
    """Read once per request (one small GetItem): the owner's edits apply at once."""
    shop = app.context.get("shop_config")
    if not isinstance(shop, ShopConfig):
        shop = member_table().load_shop_config()
        app.append_context(shop_config=shop)  # the resolver clears its context after each request
    return shop


def shop_today() -> date:
    return datetime.now(ZoneInfo(current_settings().shop_timezone)).date()


def signed_in_user_id() -> str:
    """The LINE user id from the request's verified LIFF ID token (Authorization: Bearer …)."""
    header = app.current_event.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidIdToken("no bearer token")
    verifier = LineIdTokenVerifier(current_settings().line_api_endpoint, line_credentials().login_channel_id)
    return verifier.verify(token.strip()).user_id


def membership_desk() -> MembershipDesk:
    settings = current_settings()
    credentials = line_credentials()
    return MembershipDesk(
        repository=member_table(),
        rich_menus=LineMessagingClient.for_channel(
            credentials.channel_access_token, settings, timeout_seconds=RICH_MENU_TIMEOUT_SECONDS
        ),
        shop=shop_config(),
        card_signing_key=card_signing_key(credentials.channel_secret.get_secret_value()),
        timezone=ZoneInfo(settings.shop_timezone),
        counters=member_table(),
    )


@cache
def staff_table() -> StaffTable:
    return StaffTable(current_settings().table_name)


def staff_desk() -> StaffDesk:
    """The staff console's desk (staff_routes.py), also behind the customer's coupon routes below."""
    settings = current_settings()
    credentials = line_credentials()
    return StaffDesk(
        records=staff_table(),
        line=LineMessagingClient.for_channel(credentials.channel_access_token, settings),
        shop=shop_config(),
        timezone=ZoneInfo(settings.shop_timezone),
        poster_key=poster_signing_key(credentials.channel_secret.get_secret_value()),
    )


def json_object_body() -> dict[str, Any]:
    """The body as a JSON object; MalformedBody for anything else."""
    try:
        body = json.loads(app.current_event.decoded_body or "")
    except ValueError:
        raise MalformedBody from None
    if not isinstance(body, dict):
        raise MalformedBody
    return body


def log_notes(desk: MembershipDesk) -> None:
    for note in desk.notes:
        logger.warning("membership side effect", extra={"note": note})


def reject_oversized_bodies(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """Before anything else looks at the body, including LINE's token check."""
    body = app.current_event.body or ""
    size = len(body) * 3 // 4 if app.current_event.is_base64_encoded else len(body.encode())
    if size > MAX_BODY_BYTES:
        raise BodyTooLarge
    return next_middleware(app)


app.use(middlewares=[reject_oversized_bodies])


# Routes


@app.get("/liff/api/health")
@tracer.capture_method
def health() -> dict[str, str]:
    return {"status": "ok"}


@app.get("/liff/api/registration-form")
@tracer.capture_method
def registration_form() -> dict[str, Any]:
    """The shop's form: the same for every customer, so it needs no token."""
    shop = shop_config()
    return RegistrationFormView(
        shop_name=shop.shop_name,
        theme_color=shop.theme_color,
        registration_mode=shop.registration_mode,
        fields=form_fields(shop.registration_form, shop_today()),
    ).model_dump(mode="json")


@app.post("/liff/api/card")
@tracer.capture_method
def open_card() -> dict[str, Any]:
    """Open the member card; in guest-card-first shops this issues the number."""
    user_id = signed_in_user_id()
    desk = membership_desk()
    record = desk.open_card(user_id)
    view = desk.card_view(record)
    log_notes(desk)
    return view.model_dump(mode="json")


@app.get("/liff/api/card/token")
@tracer.capture_method
def card_token() -> dict[str, Any]:
    """A fresh QR token: card.html asks every 30 seconds."""
    user_id = signed_in_user_id()
    return membership_desk().current_card_token(user_id).model_dump(mode="json")


@app.post("/liff/api/registration")
@tracer.capture_method
def register() -> dict[str, Any]:
    user_id = signed_in_user_id()
    form = json_object_body()
    desk = membership_desk()
    result = desk.register(user_id, form)
    log_notes(desk)
    logger.info("registered", extra={"status": result.status, "legacy": result.legacy_number_claimed})
    return result.model_dump(mode="json")


@app.get("/liff/api/me")
@tracer.capture_method
def my_profile() -> dict[str, Any]:
    user_id = signed_in_user_id()
    return membership_desk().profile(user_id).model_dump(mode="json")


@app.put("/liff/api/me")
@tracer.capture_method
def edit_my_profile() -> dict[str, Any]:
    user_id = signed_in_user_id()
    form = json_object_body()
    return membership_desk().update_profile(user_id, form).model_dump(mode="json")


@app.delete("/liff/api/me")
@tracer.capture_method
def delete_my_data() -> dict[str, Any]:
    user_id = signed_in_user_id()
    desk = membership_desk()
    desk.delete_personal_data(user_id)
    log_notes(desk)
    logger.info("personal data deleted")
    return {"deleted": True}


# Staff: the routes are in staff_routes.py, each behind this check


def staff_role_of_caller(*, owner_only: bool = False) -> tuple[str, str]:
    """(user id, staff role) of the signed-in user; NotStaff / NotOwner for anyone else."""
    user_id = signed_in_user_id()
    role = member_table().staff_role(user_id)
    if role is None:
        raise NotStaff(user_id)
    if owner_only and role != "owner":
        raise NotOwner(user_id)
    return user_id, role


def campaign_desk() -> CampaignDesk:
    settings = current_settings()
    credentials = line_credentials()
    assert settings.campaign_schedule_group and settings.campaign_planner_arn
    assert settings.campaign_scheduler_role_arn
    return CampaignDesk(
        records=CampaignTable(member_table().table),
        schedules=CampaignSchedules(
            CampaignScheduleTarget(
                group_name=settings.campaign_schedule_group,
                planner_arn=settings.campaign_planner_arn,
                role_arn=settings.campaign_scheduler_role_arn,
            )
        ),
        quota=LineMessagingClient.for_channel(credentials.channel_access_token, settings),
        clock=lambda: datetime.now(UTC),
    )


def progress_json(progress: CampaignProgress) -> dict[str, Any]:
    return progress.model_dump(mode="json") | {"percent_done": progress.percent_done}


# Coupons the customer takes: the counter poster's claim code, and points exchanged for a coupon


@app.post("/liff/api/coupons/claim")
@tracer.capture_method
def claim_poster_coupon() -> tuple[dict[str, Any], int]:
    user_id = signed_in_user_id()
    code = ClaimRequest.model_validate(json_object_body()).code
    return staff_desk().claim_poster_coupon(user_id, code).model_dump(mode="json"), 201


@app.get("/liff/api/points/exchange")
@tracer.capture_method
def exchange_offer() -> dict[str, Any]:
    """What the member can buy with their points, for the card page."""
    points, templates = staff_desk().exchange_offer(signed_in_user_id())
    offered = [template.model_dump(mode="json", exclude={"created_at"}) for template in templates]
    return {"points": points, "templates": offered}


@app.post("/liff/api/points/exchange")
@tracer.capture_method
def exchange_points() -> tuple[dict[str, Any], int]:
    user_id = signed_in_user_id()
    request = ExchangeRequest.model_validate(json_object_body())
    coupon, created = staff_desk().exchange_points(user_id, request.template_id, request.exchange_id)
    return coupon.model_dump(mode="json"), 201 if created else 200


# Domain errors as HTTP, in one place


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None = None) -> Response:
    return Response(status, content_types.APPLICATION_JSON, body, headers=headers)


@app.exception_handler(InvalidIdToken)
def reject_unauthenticated(error: InvalidIdToken) -> Response:
    # The reason is LINE's wording ("IdToken expired."); the token itself is never logged.
    logger.info("ID token rejected", extra={"reason": str(error)})
    return _json(401, {"message": "invalid or missing LIFF ID token", "code": "unauthenticated"})


@app.exception_handler(LineUnavailable)
def line_unavailable(error: LineUnavailable) -> Response:
    logger.warning("LINE unavailable", extra={"status": error.status})
    return _json(503, {"message": "LINE is not answering; try again shortly", "code": "line_unavailable"})


@app.exception_handler(BodyTooLarge)
def reject_oversized(_: BodyTooLarge) -> Response:
    return _json(413, {"message": "request body too large", "code": "body_too_large"})


@app.exception_handler(MalformedBody)
def reject_malformed(_: MalformedBody) -> Response:
    return _json(400, {"message": "the body must be a JSON object", "code": "malformed_body"})


@app.exception_handler(InvalidRegistration)
def reject_invalid_fields(error: InvalidRegistration) -> Response:
    return _json(
        422,
        {
            "message": "some fields are not valid",
            "code": "invalid_fields",
            "errors": [_problem_json(problem) for problem in error.problems],
        },
    )


@app.exception_handler(RegistrationRequired)
def registration_required(_: RegistrationRequired) -> Response:
    return _json(409, {"message": "register first", "code": "registration_required"})


@app.exception_handler(MemberNotFound)
def member_not_found(_: MemberNotFound) -> Response:
    return _json(404, {"message": "no member card for this user", "code": "not_a_member"})


@app.exception_handler(NotStaff)
def not_staff(_: NotStaff) -> Response:
    return _json(403, {"message": "staff only", "code": "not_staff"})


@app.exception_handler(NotOwner)
def not_owner(_: NotOwner) -> Response:
    return _json(403, {"message": "owners only", "code": "not_owner"})


@app.exception_handler(CampaignNotFound)
def campaign_not_found(_: CampaignNotFound) -> Response:
    return _json(404, {"message": "no such campaign", "code": "campaign_not_found"})


@app.exception_handler(InvalidTransition)
def campaign_state_conflict(error: InvalidTransition) -> Response:
    return _json(409, {"message": f"not possible now: {error}", "code": "invalid_transition"})


@app.exception_handler(CouponNotFound)
def coupon_not_found(_: CouponNotFound) -> Response:
    return _json(404, {"message": "the member holds no such coupon", "code": "coupon_not_found"})


@app.exception_handler(CouponTemplateNotFound)
def coupon_template_not_found(_: CouponTemplateNotFound) -> Response:
    return _json(404, {"message": "no such coupon template", "code": "template_not_found"})


@app.exception_handler(CouponAlreadyUsed)
def coupon_already_used(_: CouponAlreadyUsed) -> Response:
    return _json(409, {"message": "this coupon was already used", "code": "coupon_already_used"})


@app.exception_handler(CouponExpired)
def coupon_expired(_: CouponExpired) -> Response:
    return _json(409, {"message": "this coupon has expired", "code": "coupon_expired"})


@app.exception_handler(CouponAlreadyClaimed)
def coupon_already_claimed(_: CouponAlreadyClaimed) -> Response:
    return _json(409, {"message": "this coupon was already claimed", "code": "coupon_already_claimed"})


@app.exception_handler(InvalidClaimCode)
def invalid_claim_code(error: InvalidClaimCode) -> Response:
    return _json(
        422, {"message": "this code is not valid today", "code": "invalid_claim_code", "reason": str(error)}
    )


@app.exception_handler(NotEnoughPoints)
def not_enough_points(_: NotEnoughPoints) -> Response:
    return _json(409, {"message": "not enough points", "code": "not_enough_points"})


@app.exception_handler(NotExchangeable)
def not_exchangeable(_: NotExchangeable) -> Response:
    return _json(409, {"message": "this coupon cannot be exchanged for points", "code": "not_exchangeable"})


@app.exception_handler(ValidationError)
def reject_invalid_model(error: ValidationError) -> Response:
    problems = [
        {"field": ".".join(str(part) for part in problem["loc"]), "code": problem["type"]}
        for problem in error.errors()
    ]
    return _json(422, {"message": "some fields are not valid", "code": "invalid_fields", "errors": problems})


@app.exception_handler([MemberNumberContention, RecordContention])
def numbering_busy(error: MemberNumberContention | RecordContention) -> Response:
    logger.warning("write contention: gave up", extra={"error": type(error).__name__})
    return _json(503, {"message": "busy; try again", "code": "busy"}, headers={"Retry-After": "1"})


def _problem_json(problem: FieldProblem) -> dict[str, str]:
    return {"field": problem.field, "code": problem.code}


# The staff console's routes (they use the wiring above, so they are included last).
from functions.liff_api.staff_routes import router as staff_router  # noqa: E402

app.include_router(staff_router)
