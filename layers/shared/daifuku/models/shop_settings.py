"""What the owner's 設定 tab sends, one model per section (PUT /liff/api/staff/settings/<section>).

Each section is saved on its own; the rules that look across fields (thresholds in order, placeholders
a message may use) answer with a field code the console shows next to the field.
"""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from daifuku.domain.message_templates import check_placeholders
from daifuku.models.boundary_types import MAX_AMOUNT, DayCount, HttpsUrl, RankName, StoreId, Text, problem
from daifuku.models.shop import (
    MAX_CUSTOM_DATE_FIELDS,
    MAX_CUSTOM_TEXT_FIELDS,
    ButtonLabel,
    ChoiceText,
    FieldLabel,
    FieldUse,
    MemberNumberFormat,
    PosterCodeValidity,
    RegistrationMode,
)

COLOUR_PATTERN = r"^#[0-9a-fA-F]{6}$"
MAX_STORES = 20
MAX_RANKS = 10


def _not_blank(value: str) -> str:
    if not value.strip():
        raise problem("blank", "must not be only spaces")
    return value.strip()


def _colour(value: str) -> str:
    if not re.match(COLOUR_PATTERN, value):
        raise problem("invalid_colour", "a colour as #RRGGBB")
    return value.lower()


def _phone_text(value: str) -> str:
    # \x28 and \x29 are the ASCII brackets a phone may be written with: 03 (1234) 5678.
    if value and not re.match(r"^[0-9０-９+\-‐－ \x28\x29（）]{6,20}$", value):
        raise problem("invalid_phone", "digits and hyphens")
    return value


def _message_with(*allowed: str) -> AfterValidator:
    def check(value: str) -> str:
        unknown = check_placeholders(value, allowed)
        if unknown:
            raise problem("unknown_placeholder", f"unknown placeholder {{{unknown}}}", placeholder=unknown)
        return value

    return AfterValidator(check)


ShopName = Annotated[str, Text(40), AfterValidator(_not_blank)]
Colour = Annotated[str, Text(7), AfterValidator(_colour)]
OptionalLine = Annotated[str, Text(200, min_length=0)]
OptionalNote = Annotated[str, Text(1000, min_length=0, multiline=True)]
ShopPhone = Annotated[str, Text(20, min_length=0), AfterValidator(_phone_text)]
# LINE's text message takes 5000 characters.
LineMessage = Annotated[str, Text(5000, multiline=True)]
NameOnlyMessage = Annotated[LineMessage, _message_with("name")]
MemberMessage = Annotated[LineMessage, _message_with("name", "member_no")]
RankUpMessage = Annotated[LineMessage, _message_with("name", "member_no", "rank")]


class SettingsRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


class ShopInfoRequest(SettingsRequest):
    hours: OptionalNote = ""
    closed_days: OptionalLine = ""
    address: OptionalLine = ""
    phone: ShopPhone = ""
    map_url: HttpsUrl | None = None
    free_text: OptionalNote = ""


class StoreRequest(SettingsRequest):
    """A store: `id` of an existing one (renamed), or none for a new one (an id is given)."""

    id: StoreId | None = None
    name: Annotated[str, Text(40), AfterValidator(_not_blank)]


class ShopSection(SettingsRequest):
    """お店: the name, colour and logo the pages and menus show, what 「お店の情報」 answers, the stores."""

    shop_name: ShopName
    theme_color: Colour
    logo_url: HttpsUrl | None = None
    shop_info: ShopInfoRequest = ShopInfoRequest()
    stores: tuple[StoreRequest, ...] = Field(default=(), max_length=MAX_STORES)

    @model_validator(mode="after")
    def _store_ids_once(self) -> ShopSection:
        ids = [store.id for store in self.stores if store.id]
        if len(ids) != len(set(ids)):
            raise problem("duplicate_store", "a store is listed twice")
        return self


