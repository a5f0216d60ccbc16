"""Membership: the member card, registration, the customer's own profile, and deleting it.

Pure domain: the table and LINE come in through the ports below; api.py wires the real adapters, the
unit tests in-memory fakes. Guest card first and registration first share everything here but the
first step: whether opening the card issues a number at once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import TYPE_CHECKING, Any, Protocol

from daifuku.clock import system_clock
from daifuku.domain.barcode import code128_widths, qr_code_svg
from daifuku.domain.card_token import (
    issue_card_token,
    read_card_token,
    seconds_left_in_window,
    verify_card_token,
)
from daifuku.domain.errors import (
    ExpiredCardToken,
    InvalidCardToken,
    LineBadRequest,
    LineRequestFailed,
    MemberNotFound,
    NotStaff,
    RegistrationRequired,
)
from daifuku.domain.line_messages import text_message
from daifuku.domain.member_numbers import MemberNumberStore, RetryPolicy, issue_member_number
from daifuku.domain.message_templates import fill, recipient_values
from daifuku.domain.phone_numbers import format_phone
from daifuku.domain.points import rank_for
from daifuku.domain.registration import RegisteredProfile, read_registration
from daifuku.domain.scenario_engine import NO_SCENARIOS, ScenarioEntrance
from daifuku.domain.scenarios import TriggerEvent, TriggerKind
from daifuku.domain.shop_events import NO_SHOP_EVENTS, ShopEventEmitter, member_deleted, member_registered
from daifuku.models.member import MembershipStatus
from daifuku.models.membership import (
    BarcodeView,
    CardTokenView,
    Coupon,
    CouponView,
    LegacyMember,
    MemberCardView,
    MembershipRecord,
    ProfileView,
    RegistrationResult,
)
from daifuku.models.shop import RegistrationMode, ShopConfig

if TYPE_CHECKING:
    from daifuku.domain.inflow_routes import RouteFigures

WELCOME_COUPON_ID = "welcome"


class MembershipRepository(MemberNumberStore, Protocol):
    def find_membership(self, user_id: str) -> MembershipRecord | None: ...

    def save_registration(self, user_id: str, profile: RegisteredProfile, at: datetime) -> bool:
        """Store the profile of a member who holds a number; False when they hold none."""

    def find_legacy_members(self, phone: str) -> list[LegacyMember]:
        """Unclaimed imported members with this phone number."""

    def claim_legacy_number(
        self,
        user_id: str,
        legacy: LegacyMember,
        profile: RegisteredProfile,
        replacing_member_no: str | None,
        at: datetime,
    ) -> bool:
        """All or nothing: the imported number becomes the user's, registered with `profile`, and a
        guest number they held is retired. False when it was claimed meanwhile, or the user changed."""

    def mark_rich_menu_pending(self, user_id: str, pending: bool) -> None: ...

    def erase_personal_data(self, user_id: str, at: datetime) -> MembershipRecord | None:
        """Leave only a tombstone (user id, status deleted, the number); None when there was nothing."""

    def find_member_by_number(self, member_no: str) -> MembershipRecord | None: ...


REGISTRATION_COMPLETE_NAMESPACE = uuid.UUID("9a4c1e7b-2f63-4d85-b0e9-5c7d3a1f8e24")


class MessagePusher(Protocol):
    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str | None = None) -> Any: ...


class HeldCoupons(Protocol):
    """The coupons a member holds (adapters.dynamodb.coupons)."""

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        """Give the coupon once: False when the member already holds one with that id."""

    def coupons_of(self, user_id: str) -> list[Coupon]: ...


class StaffCheck(Protocol):
    def is_staff(self, user_id: str) -> bool: ...


class DailyCounters(Protocol):
    """The dashboard's counts of registrations and deletions (follows and blocks are counted by the
    webhook, right after the friend's write)."""

    def count_registration(self, user_id: str, registered_at: datetime, day: date) -> bool:
        """Count the registration made at `registered_at`, once per member (False: counted before)."""

    def count_member_deletion(self, user_id: str, day: date) -> bool:
        """One registered member fewer, once."""


class RichMenuGateway(Protocol):
    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None: ...

    def unlink_rich_menu(self, user_id: str) -> None: ...


@dataclass(frozen=True)
class CardCheck:
    """What the staff scanner learns from a card's QR."""

    valid: bool
    reason: str  # "ok", "malformed", "forged", "expired", "unknown_member"
    member_no: str | None = None
    status: MembershipStatus | None = None
    member: MembershipRecord | None = None  # the card's holder, when valid (the staff console opens it)


