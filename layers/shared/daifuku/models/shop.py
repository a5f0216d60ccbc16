"""The shop's own configuration: what the owner edits, stored as one item (see table_keys.SHOP_KEY)."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class RegistrationMode(StrEnum):
    GUEST_CARD_FIRST = "guest_card_first"  # opening the card issues a number at once; the form comes later
    REGISTRATION_FIRST = "registration_first"  # the form comes before the card


class MemberNumberFormat(BaseModel):
    """How issued member numbers look: prefix + zero-padded sequence, starting at `first_number`."""

    model_config = ConfigDict(frozen=True)

    prefix: str = Field(default="", max_length=4, pattern=r"^[A-Z0-9]*$")
    digits: int = Field(default=6, ge=4, le=10)
    first_number: int = Field(default=1, ge=1)


class LiffApps(BaseModel):
    """LIFF app ids, saved by `daifuku setup`."""

    model_config = ConfigDict(frozen=True)

    card: str | None = None
    registration: str | None = None
    staff: str | None = None


class RichMenus(BaseModel):
    """Rich menu ids, saved by `daifuku setup`."""

    model_config = ConfigDict(frozen=True)

    pre_registration: str | None = None
    member: str | None = None


class WelcomeMessages(BaseModel):
    """What a friend is told on follow. Editable by the owner; natural, polite Japanese by default."""

    model_config = ConfigDict(frozen=True)

    new_friend: str = Field(
        default=(
            "友だち追加ありがとうございます!\n"
            "会員登録をしていただくと、LINEで会員証をお使いいただけます。"
            "下のボタンからご登録ください。"
        ),
        max_length=2000,
    )
    register_button_label: str = Field(default="会員登録はこちら", max_length=20)
    returning_friend: str = Field(default="おかえりなさい!また友だちになっていただきありがとうございます。")
    returning_member: str = Field(
        default="おかえりなさい!会員証はメニューの「会員証」からいつでもご覧いただけます。"
    )


class ShopConfig(BaseModel):
    model_config = ConfigDict(extra="ignore")

    shop_name: str = Field(default="大福堂", max_length=40)
    theme_color: str = Field(default="#2f6b4f", pattern=r"^#[0-9a-fA-F]{6}$")
    registration_mode: RegistrationMode = RegistrationMode.REGISTRATION_FIRST
    member_number_format: MemberNumberFormat = MemberNumberFormat()
    welcome: WelcomeMessages = WelcomeMessages()
    liff_apps: LiffApps = LiffApps()
    rich_menus: RichMenus = RichMenus()
    staff_alerts_enabled: bool = False