class RankRequest(SettingsRequest):
    name: Annotated[RankName, AfterValidator(_not_blank)]
    min_points: int = Field(ge=0, le=MAX_AMOUNT)


class PointsSection(SettingsRequest):
    """ポイントとランク: points per visit and per yen, the ranks in ascending order, the rank-up message."""

    points_per_visit: int = Field(ge=0, le=10_000)
    yen_per_point: int | None = Field(default=None, ge=1, le=1_000_000)
    ranks: tuple[RankRequest, ...] = Field(default=(), max_length=MAX_RANKS)
    rank_up_message: RankUpMessage | None = None


class CouponRequest(SettingsRequest):
    title: Annotated[str, Text(40), AfterValidator(_not_blank)]
    description: Annotated[str, Text(200, min_length=0, multiline=True)] = ""
    valid_days: Annotated[DayCount, Field(le=3650)] = 30


class MessagesSection(SettingsRequest):
    """メッセージ: what a friend or member is told, each with the placeholders it may use."""

    new_friend: NameOnlyMessage
    returning_friend: NameOnlyMessage
    returning_member: MemberMessage
    register_button_label: Annotated[ButtonLabel, AfterValidator(_not_blank)] = "会員登録はこちら"
    registration_complete: MemberMessage | None = None  # None: no message on registering
    birthday: MemberMessage
    birthday_coupon: CouponRequest | None = None


class CustomTextRequest(SettingsRequest):
    label: Annotated[FieldLabel, AfterValidator(_not_blank)]
    use: FieldUse = FieldUse.OFF
    options: tuple[Annotated[ChoiceText, AfterValidator(_not_blank)], ...] = Field(default=(), max_length=20)


class CustomDateRequest(SettingsRequest):
    label: Annotated[FieldLabel, AfterValidator(_not_blank)]
    use: FieldUse = FieldUse.OFF


class NumberFormatRequest(SettingsRequest):
    prefix: Annotated[str, Field(max_length=4, pattern=r"^[A-Z0-9]*$")] = ""
    digits: int = Field(default=6, ge=4, le=10)
    first_number: int = Field(default=1, ge=1, le=10**10)

    def as_format(self) -> MemberNumberFormat:
        return MemberNumberFormat(prefix=self.prefix, digits=self.digits, first_number=self.first_number)


class FormSection(SettingsRequest):
    """会員登録フォーム: how each field is asked, the custom fields, the card mode, the number format.

    Every field may be off, optional or required, as long as one of name, phone and email is asked
    (domain.shop_settings refuses a form that would leave members indistinguishable)."""

    name: FieldUse = FieldUse.REQUIRED
    birthdate: FieldUse = FieldUse.REQUIRED
    phone: FieldUse = FieldUse.REQUIRED
    name_kana: FieldUse = FieldUse.OPTIONAL
    store: FieldUse = FieldUse.OFF
    gender: FieldUse = FieldUse.OFF
    email: FieldUse = FieldUse.OFF
    custom_texts: tuple[CustomTextRequest, ...] = Field(default=(), max_length=MAX_CUSTOM_TEXT_FIELDS)
    custom_dates: tuple[CustomDateRequest, ...] = Field(default=(), max_length=MAX_CUSTOM_DATE_FIELDS)
    registration_mode: RegistrationMode = RegistrationMode.REGISTRATION_FIRST
    member_number_format: NumberFormatRequest = NumberFormatRequest()


class PosterSection(SettingsRequest):
    """ポスター用クーポン: how long a printed poster's code is accepted."""

    poster_code_validity: PosterCodeValidity


class AlertsSection(SettingsRequest):
    """Staff alerts: a LINE message to the staff when a friend is added."""

    staff_alerts_enabled: bool


SECTIONS: dict[str, type[SettingsRequest]] = {
    "shop": ShopSection,
    "points": PointsSection,
    "messages": MessagesSection,
    "form": FormSection,
    "poster": PosterSection,
    "alerts": AlertsSection,
}