@dataclass
class MembershipDesk:
    """The membership rules for one shop. `notes` collects what went wrong on the side (a rich menu
    LINE would not switch) for the handler to log; nothing on the side blocks the customer."""

    repository: MembershipRepository
    rich_menus: RichMenuGateway
    shop: ShopConfig
    card_signing_key: bytes
    timezone: tzinfo
    clock: Callable[[], datetime] = field(default=system_clock)
    scenarios: ScenarioEntrance = NO_SCENARIOS
    retry_policy: RetryPolicy | None = None
    notes: list[str] = field(default_factory=list)
    counters: DailyCounters | None = None  # the dashboard's registrations per day and member total
    coupons: HeldCoupons = field(kw_only=True)
    staff: StaffCheck = field(kw_only=True)
    messages: MessagePusher | None = field(default=None, kw_only=True)  # the registration-complete push
    events: ShopEventEmitter = field(default=NO_SHOP_EVENTS, kw_only=True)  # outgoing events
    routes: RouteFigures | None = field(default=None, kw_only=True)  # inflow routes' registrations

    # The card

    def open_card(self, user_id: str) -> MembershipRecord:
        """The member's card, issuing a guest number first when the shop puts the card first.

        RegistrationRequired when the shop wants the form first and the user has not filled it in.
        """
        record = self.repository.find_membership(user_id)
        if record is not None and record.is_member:
            if record.rich_menu_pending:
                self._switch_rich_menu(record)
            return record
        if self.shop.registration_mode is RegistrationMode.REGISTRATION_FIRST:
            if record is not None and record.rich_menu_pending:
                self._switch_rich_menu(record)
            raise RegistrationRequired
        issued = issue_member_number(
            self.repository,
            user_id,
            self.shop.member_number_format,
            MembershipStatus.GUEST,
            None,
            self.clock(),
            self.retry_policy,
        )
        if issued is None:  # a concurrent open numbered this user first: show what it stored
            return self._membership(user_id)
        record = (record or MembershipRecord(user_id=user_id)).model_copy(
            update={"member_no": issued, "status": MembershipStatus.GUEST}
        )
        self._switch_rich_menu(record)
        return record

    def card_view(self, record: MembershipRecord) -> MemberCardView:
        assert record.member_no is not None
        coupons = self.coupons.coupons_of(record.user_id)
        return MemberCardView(
            shop_name=self.shop.shop_name,
            theme_color=self.shop.theme_color,
            member_no=record.member_no,
            status=record.status,
            barcode=BarcodeView(text=record.member_no, widths=code128_widths(record.member_no)),
            card_token=self.card_token(record),
            points=record.points,
            # Before any points were given, the lowest rank (from 0 points) is already the member's.
            rank=record.rank or rank_for(record.points or 0, self.shop.ranks),
            coupons=[CouponView.of(coupon) for coupon in sorted(coupons, key=card_coupon_order)],
            can_register=record.status is MembershipStatus.GUEST,
        )

    def current_card_token(self, user_id: str) -> CardTokenView:
        """A fresh QR token for the member's card; MemberNotFound for someone without a card."""
        record = self.repository.find_membership(user_id)
        if record is None or not record.is_member:
            raise MemberNotFound(user_id)
        return self.card_token(record)

    def card_token(self, record: MembershipRecord) -> CardTokenView:
        assert record.member_no is not None
        now = self.clock().timestamp()
        token = str(issue_card_token(record.member_no, record.user_id, self.card_signing_key, now))
        return CardTokenView(
            token=token,
            qr_svg=qr_code_svg(token),
            refresh_after_seconds=round(seconds_left_in_window(now), 3),
        )

    def check_card_token(self, staff_user_id: str, token: str) -> CardCheck:
        """The staff scanner's question: is this QR a live card, and whose number is it?"""
        if not self.staff.is_staff(staff_user_id):
            raise NotStaff(staff_user_id)
        try:
            card = read_card_token(token)
        except InvalidCardToken:
            return CardCheck(valid=False, reason="malformed")
        member = self.repository.find_member_by_number(card.member_no)
        if member is None or not member.is_member or member.member_no != card.member_no:
            return CardCheck(valid=False, reason="unknown_member", member_no=card.member_no)
        try:
            verify_card_token(token, member.user_id, self.card_signing_key, self.clock().timestamp())
        except ExpiredCardToken:
            return CardCheck(valid=False, reason="expired", member_no=card.member_no)
        except InvalidCardToken:
            return CardCheck(valid=False, reason="forged", member_no=card.member_no)
        return CardCheck(
            valid=True, reason="ok", member_no=card.member_no, status=member.status, member=member
        )

    # Registration and the profile

    def register(self, user_id: str, form: Mapping[str, Any]) -> RegistrationResult:
        """Register, or register again: one member, one number, however often and however concurrently
        the form (the page's JSON object) is sent. The profile is the latest one sent."""
        now = self.clock()
        profile = read_registration(form, self.shop.registration_form, self._today(now))
        record = self.repository.find_membership(user_id)
        legacy = self._claim_legacy_number(user_id, record, profile, now)
        member_no: str | None
        # Whether this submit is the one that registered them (re-submits and a concurrent submit
        # that lost the race send no registration-complete message).
        newly_registered = legacy is not None
        if legacy is not None:
            member_no = legacy.member_no
        elif record is not None and record.is_member and record.member_no is not None:
            self._save_registration(user_id, profile, now)
            member_no = record.member_no
            newly_registered = record.status is MembershipStatus.GUEST
        else:
            issued = issue_member_number(
                self.repository,
                user_id,
                self.shop.member_number_format,
                MembershipStatus.REGISTERED,
                profile,
                now,
                self.retry_policy,
            )
            if issued is None:  # a concurrent submit numbered this user first: ours updates it
                self._save_registration(user_id, profile, now)
            newly_registered = issued is not None
            member_no = issued or self._membership(user_id).member_no
        assert member_no is not None
        registered = (record or MembershipRecord(user_id=user_id)).model_copy(
            update={"member_no": member_no, "status": MembershipStatus.REGISTERED}
        )
        coupon_granted = self._grant_welcome_coupon(user_id, now)
        if self.counters is not None:
            # Counted only by the write that registered them at `now`: re-submits count nothing.
            self.counters.count_registration(user_id, now, self._today(now))
        self._switch_rich_menu(registered)
        if newly_registered:
            self._send_registration_complete(user_id, member_no, profile.name)
            self.events.emit(member_registered(user_id, member_no, now, profile.model_dump(mode="json")))
            self.scenarios.triggered(user_id, TriggerEvent(kind=TriggerKind.REGISTRATION_COMPLETED))
            if self.routes is not None:
                self.routes.registered(user_id, now)
        return RegistrationResult(
            member_no=member_no,
            status=MembershipStatus.REGISTERED,
            legacy_number_claimed=legacy is not None,
            welcome_coupon_granted=coupon_granted,
        )

    def profile(self, user_id: str) -> ProfileView:
        record = self.repository.find_membership(user_id)
        if record is None:
            return ProfileView(
                status=MembershipStatus.FRIEND,
                member_no=None,
                name=None,
                name_kana=None,
                birthdate=None,
                phone=None,
                store_id=None,
                gender=None,
                email=None,
                custom_fields={},
            )
        return ProfileView(
            status=record.status,
            member_no=record.member_no if record.is_member else None,
            name=record.name,
            name_kana=record.name_kana,
            birthdate=record.birthdate,
            phone=format_phone(record.phone) or None,
            store_id=record.store_id,
            gender=record.gender,
            email=record.email,
            custom_fields=record.custom_fields,
        )

    def update_profile(self, user_id: str, form: Mapping[str, Any]) -> ProfileView:
        """Edit a registered member's fields (the number stays); RegistrationRequired for others."""
        now = self.clock()
        profile = read_registration(form, self.shop.registration_form, self._today(now))
        record = self.repository.find_membership(user_id)
        if record is None or record.status is not MembershipStatus.REGISTERED:
            raise RegistrationRequired
        self._save_registration(user_id, profile, now)
        return self.profile(user_id)

    def delete_personal_data(self, user_id: str) -> None:
        """Forget the customer: personal fields, coupons, tags and messages go; a tombstone keeps the
        number so it is never issued again, and the rich menu goes back to the pre-registration one."""
        if self.counters is not None:
            self.counters.count_member_deletion(user_id, self._today(self.clock()))
        tombstone = self.repository.erase_personal_data(user_id, self.clock())
        if tombstone is not None:
            self._switch_rich_menu(tombstone)
            self.events.emit(member_deleted(user_id, tombstone.member_no, self.clock()))

    # On the side

    def _claim_legacy_number(
        self, user_id: str, record: MembershipRecord | None, profile: RegisteredProfile, now: datetime
    ) -> LegacyMember | None:
        """A customer from before Daifuku gets their old number back, matched by phone and birthdate.
        Only a user without a registered number can claim; a guest number is replaced and retired.
        An ambiguous match (two imported members, same phone and birthdate) claims nothing."""
        if record is not None and record.is_member and record.status is not MembershipStatus.GUEST:
            return None
        if profile.phone is None or profile.birthdate is None:  # the shop's form does not ask both
            return None
        matches = [
            legacy
            for legacy in self.repository.find_legacy_members(profile.phone)
            if legacy.birthdate == profile.birthdate
        ]
        if len(matches) != 1:
            if matches:
                self.notes.append(f"{len(matches)} imported members match: none claimed")
            return None
        replacing = record.member_no if record is not None and record.is_member else None
        if not self.repository.claim_legacy_number(user_id, matches[0], profile, replacing, now):
            return None  # claimed meanwhile (by this customer's other submit, or someone else)
        return matches[0]

    def _save_registration(self, user_id: str, profile: RegisteredProfile, now: datetime) -> None:
        if not self.repository.save_registration(user_id, profile, now):
            # Deleted between our read and our write: the customer's next submit starts afresh.
            raise MemberNotFound(user_id)

    def _send_registration_complete(self, user_id: str, member_no: str, name: str | None) -> None:
        """The shop's registration-complete message, from the submit that registered the member. Its
        retry key comes from the member and their number: should two submits of a guest both take
        themselves for the registering one, LINE delivers the message once."""
        template = self.shop.registration_complete_message
        if not template or self.messages is None:
            return
        text = fill(template, recipient_values(name, member_no))
        retry_key = str(uuid.uuid5(REGISTRATION_COMPLETE_NAMESPACE, f"{user_id}/{member_no}"))
        try:
            self.messages.push(user_id, [text_message(text)], retry_key=retry_key)
        except LineRequestFailed as error:
            self.notes.append(f"registration-complete message failed ({error.status})")

    def _grant_welcome_coupon(self, user_id: str, now: datetime) -> bool:
        configured = self.shop.welcome_coupon
        if configured is None:
            return False
        today = self._today(now)
        return self.coupons.grant_coupon(
            user_id,
            Coupon(
                coupon_id=WELCOME_COUPON_ID,
                title=configured.title,
                description=configured.description,
                issued_at=now,
                expires_on=today + timedelta(days=configured.valid_days),
            ),
        )

    def _today(self, now: datetime) -> date:
        """The shop's date: a birthdate "in the future" and a coupon's last day are the shop's days."""
        return now.astimezone(self.timezone).date()

    def _membership(self, user_id: str) -> MembershipRecord:
        record = self.repository.find_membership(user_id)
        if record is None:
            raise MemberNotFound(user_id)
        return record

    def _rich_menu_for(self, record: MembershipRecord) -> str | None:
        menus = self.shop.rich_menus
        if record.status is MembershipStatus.REGISTERED:
            return menus.member
        if record.status is MembershipStatus.GUEST:
            return menus.guest_card or menus.member
        return menus.pre_registration

    def _switch_rich_menu(self, record: MembershipRecord) -> None:
        """Best effort: a failure LINE may recover from is remembered and retried on the next card
        open; the card is shown either way."""
        menu = self._rich_menu_for(record)
        try:
            if menu:
                self.rich_menus.link_rich_menu(record.user_id, menu)
            elif record.status is MembershipStatus.DELETED:
                # No pre-registration menu configured: drop the per-user one, the default shows.
                self.rich_menus.unlink_rich_menu(record.user_id)
            else:
                return
        except LineBadRequest as error:
            # A menu id LINE does not know: retrying cannot help until the owner fixes the setup.
            self.notes.append(f"rich menu refused ({error.status}): {error.line_message}")
        except LineRequestFailed as error:
            self.notes.append(f"rich menu switch failed ({error.status}): retried on the next card open")
            if not record.rich_menu_pending:
                self.repository.mark_rich_menu_pending(record.user_id, True)
            return
        if record.rich_menu_pending:
            self.repository.mark_rich_menu_pending(record.user_id, False)


def card_coupon_order(coupon: Coupon) -> tuple[bool, date, str]:
    """Unused coupons first; within each, the one expiring soonest, then by id (a stable order)."""
    return (coupon.used_at is not None, coupon.expires_on or date.max, coupon.coupon_id)
