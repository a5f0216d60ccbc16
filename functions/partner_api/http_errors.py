"""The partner API's errors as HTTP: one table, error → status, code and message (liff_api has its own
for its pages; this function is packaged alone, so it holds the table for its routes)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.event_handler.openapi.exceptions import RequestValidationError

from daifuku.domain.api_keys import ScopeMissing
from daifuku.domain.errors import (
    CouponAlreadyUsed,
    CouponExpired,
    CouponNotFound,
    ExpiredCardToken,
    IdempotencyKeyReused,
    InvalidCardToken,
    MemberNotFound,
    RecordContention,
)


@dataclass(frozen=True)
class HttpError:
    status: int
    code: str
    message: str | Callable[[Any], str]
    headers: dict[str, str] | None = None

    def response(self, error: Exception) -> Response:
        message = self.message(error) if callable(self.message) else self.message
        body = {"message": message, "code": self.code}
        return Response(self.status, content_types.APPLICATION_JSON, body, headers=self.headers)


HTTP_ERRORS: dict[type[Exception], HttpError] = {
    ScopeMissing: HttpError(
        403, "scope_missing", lambda error: f"this key lacks the scope {error.scope.value}"
    ),
    MemberNotFound: HttpError(404, "member_not_found", "no member with this number or card"),
    ExpiredCardToken: HttpError(
        422, "card_token_expired", "the card QR is more than a minute old; scan it again"
    ),
    InvalidCardToken: HttpError(422, "card_token_invalid", "this QR is not a member card of this shop"),
    CouponNotFound: HttpError(404, "coupon_not_found", "the member holds no such coupon"),
    CouponAlreadyUsed: HttpError(409, "coupon_already_used", "this coupon was already used"),
    CouponExpired: HttpError(409, "coupon_expired", "this coupon has expired"),
    IdempotencyKeyReused: HttpError(
        409, "idempotency_key_reused", "this id was already used for a different request; send a new id"
    ),
    RecordContention: HttpError(503, "busy", "busy; try again", headers={"Retry-After": "1"}),
}


def _validation_problems(error: RequestValidationError) -> tuple[int, str, list[dict[str, str]]]:
    problems = error.errors()
    if any(problem.get("type") == "json_invalid" for problem in problems):
        return 400, "malformed_body", []
    fields = [
        {"field": ".".join(str(part) for part in problem["loc"]), "code": str(problem["type"])}
        for problem in problems
    ]
    return 422, "invalid_fields", fields


def answer_with_http_errors(app: APIGatewayHttpResolver) -> None:
    """Register the table on `app`, and the request validation's 400/422 in the same JSON shape."""

    @app.exception_handler(list(HTTP_ERRORS))
    def domain_error(error: Exception) -> Response:
        cls = next(cls for cls in type(error).__mro__ if cls in HTTP_ERRORS)
        return HTTP_ERRORS[cls].response(error)

    @app.exception_handler(RequestValidationError)
    def invalid_request(error: RequestValidationError) -> Response:
        status, code, fields = _validation_problems(error)
        message = "the body must be a JSON object" if status == 400 else "some fields are not valid"
        body: dict[str, Any] = {"message": message, "code": code} | ({"errors": fields} if fields else {})
        return Response(status, content_types.APPLICATION_JSON, body)

    @app.not_found
    def not_found(_: Exception) -> Response:
        return Response(
            404, content_types.APPLICATION_JSON, {"message": "no such route", "code": "not_found"}
        )
