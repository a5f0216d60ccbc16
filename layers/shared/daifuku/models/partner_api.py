"""What crosses the partner API (/api/v1/, functions/partner_api/) and the owner's key screen in 設定.

The request models are the OpenAPI document's schemas (docs/partner-api.openapi.json), so every
field carries a description and the boundary types that keep it out of trouble further in.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from daifuku.domain.api_keys import DEFAULT_CALLS_PER_MINUTE, Scope
from daifuku.models.boundary_types import MAX_AMOUNT, ClientId, KeyId, StoreId, Text

ReceiptId = Annotated[
    str,
    Field(
        pattern=r"^[A-Za-z0-9_-]{1,48}$",
        description="The POS's id of the receipt: a receipt earns points once, whichever way it comes.",
    ),
]
CardToken = Annotated[str, Text(200), Field(description="The scanned member card QR (`DC1.…`).")]
MemberNo = Annotated[KeyId, Field(description="The member number as printed on the card (1 finds 000001).")]
AmountYen = Annotated[int, Field(ge=0, le=MAX_AMOUNT, description="The bill in yen, tax included.")]
KeyName = Annotated[str, Text(20)]


class Request(BaseModel):
    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)


class MemberRef(Request):
    """Whose: the card's QR as scanned, or the member number (exactly one)."""

    model_config = ConfigDict(defer_build=True)

    card_token: CardToken | None = None
    member_no: MemberNo | None = None

    @model_validator(mode="after")
    def _exactly_one(self) -> MemberRef:
        if (self.card_token is None) == (self.member_no is None):
            raise ValueError("send exactly one of card_token and member_no")
        return self


class LookupRequest(MemberRef):
    model_config = ConfigDict(defer_build=True)
    pass


class PurchaseRequest(MemberRef):
    model_config = ConfigDict(defer_build=True)
    receipt_id: ReceiptId
    amount_yen: AmountYen
    store_id: StoreId | None = None


class PartnerVisitRequest(MemberRef):
    model_config = ConfigDict(defer_build=True)
    visit_id: Annotated[ClientId, Field(description="The POS's id of this visit: a retry records it once.")]
    store_id: StoreId | None = None


class ReceiptCodeRequest(Request):
    model_config = ConfigDict(defer_build=True)
    receipt_id: ReceiptId
    amount_yen: AmountYen
    store_id: StoreId | None = None


# Answers


class PartnerCoupon(BaseModel):
    model_config = ConfigDict(defer_build=True)
    coupon_id: str
    title: str
    discount_text: str
    expires_on: date | None


class PersonalFields(BaseModel):
    """Only for keys with the `members:read:personal` scope."""

    model_config = ConfigDict(defer_build=True)

    name: str | None
    name_kana: str | None
    phone: str | None
    email: str | None
    birthdate: date | None


class PartnerMember(BaseModel):
    model_config = ConfigDict(defer_build=True)
    member_no: str
    display_name: str | None
    rank: str | None
    points: int
    coupons: list[PartnerCoupon] = Field(description="Coupons the member can use today.")
    personal: PersonalFields | None = Field(
        default=None, description="Present only for keys with the members:read:personal scope."
    )


class PurchaseResult(BaseModel):
    model_config = ConfigDict(defer_build=True)
    receipt_id: str
    member_no: str
    points_added: int
    points: int
    rank: str | None
    rank_up: bool


class PartnerVisitResult(BaseModel):
    model_config = ConfigDict(defer_build=True)
    visit_id: str
    member_no: str
    points_added: int
    points: int
    rank: str | None


class RedeemResult(BaseModel):
    model_config = ConfigDict(defer_build=True)
    coupon_id: str
    member_no: str
    used_at: datetime


class ReceiptCodeResult(BaseModel):
    model_config = ConfigDict(defer_build=True)
    code: str = Field(description="The one-time code to print as a QR.")
    url: str | None = Field(
        description="The card page's URL with the code (null until the card LIFF app exists)."
    )
    expires_at: datetime


class ApiErrorBody(BaseModel):
    """Every refusal: a message for the developer and a stable code."""

    model_config = ConfigDict(defer_build=True)

    message: str
    code: str
    errors: list[dict[str, str]] | None = None


# The owner's key screen (/liff/api/staff/api-keys)


class ApiKeyRequest(Request):
    model_config = ConfigDict(defer_build=True)
    name: KeyName
    scopes: tuple[Scope, ...] = Field(min_length=1, max_length=len(Scope))
    calls_per_minute: int = Field(default=DEFAULT_CALLS_PER_MINUTE, ge=1, le=600)


class ReceiptClaimRequest(Request):
    model_config = ConfigDict(defer_build=True)
    code: Annotated[str, Text(300)]
