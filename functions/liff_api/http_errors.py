"""Domain errors as HTTP responses: one table, error → status, code and message, read by one handler."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from pydantic import ValidationError

from daifuku.domain.errors import (
    AlreadyStaff,
    ApiKeyNotFound,
    AutoReplyRuleNotFound,
    CampaignNotFound,
    ConversationNotFound,
    CouponAlreadyClaimed,
    CouponAlreadyUsed,
    CouponExpired,
    CouponNotFound,
    CouponTemplateNotFound,
    CustomerUnreachable,
    EventEndpointNotFound,
    IdempotencyKeyReused,
    InvalidClaimCode,
    InvalidIdToken,
    InvalidInvitation,
    InvalidOutgoingUrl,
    InvalidRegistration,
    InvalidTransition,
    LastOwner,
    LineUnavailable,
    MemberNotFound,
    MemberNumberContention,
    MemberNumberFormatLocked,
    MenuImageRefused,
    NotEnoughPoints,
    NotExchangeable,
    NotOwner,
    NotStaff,
    RecordContention,
    RegistrationRequired,
    StaffNotFound,
    TooMany,
    TooManyEventEndpoints,
    UnknownSettingsSection,
)
from daifuku.domain.inflow_routes import RouteNameTaken, RouteNotFound
from daifuku.domain.receipt_codes import ReceiptCodeRefused
from daifuku.domain.scenarios import ScenarioEditConflict, ScenarioError, ScenarioNotFound
from functions.liff_api.request_context import BodyTooLarge, MalformedBody

logger = Logger(service="liff_api")


@dataclass(frozen=True)
class HttpError:
    status: int
    code: str
    message: str | Callable[[Any], str]
    details: Callable[[Any], dict[str, Any]] | None = None  # more of the body, from the error
    headers: dict[str, str] = field(default_factory=dict)
    log: Callable[[Any], None] | None = None  # what the operator should see in the logs

    def response(self, error: Exception) -> Response:
        message = self.message(error) if callable(self.message) else self.message
        body = {"message": message, "code": self.code} | (self.details(error) if self.details else {})
        return Response(self.status, content_types.APPLICATION_JSON, body, headers=self.headers or None)


def _field_problems(error: InvalidRegistration) -> dict[str, Any]:
    return {"errors": [{"field": problem.field, "code": problem.code} for problem in error.problems]}


def _model_problems(error: ValidationError) -> dict[str, Any]:
    problems = [
        {"field": ".".join(str(part) for part in problem["loc"]), "code": problem["type"]}
        for problem in error.errors()
    ]
    return {"errors": problems}


def _log_rejected_token(error: InvalidIdToken) -> None:
    # The reason is LINE's wording ("IdToken expired."); the token itself is never logged.
    logger.info("ID token rejected", extra={"reason": str(error)})


def _log_line_unavailable(error: LineUnavailable) -> None:
    logger.warning("LINE unavailable", extra={"status": error.status})


def _log_contention(error: Exception) -> None:
    logger.warning("write contention: gave up", extra={"error": type(error).__name__})


BUSY = HttpError(503, "busy", "busy; try again", headers={"Retry-After": "1"}, log=_log_contention)
INVALID_FIELDS = "some fields are not valid"

HTTP_ERRORS: dict[type[Exception], HttpError] = {
    InvalidIdToken: HttpError(
        401, "unauthenticated", "invalid or missing LIFF ID token", log=_log_rejected_token
    ),
    LineUnavailable: HttpError(
        503, "line_unavailable", "LINE is not answering; try again shortly", log=_log_line_unavailable
    ),
    BodyTooLarge: HttpError(413, "body_too_large", "request body too large"),
    MalformedBody: HttpError(400, "malformed_body", "the body must be a JSON object"),
    InvalidRegistration: HttpError(422, "invalid_fields", INVALID_FIELDS, details=_field_problems),
    ValidationError: HttpError(422, "invalid_fields", INVALID_FIELDS, details=_model_problems),
    RegistrationRequired: HttpError(409, "registration_required", "register first"),
    MemberNotFound: HttpError(404, "not_a_member", "no member card for this user"),
    NotStaff: HttpError(403, "not_staff", "staff only"),
    NotOwner: HttpError(403, "not_owner", "owners only"),
    CampaignNotFound: HttpError(404, "campaign_not_found", "no such campaign"),
    # Inflow routes
    RouteNotFound: HttpError(404, "route_not_found", "no such route"),
    RouteNameTaken: HttpError(409, "route_name_taken", "another route has this name"),
    InvalidTransition: HttpError(409, "invalid_transition", lambda error: f"not possible now: {error}"),
    CouponNotFound: HttpError(404, "coupon_not_found", "the member holds no such coupon"),
    CouponTemplateNotFound: HttpError(404, "template_not_found", "no such coupon template"),
    CouponAlreadyUsed: HttpError(409, "coupon_already_used", "this coupon was already used"),
    CouponExpired: HttpError(409, "coupon_expired", "this coupon has expired"),
    CouponAlreadyClaimed: HttpError(409, "coupon_already_claimed", "this coupon was already claimed"),
    InvalidClaimCode: HttpError(
        422,
        "invalid_claim_code",
        "this code is not valid today",
        details=lambda error: {"reason": str(error)},
    ),
    NotEnoughPoints: HttpError(409, "not_enough_points", "not enough points"),
    NotExchangeable: HttpError(409, "not_exchangeable", "this coupon cannot be exchanged for points"),
    InvalidInvitation: HttpError(
        422,
        "invalid_invitation",
        "this invitation link cannot be used",
        details=lambda error: {"reason": str(error)},
    ),
    AlreadyStaff: HttpError(409, "already_staff", "already on the staff"),
    StaffNotFound: HttpError(404, "staff_not_found", "no such staff member"),
    LastOwner: HttpError(409, "last_owner", "the shop must keep at least one owner"),
    UnknownSettingsSection: HttpError(404, "unknown_section", "no such settings section"),
    MemberNumberFormatLocked: HttpError(
        409,
        "member_number_format_locked",
        "the member-number format cannot change once a number has been issued",
    ),
    IdempotencyKeyReused: HttpError(
        409,
        "idempotency_key_reused",
        "this id was already used for a different request; send a new id",
        details=lambda error: {"key": str(error)},
    ),
    # The owner's rich menu image: the painter's reason in Japanese, and the field as any 422 names it.
    MenuImageRefused: HttpError(
        422,
        "invalid_fields",
        lambda error: error.message,
        details=lambda error: {"errors": [{"field": "image_base64", "code": error.reason}]},
    ),
    ApiKeyNotFound: HttpError(404, "api_key_not_found", "no such API key"),
    ReceiptCodeRefused: HttpError(
        422,
        "receipt_code_refused",
        "this receipt code gives no points",
        details=lambda error: {"reason": error.reason.value},
    ),
    ScenarioNotFound: HttpError(404, "scenario_not_found", "no such scenario"),
    ScenarioError: HttpError(422, "invalid_scenario", str),
    ScenarioEditConflict: HttpError(
        409,
        "scenario_edit_conflict",
        "someone else saved this scenario meanwhile; reload it and edit again",
        details=lambda error: {"current_version": error.current},
    ),
    # Conversations (the inbox and the auto-replies)
    ConversationNotFound: HttpError(404, "conversation_not_found", "no conversation with this customer"),
    CustomerUnreachable: HttpError(
        409, "customer_unreachable", "this customer blocked the shop or deleted their data"
    ),
    AutoReplyRuleNotFound: HttpError(404, "rule_not_found", "no such auto-reply rule"),
    TooMany: HttpError(409, "too_many", lambda error: f"the shop keeps no more {error}"),
    MemberNumberContention: BUSY,
    RecordContention: BUSY,
    # Connect: outgoing events and the webhook forwarding
    InvalidOutgoingUrl: HttpError(
        422,
        "invalid_url",
        "Daifuku cannot send to this URL",
        details=lambda error: {"errors": [{"field": "url", "code": error.reason}]},
    ),
    EventEndpointNotFound: HttpError(404, "endpoint_not_found", "no such event endpoint"),
    TooManyEventEndpoints: HttpError(
        409, "too_many_endpoints", "the shop has the most endpoints it may have"
    ),
}


def http_error_for(error: Exception) -> HttpError:
    """The table's entry for `error`'s class or its nearest listed base class (KeyError: not listed)."""
    return HTTP_ERRORS[next(cls for cls in type(error).__mro__ if cls in HTTP_ERRORS)]


def answer_with_http_errors(app: APIGatewayHttpResolver) -> None:
    """Register the table on `app`: one exception handler for every error it lists."""

    @app.exception_handler(list(HTTP_ERRORS))
    def domain_error(error: Exception) -> Response:
        http_error = http_error_for(error)
        if http_error.log is not None:
            http_error.log(error)
        return http_error.response(error)
