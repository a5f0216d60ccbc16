"""The shop's own configuration: what the owner edits, stored as one item (adapters.dynamodb.keys)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, model_validator

from daifuku.models.boundary_types import (
    MAX_AMOUNT,
    DayCount,
    RankName,
    StoreId,
    Text,
)
from daifuku.models.custom_rich_menus import CustomRichMenu

# What the owner writes: one-line names and labels, and messages with newlines (LINE takes 5000 characters).
ShortName = Annotated[str, Text(40)]
FieldLabel = Annotated[str, Text(30)]
ButtonLabel = Annotated[str, Text(20)]
ChoiceText = Annotated[str, Text(100)]
# LINE's text message takes 5000 characters: every message the owner writes may use all of them.
Message = Annotated[str, Text(5000, multiline=True)]
LongMessage = Message


class RegistrationMode(StrEnum):
    GUEST_CARD_FIRST = "guest_card_first"  # opening the card issues a number at once; the form comes later
    REGISTRATION_FIRST = "registration_first"  # the form comes before the card


class MemberNumberFormat(BaseModel):
    """How issued member numbers look: prefix + zero-padded sequence, starting at `first_number`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    prefix: str = Field(default="", max_length=4, pattern=r"^[A-Z0-9]*$")
    digits: int = Field(default=6, ge=4, le=10)
    first_number: int = Field(default=1, ge=1, le=10**10)


class LiffApps(BaseModel):
    """LIFF app ids, saved by `daifuku setup`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    card: str | None = None
    registration: str | None = None
    staff: str | None = None


class RichMenus(BaseModel):
    """Rich menu ids, saved by `daifuku setup`."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    pre_registration: str | None = None
    member: str | None = None
    # Shown to guest card holders (a number, no registration yet); when unset they get `member`.
    guest_card: str | None = None
    # SHA-256 of each menu's uploaded image, by menu ("pre_registration", "member"): `daifuku setup`
    # replaces a menu only when its definition or its image differs from what the shop should have.
    image_sha256: dict[str, str] = Field(default_factory=dict)


class WelcomeMessages(BaseModel):
    """What a friend is told on follow. Editable by the owner; natural, polite Japanese by default."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    new_friend: Message = Field(
        default=(
            "友だち追加ありがとうございます！\n"
            "会員登録をしていただくと、LINEで会員証をお使いいただけます。"
            "下のボタンからご登録ください。"
        ),
    )
    register_button_label: ButtonLabel = "会員登録はこちら"
    returning_friend: LongMessage = "おかえりなさい！また友だちになっていただきありがとうございます。"
    returning_member: LongMessage = Field(
        default="おかえりなさい！会員証はメニューの「会員証」からいつでもご覧いただけます。"
    )


class FieldUse(StrEnum):
    """How the registration form treats an optional field: "利用したい項目をonやon(必須)にするだけ"."""

    OFF = "off"
    OPTIONAL = "optional"
    REQUIRED = "required"


class StoreChoice(BaseModel):
    """One of the shop's stores, as the customer picks it on the form."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    id: StoreId
    name: ShortName


