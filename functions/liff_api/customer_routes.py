"""/liff/api/*: the customer's calls from the LIFF pages (registration, member card, profile, and the
coupons they take: the counter poster's claim code, and points exchanged for a coupon)."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Router

from daifuku.domain.membership import MembershipDesk
from daifuku.domain.registration import form_fields
from daifuku.models.membership import RegistrationFormView
from daifuku.models.staff import ClaimRequest, ExchangeRequest
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import (
    coupon_desk,
    json_object_body,
    membership_desk,
    shop_config,
    shop_today,
    signed_in_user_id,
)

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")
router = Router()


def forget_message_images(user_id: str) -> None:
    """A customer's deletion of their data: their photos go from the bucket at once."""
    images = current_wiring().message_images
    if images is not None:
        images.delete_user(user_id)


def log_notes(desk: MembershipDesk) -> None:
    for note in desk.notes:
        logger.warning("membership side effect", extra={"note": note})


@router.get("/liff/api/health")
@tracer.capture_method
def health() -> dict[str, str]:
    return {"status": "ok"}


@router.get("/liff/api/registration-form")
@tracer.capture_method
def registration_form() -> dict[str, Any]:
    """The shop's form: the same for every customer, so it needs no token."""
    shop = shop_config(router)
    return RegistrationFormView(
        shop_name=shop.shop_name,
        theme_color=shop.theme_color,
        registration_mode=shop.registration_mode,
        fields=form_fields(shop.registration_form, shop_today()),
    ).model_dump(mode="json")


@router.post("/liff/api/card")
@tracer.capture_method
def open_card() -> dict[str, Any]:
    """Open the member card; in guest-card-first shops this issues the number."""
    user_id = signed_in_user_id(router)
    desk = membership_desk(router)
    record = desk.open_card(user_id)
    view = desk.card_view(record)
    log_notes(desk)
    return view.model_dump(mode="json")


@router.get("/liff/api/card/token")
@tracer.capture_method
def card_token() -> dict[str, Any]:
    """A fresh QR token: card.html asks every 30 seconds."""
    user_id = signed_in_user_id(router)
    return membership_desk(router).current_card_token(user_id).model_dump(mode="json")


@router.post("/liff/api/registration")
@tracer.capture_method
def register() -> dict[str, Any]:
    user_id = signed_in_user_id(router)
    form = json_object_body(router)
    desk = membership_desk(router)
    result = desk.register(user_id, form)
    log_notes(desk)
    logger.info("registered", extra={"status": result.status, "legacy": result.legacy_number_claimed})
    return result.model_dump(mode="json")


@router.get("/liff/api/me")
@tracer.capture_method
def my_profile() -> dict[str, Any]:
    user_id = signed_in_user_id(router)
    return membership_desk(router).profile(user_id).model_dump(mode="json")


@router.put("/liff/api/me")
@tracer.capture_method
def edit_my_profile() -> dict[str, Any]:
    user_id = signed_in_user_id(router)
    form = json_object_body(router)
    return membership_desk(router).update_profile(user_id, form).model_dump(mode="json")


@router.delete("/liff/api/me")
@tracer.capture_method
def delete_my_data() -> dict[str, Any]:
    user_id = signed_in_user_id(router)
    desk = membership_desk(router)
    desk.delete_personal_data(user_id)  # their messages too: they are in the user's partition
    forget_message_images(user_id)
    log_notes(desk)
    logger.info("personal data deleted")
    return {"deleted": True}


# Coupons the customer takes


@router.post("/liff/api/coupons/claim")
@tracer.capture_method
def claim_poster_coupon() -> tuple[dict[str, Any], int]:
    user_id = signed_in_user_id(router)
    code = ClaimRequest.model_validate(json_object_body(router)).code
    coupon, claimed_now = coupon_desk(router).claim_poster_coupon(user_id, code)
    return coupon.model_dump(mode="json"), 201 if claimed_now else 200


@router.get("/liff/api/points/exchange")
@tracer.capture_method
def exchange_offer() -> dict[str, Any]:
    """What the member can buy with their points, for the card page."""
    points, templates = coupon_desk(router).exchange_offer(signed_in_user_id(router))
    offered = [template.model_dump(mode="json", exclude={"created_at"}) for template in templates]
    return {"points": points, "templates": offered}


@router.post("/liff/api/points/exchange")
@tracer.capture_method
def exchange_points() -> tuple[dict[str, Any], int]:
    user_id = signed_in_user_id(router)
    request = ExchangeRequest.model_validate(json_object_body(router))
    coupon, created = coupon_desk(router).exchange_points(user_id, request.template_id, request.exchange_id)
    return coupon.model_dump(mode="json"), 201 if created else 200
