"""Domain errors become the LIFF API's HTTP answers through one table."""

import json

from daifuku.domain.errors import (
    CouponExpired,
    InvalidClaimCode,
    InvalidTransition,
    MemberNotFound,
    RecordContention,
)
from functions.liff_api.http_errors import HTTP_ERRORS, http_error_for


def answer(error: Exception) -> tuple[int, dict, dict]:
    response = http_error_for(error).response(error)
    body = response.body if isinstance(response.body, dict) else json.loads(response.body or "{}")
    return response.status_code, body, dict(response.headers)


def test_each_error_answers_with_its_status_and_code():
    assert answer(MemberNotFound("U1"))[:2] == (
        404,
        {"message": "no member card for this user", "code": "not_a_member"},
    )
    assert answer(CouponExpired("c1"))[:2] == (
        409,
        {"message": "this coupon has expired", "code": "coupon_expired"},
    )


def test_details_come_from_the_error_and_busy_says_when_to_retry():
    status, body, _ = answer(InvalidClaimCode("expired"))
    assert (status, body["code"], body["reason"]) == (422, "invalid_claim_code", "expired")
    assert answer(InvalidTransition("done → sending"))[1]["message"] == "not possible now: done → sending"
    status, body, headers = answer(RecordContention("U1"))
    assert (status, body["code"], headers.get("Retry-After")) == (503, "busy", "1")


def test_a_subclass_of_a_listed_error_answers_as_its_base():
    class SpecialNotFound(MemberNotFound):
        pass

    assert answer(SpecialNotFound("U1"))[0] == 404
    assert all(400 <= entry.status < 600 for entry in HTTP_ERRORS.values())