class CustomTextField(BaseModel):
    """A shop-defined text question; with `options` it is a choice among them."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    label: FieldLabel
    use: FieldUse = FieldUse.OFF
    options: tuple[ChoiceText, ...] = Field(default=(), max_length=20)


class CustomDateField(BaseModel):
    """A shop-defined date question (an anniversary, a child's birthday…)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    label: FieldLabel
    use: FieldUse = FieldUse.OFF


MAX_CUSTOM_TEXT_FIELDS = 3
MAX_CUSTOM_DATE_FIELDS = 2


# The fields a member can be told apart and reached by: the form must ask at least one of them.
IDENTIFYING_FIELDS = ("name", "phone", "email")


class RegistrationFormConfig(BaseModel):
    """Which fields the registration form asks for, each off, optional or required. Name, birthdate
    and phone are required unless the owner says otherwise (a shop saved before they could be changed
    keeps them required); at least one identifying field is asked."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: FieldUse = FieldUse.REQUIRED
    birthdate: FieldUse = FieldUse.REQUIRED
    phone: FieldUse = FieldUse.REQUIRED
    name_kana: FieldUse = FieldUse.OPTIONAL
    store: FieldUse = FieldUse.OFF
    stores: tuple[StoreChoice, ...] = ()
    gender: FieldUse = FieldUse.OFF
    email: FieldUse = FieldUse.OFF
    custom_texts: tuple[CustomTextField, ...] = Field(default=(), max_length=MAX_CUSTOM_TEXT_FIELDS)
    custom_dates: tuple[CustomDateField, ...] = Field(default=(), max_length=MAX_CUSTOM_DATE_FIELDS)

    @model_validator(mode="after")
    def _stores_listed_when_asked(self) -> RegistrationFormConfig:
        if self.store is not FieldUse.OFF and not self.stores:
            raise ValueError("the store field is on but no stores are listed")
        if all(getattr(self, name) is FieldUse.OFF for name in IDENTIFYING_FIELDS):
            raise ValueError("the form asks for none of name, phone and email")
        return self


class CouponTemplate(BaseModel):
    """A coupon as the shop defines it: the welcome coupon, the birthday coupon, a campaign's coupon.
    Each member who receives it gets their own copy, valid `valid_days` from the day it is issued."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    title: ShortName
    description: Annotated[str, Text(200, min_length=0, multiline=True)] = ""
    valid_days: Annotated[DayCount, Field(le=3650)] = 90


class Rank(BaseModel):
    """A member rank, reached at `min_points` (the member's points total)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: RankName
    min_points: int = Field(ge=0, le=MAX_AMOUNT)


class PointsRule(BaseModel):
    """How the counter's one-tap visit adds points: `points_per_visit`, plus one point for every
    `yen_per_point` yen of the bill when the counter enters an amount (None: the amount gives none)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    points_per_visit: int = Field(default=1, ge=0, le=10_000)
    yen_per_point: int | None = Field(default=None, ge=1, le=1_000_000)

    def points_for_visit(self, amount_yen: int | None) -> int:
        """The points one visit gives, with the bill's amount when the counter entered one."""
        if amount_yen is None or self.yen_per_point is None:
            return self.points_per_visit
        return self.points_per_visit + amount_yen // self.yen_per_point


class ShopInfo(BaseModel):
    """What 「お店の情報」 answers: every part optional (empty: not shown)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    hours: str = ""
    closed_days: str = ""
    address: str = ""
    phone: str = ""
    map_url: str | None = None
    free_text: str = ""


class PosterCodeValidity(StrEnum):
    """How long a printed counter poster's coupon code is accepted, from the day it is printed."""

    DAY = "day"
    WEEK = "week"
    MONTH = "month"
    COUPON_PERIOD = "coupon_period"  # the coupon template's own valid days


class ShopConfig(BaseModel):
    model_config = ConfigDict(extra="ignore", defer_build=True)

    shop_name: ShortName = "大福堂"
    theme_color: str = Field(default="#2f6b4f", pattern=r"^#[0-9a-fA-F]{6}$")
    logo_url: str | None = None  # an https image URL the owner gives in 設定 (None: the name alone)
    shop_info: ShopInfo = ShopInfo()
    registration_mode: RegistrationMode = RegistrationMode.REGISTRATION_FIRST
    member_number_format: MemberNumberFormat = MemberNumberFormat()
    welcome: WelcomeMessages = WelcomeMessages()
    liff_apps: LiffApps = LiffApps()
    rich_menus: RichMenus = RichMenus()
    # The owner's own rich menus by kind (pre_registration, member): a standard layout, each area's
    # action, their uploaded image or none (drawn). A kind not here is the standard menu.
    custom_rich_menus: dict[str, CustomRichMenu] = Field(default_factory=dict)
    staff_alerts_enabled: bool = False
    # New-friend alerts count against the monthly quota: at most this many a minute.
    staff_alerts_per_minute: int = Field(default=5, ge=0, le=100)
    birth_month_message: Message = Field(
        default=(
            "{name}さま、お誕生月おめでとうございます！\n"
            "日頃のご愛顧に感謝して、今月ご来店の際はスタッフに会員証をお見せください。"
            "ささやかなお祝いをご用意してお待ちしております。"
        ),
    )
    # Members who register later in their birth month get the message from a daily catch-up run.
    birth_month_catch_up: bool = True
    # Given with the birth-month message to each member who receives it (shown on the member card).
    birthday_coupon: CouponTemplate | None = None
    registration_form: RegistrationFormConfig = RegistrationFormConfig()
    welcome_coupon: CouponTemplate | None = None
    points_rule: PointsRule = PointsRule()
    # Pushed once, to the registration that registered the member ({name}, {member_no}); None: nothing.
    registration_complete_message: Message | None = Field(
        default=(
            "{name}さま、会員登録ありがとうございます！\n"
            "会員番号は{member_no}です。会員証はメニューの「会員証」からいつでもご覧いただけます。"
        ),
    )
    poster_code_validity: PosterCodeValidity = PosterCodeValidity.DAY
    # Ascending thresholds; a member holds the highest rank their points reach (none below the first).
    ranks: tuple[Rank, ...] = Field(default=(), max_length=10)
    # Pushed once when a member reaches a higher rank ({name}, {rank}); None sends nothing.
    rank_up_message: Message | None = None
    # Holders of an unused coupon are reminded this many days before its last day (0: never).
    coupon_reminder_days: int = Field(default=3, ge=0, le=60)
    coupon_reminder_message: Message = Field(
        default=(
            "お持ちのクーポン「{title}」の有効期限は{expires_on}までです。\n"
            "ご来店の際は、会員証の画面でスタッフにお見せください。"
        ),
    )

    @model_validator(mode="after")
    def _ranks_ascend(self) -> ShopConfig:
        thresholds = [rank.min_points for rank in self.ranks]
        if thresholds != sorted(set(thresholds)):
            raise ValueError("rank thresholds must ascend without repeats")
        return self
