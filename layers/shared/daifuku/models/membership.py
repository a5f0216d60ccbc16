"""Membership records beyond the friend ledger's Member, and what the LIFF API answers with."""

from __future__ import annotations

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict

from daifuku.models.member import Member, MembershipStatus
from daifuku.models.registration import FormField
from daifuku.models.shop import RegistrationMode


class MembershipRecord(Member):
    """The member item with the attributes the card needs on top of the friend ledger's."""

    # The member's rich menu could not be switched last time: switch it on the next card open.
    rich_menu_pending: bool = False
    deleted_at: datetime | None = None


class Coupon(BaseModel):
    """A coupon held by one member (item USER#<userId> / COUPON#<coupon_id>)."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    coupon_id: str
    title: str
    description: str = ""
    issued_at: datetime
    expires_on: date | None = None
    used_at: datetime | None = None
    # Set for coupons issued from a staff-defined template (coupon-templates), a poster or an exchange.
    template_id: str | None = None
    discount_text: str = ""
    image_url: str | None = None
    used_by: str | None = None  # the staff member who redeemed it
    reminded_at: datetime | None = None  # the expiry reminder went out
    # A poster's coupon: the fingerprint of the code it was claimed with (a retry of that claim
    # answers this coupon; another code of the same poster coupon is refused).
    claimed_with: str | None = None

    def is_active(self, today: date) -> bool:
        """Unused and not past its last day."""
        return self.used_at is None and (self.expires_on is None or self.expires_on >= today)


class LegacyMember(BaseModel):
    """A member number the shop issued before Daifuku, imported by the operator with the phone and
    birthdate that prove it is yours (item LEGACY_PHONE#<phone> / LEGACY#<member_no>)."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    member_no: str
    phone: str
    birthdate: date


class BarcodeView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    symbology: str = "CODE128"
    text: str
    # Module widths, bar first, bars and spaces alternating; the page draws them (js/barcode.js).
    widths: str


class CardTokenView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    token: str
    qr_svg: str
    refresh_after_seconds: float


class CouponView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    coupon_id: str
    title: str
    description: str
    expires_on: date | None
    used: bool

    @classmethod
    def of(cls, coupon: Coupon) -> CouponView:
        """The coupon as its holder sees it on the card."""
        return cls(
            coupon_id=coupon.coupon_id,
            title=coupon.title,
            description=coupon.description,
            expires_on=coupon.expires_on,
            used=coupon.used_at is not None,
        )


class MemberCardView(BaseModel):
    """Everything card.html draws, in one answer."""

    model_config = ConfigDict(defer_build=True)

    shop_name: str
    theme_color: str
    member_no: str
    status: MembershipStatus
    barcode: BarcodeView
    card_token: CardTokenView
    points: int | None = None
    rank: str | None = None
    coupons: list[CouponView]
    # Guests are shown the way to register; registered members the way to their profile.
    can_register: bool


class RegistrationFormView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    shop_name: str
    theme_color: str
    registration_mode: RegistrationMode
    fields: list[FormField]


class ProfileView(BaseModel):
    """The member's own data, as the profile page shows and edits it."""

    model_config = ConfigDict(defer_build=True)

    status: MembershipStatus
    member_no: str | None
    name: str | None
    name_kana: str | None
    birthdate: date | None
    phone: str | None
    store_id: str | None
    gender: str | None
    email: str | None
    custom_fields: dict[str, str]


class RegistrationResult(BaseModel):
    model_config = ConfigDict(defer_build=True)

    member_no: str
    status: MembershipStatus
    # True when the number is one the shop issued before Daifuku, matched by phone and birthdate.
    legacy_number_claimed: bool
    welcome_coupon_granted: bool
