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
from daifuku.domain.campaign_desk import CampaignDesk, CampaignRequest
from daifuku.domain.campaigns import CampaignProgress, InvalidTransition
from daifuku.domain.card_token import card_signing_key
from daifuku.domain.errors import (
    CampaignNotFound,
    FieldProblem,
    InvalidIdToken,
    InvalidRegistration,
    LineUnavailable,
    MemberNotFound,
    MemberNumberContention,
    NotOwner,
    NotStaff,
    RegistrationRequired,
)
from daifuku.domain.membership import MembershipDesk
from daifuku.domain.registration import form_fields
from daifuku.domain.segments import Segment
from daifuku.models.membership import RegistrationFormView
from daifuku.models.shop import ShopConfig
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
    """Read on every request (one small GetItem): the owner's edits apply at once."""
    return member_table().load_shop_config()


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


@app.post("/liff/api/staff/card-check")
@tracer.capture_method
def check_card() -> dict[str, Any]:
    """The staff scanner: is this QR a live member card? (The scanner page is a later issue.)"""
    user_id = signed_in_user_id()
    token = json_object_body().get("token")
    if not isinstance(token, str):
        raise InvalidRegistration([FieldProblem("token", "required")])
    check = membership_desk().check_card_token(user_id, token)
    return {
        "valid": check.valid,
        "reason": check.reason,
        "member_no": check.member_no,
        "status": check.status,
    }


# Staff: campaigns (the staff console's composer, progress bar and results)


def staff_role_of_caller(*, owner_only: bool = False) -> str:
    """The signed-in user's staff role; NotStaff / NotOwner for anyone else."""
    user_id = signed_in_user_id()
    role = member_table().staff_role(user_id)
    if role is None:
        raise NotStaff(user_id)
    if owner_only and role != "owner":
        raise NotOwner(user_id)
    return role


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


@app.post("/liff/api/staff/segments/estimate")
@tracer.capture_method
def estimate_segment() -> dict[str, Any]:
    """The composer's live count: the recipients the planner would pick now, and what it costs."""
    staff_role_of_caller()
    segment = Segment.model_validate(json_object_body().get("segment", {}))
    estimate = campaign_desk().estimate(segment)
    return estimate.model_dump(mode="json") | {"within_quota": estimate.within_quota}


@app.post("/liff/api/staff/campaigns")
@tracer.capture_method
def create_campaign() -> tuple[dict[str, Any], int]:
    staff_role_of_caller(owner_only=True)
    request = CampaignRequest.model_validate(json_object_body())
    campaign, start_at = campaign_desk().create(request)
    logger.info("campaign scheduled", extra={"campaign_id": campaign.campaign_id, "start_at": str(start_at)})
    created = {"campaign_id": campaign.campaign_id, "status": campaign.status.value}
    return created | {"start_at": start_at.isoformat()}, 201


@app.get("/liff/api/staff/campaigns")
@tracer.capture_method
def list_campaigns() -> dict[str, Any]:
    staff_role_of_caller()
    return {"campaigns": [progress_json(p) for p in CampaignTable(member_table().table).recent_campaigns()]}


@app.get("/liff/api/staff/campaigns/<campaign_id>")
@tracer.capture_method
def campaign_progress(campaign_id: str) -> dict[str, Any]:
    staff_role_of_caller()
    return progress_json(campaign_desk().progress(campaign_id))


@app.post("/liff/api/staff/campaigns/<campaign_id>/cancel")
@tracer.capture_method
def cancel_campaign(campaign_id: str) -> dict[str, Any]:
    staff_role_of_caller(owner_only=True)
    campaign = campaign_desk().cancel(campaign_id)
    logger.info("campaign cancelled", extra={"campaign_id": campaign_id})
    return {"campaign_id": campaign_id, "status": campaign.status.value}


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


@app.exception_handler(ValidationError)
def reject_invalid_model(error: ValidationError) -> Response:
    problems = [
        {"field": ".".join(str(part) for part in problem["loc"]), "code": problem["type"]}
        for problem in error.errors()
    ]
    return _json(422, {"message": "some fields are not valid", "code": "invalid_fields", "errors": problems})


@app.exception_handler(MemberNumberContention)
def numbering_busy(_: MemberNumberContention) -> Response:
    logger.warning("member number contention: gave up")
    return _json(503, {"message": "busy; try again", "code": "busy"}, headers={"Retry-After": "1"})


def _problem_json(problem: FieldProblem) -> dict[str, str]:
    return {"field": problem.field, "code": problem.code}
