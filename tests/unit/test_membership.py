"""Membership rules with an in-memory table and LINE: both ways to join, one number per customer, the
welcome coupon, legacy numbers, the rich menu switch that never blocks the card, and deletion."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daifuku.domain.card_token import card_signing_key, issue_card_token
from daifuku.domain.errors import (
    InvalidRegistration,
    LineBadRequest,
    LineUnavailable,
    MemberNotFound,
    NotStaff,
    RegistrationRequired,
)
from daifuku.domain.member_numbers import IssueOutcome, NumberIssue
from daifuku.domain.membership import MembershipDesk
from daifuku.domain.registration import RegisteredProfile
from daifuku.models.member import MembershipStatus
from daifuku.models.membership import Coupon, LegacyMember, MembershipRecord
from daifuku.models.shop import (
    CouponTemplate,
    FieldUse,
    Rank,
    RegistrationFormConfig,
    RegistrationMode,
    RichMenus,
    ShopConfig,
)

ALICE = "U" + "a" * 32
BOB = "U" + "b" * 32
STAFF = "U" + "5" * 32
NOW = datetime(2025, 6, 15, 3, 0, tzinfo=UTC)
KEY = card_signing_key("secret")
FORM = {"name": "山田 花子", "birthdate": "1990-05-01", "phone": "090-1234-5678"}
MENUS = RichMenus(pre_registration="menu-pre", member="menu-member", guest_card="menu-guest")


class InMemoryMembership:
    """The member table's membership methods, with the same all-or-nothing rules."""

    def __init__(self) -> None:
        self.members: dict[str, dict] = {}
        self.numbers: dict[str, dict] = {}
        self.counter: int | None = None
        self.reservations: dict[str, int] = {}
        self.spares: list[int] = []
        self.coupons: dict[tuple[str, str], Coupon] = {}
        self.legacy: list[LegacyMember] = []
        self.staff = {STAFF}
        self.writes: list[str] = []

    def find_membership(self, user_id):
        item = self.members.get(user_id)
        return MembershipRecord.model_validate(item) if item else None

    def reserve_member_number(self, user_id, first_number):
        if user_id not in self.reservations and self.spares:
            self.reservations[user_id] = self.spares.pop(0)
        if user_id not in self.reservations:
            self.counter = max(self.counter or 0, first_number - 1) + 1
            self.reservations[user_id] = self.counter
        return self.reservations[user_id]

    def move_member_number_reservation(self, user_id, sequence):
        self.counter = (self.counter or 0) + 1
        self.reservations[user_id] = self.counter
        return self.counter

    def release_member_number_reservation(self, user_id, sequence):
        if self.reservations.get(user_id) == sequence:
            del self.reservations[user_id]

    def member_number_reservations(self):
        return dict(self.reservations)

    def give_back_member_number(self, user_id, sequence):
        self.reservations.pop(user_id, None)
        self.spares.append(sequence)

    def complete_member_number(self, issue: NumberIssue):
        member = self.members.get(issue.user_id, {})
        if member.get("member_no") and member.get("status") != "deleted":
            if member["member_no"] == issue.member_no:
                return IssueOutcome.ALREADY_NUMBERED
            return IssueOutcome.HOLDS_ANOTHER
        if issue.member_no in self.numbers:
            return IssueOutcome.NUMBER_TAKEN
        self.writes.append("issue")
        self.numbers[issue.member_no] = {"user_id": issue.user_id, "status": "active"}
        self.members[issue.user_id] = {
            "user_id": issue.user_id,
            "member_no": issue.member_no,
            "status": issue.status.value,
            **(self._profile(issue.profile) if issue.profile else {}),
            **({"registered_at": issue.at} if issue.profile else {}),
        }
        return IssueOutcome.ISSUED

    def save_registration(self, user_id, profile, at):
        member = self.members.get(user_id)
        if not member or not member.get("member_no") or member["status"] == "deleted":
            return False
        self.writes.append("registration")
        member.update(self._profile(profile), status="registered")
        member.setdefault("registered_at", at)
        return True

    def find_legacy_members(self, phone):
        return [legacy for legacy in self.legacy if legacy.phone == phone]

    def claim_legacy_number(self, user_id, legacy, profile, replacing_member_no, at):
        member = self.members.get(user_id, {})
        if legacy not in self.legacy:
            return False
        if replacing_member_no is None and member.get("member_no") and member.get("status") != "deleted":
            return False
        if replacing_member_no is not None and member.get("member_no") != replacing_member_no:
            return False
        self.writes.append("claim")
        self.legacy.remove(legacy)
        self.numbers[legacy.member_no] = {"user_id": user_id, "status": "active"}
        if replacing_member_no:
            self.numbers[replacing_member_no] = {"status": "retired", "replaced_by": legacy.member_no}
        self.members[user_id] = {
            "user_id": user_id,
            "member_no": legacy.member_no,
            "status": "registered",
            "registered_at": at,
            **self._profile(profile),
        }
        return True

    def grant_coupon(self, user_id, coupon):
        if (user_id, coupon.coupon_id) in self.coupons:
            return False
        self.writes.append("coupon")
        self.coupons[(user_id, coupon.coupon_id)] = coupon
        return True

    def coupons_of(self, user_id):
        return [coupon for (owner, _), coupon in self.coupons.items() if owner == user_id]

    def mark_rich_menu_pending(self, user_id, pending):
        self.writes.append(f"menu pending {pending}")
        self.members[user_id]["rich_menu_pending"] = pending

    def erase_personal_data(self, user_id, at):
        member = self.members.get(user_id)
        if member is None:
            return None
        self.writes.append("erase")
        tombstone = {"user_id": user_id, "status": "deleted", "deleted_at": at}
        if member.get("member_no"):
            tombstone["member_no"] = member["member_no"]
            self.numbers[member["member_no"]] = {"status": "deleted"}
        self.members[user_id] = tombstone
        self.coupons = {key: c for key, c in self.coupons.items() if key[0] != user_id}
        return MembershipRecord.model_validate(tombstone)

    def find_member_by_number(self, member_no):
        owner = self.numbers.get(member_no, {}).get("user_id")
        return self.find_membership(owner) if owner else None

    def is_staff(self, user_id):
        return user_id in self.staff

    @staticmethod
    def _profile(profile: RegisteredProfile) -> dict:
        return profile.model_dump(exclude_none=True)


class RecordingRichMenus:
    def __init__(self) -> None:
        self.linked: dict[str, str | None] = {}
        self.failure: Exception | None = None

    def link_rich_menu(self, user_id, rich_menu_id):
        if self.failure:
            raise self.failure
        self.linked[user_id] = rich_menu_id

    def unlink_rich_menu(self, user_id):
        if self.failure:
            raise self.failure
        self.linked[user_id] = None


@pytest.fixture
def table():
    return InMemoryMembership()


@pytest.fixture
def menus():
    return RecordingRichMenus()


def desk_for(table, menus, **shop) -> MembershipDesk:
    config = ShopConfig(**{"rich_menus": MENUS, **shop})
    return MembershipDesk(
        table, menus, config, KEY, ZoneInfo("Asia/Tokyo"), clock=lambda: NOW, coupons=table, staff=table
    )


def guest_first(table, menus, **shop):
    return desk_for(table, menus, registration_mode=RegistrationMode.GUEST_CARD_FIRST, **shop)


def registration_first(table, menus, **shop):
    return desk_for(table, menus, registration_mode=RegistrationMode.REGISTRATION_FIRST, **shop)


# Guest card first


def test_opening_the_card_in_a_guest_first_shop_issues_a_number_at_once(table, menus):
    card = guest_first(table, menus).open_card(ALICE)
    assert (card.member_no, card.status) == ("000001", MembershipStatus.GUEST)
    assert menus.linked[ALICE] == "menu-guest"


def test_opening_the_card_again_shows_the_same_number(table, menus):
    desk = guest_first(table, menus)
    first = desk.open_card(ALICE).member_no
    menus.linked.clear()
    assert desk.open_card(ALICE).member_no == first
    assert menus.linked == {}  # nothing to switch
    assert table.counter == 1


def test_a_guest_who_registers_keeps_the_number_and_gets_the_member_menu(table, menus):
    desk = guest_first(table, menus)
    number = desk.open_card(ALICE).member_no
    result = desk.register(ALICE, FORM)
    assert (result.member_no, result.status) == (number, MembershipStatus.REGISTERED)
    assert table.members[ALICE]["name"] == "山田 花子" and table.members[ALICE]["phone"] == "09012345678"
    assert menus.linked[ALICE] == "menu-member" and table.counter == 1


def test_a_guest_without_a_guest_menu_configured_gets_the_member_menu(table, menus):
    guest_first(table, menus, rich_menus=RichMenus(member="menu-member")).open_card(ALICE)
    assert menus.linked[ALICE] == "menu-member"


# Registration first


def test_a_registration_first_shop_shows_no_card_before_the_form(table, menus):
    with pytest.raises(RegistrationRequired):
        registration_first(table, menus).open_card(ALICE)
    assert table.writes == []


def test_registering_first_issues_a_registered_number_and_then_the_card_shows_it(table, menus):
    desk = registration_first(table, menus)
    result = desk.register(ALICE, FORM)
    assert (result.member_no, result.status) == ("000001", MembershipStatus.REGISTERED)
    assert desk.open_card(ALICE).member_no == "000001"
    assert menus.linked[ALICE] == "menu-member"


def test_registering_again_updates_the_profile_and_keeps_the_number(table, menus):
    desk = registration_first(table, menus)
    desk.register(ALICE, FORM)
    again = desk.register(ALICE, {**FORM, "phone": "03-1234-5678"})
    assert again.member_no == "000001" and table.counter == 1
    assert table.members[ALICE]["phone"] == "0312345678"


def test_a_bad_form_writes_nothing_and_names_the_field(table, menus):
    desk = registration_first(table, menus)
    with pytest.raises(InvalidRegistration) as rejected:
        desk.register(ALICE, {**FORM, "phone": "12345"})
    assert [(p.field, p.code) for p in rejected.value.problems] == [("phone", "invalid_phone")]
    assert table.writes == [] and menus.linked == {}


def test_the_profile_can_be_edited_only_once_registered(table, menus):
    desk = guest_first(table, menus)
    desk.open_card(ALICE)
    with pytest.raises(RegistrationRequired):
        desk.update_profile(ALICE, FORM)
    desk.register(ALICE, FORM)
    edited = desk.update_profile(ALICE, {**FORM, "name": "山田 はなこ"})
    assert edited.name == "山田 はなこ" and edited.member_no == "000001"


# Welcome coupon


def test_the_welcome_coupon_is_given_once_on_registration(table, menus):
    coupon = CouponTemplate(title="ドリンク1杯無料", valid_days=30)
    desk = registration_first(table, menus, welcome_coupon=coupon)
    assert desk.register(ALICE, FORM).welcome_coupon_granted is True
    assert desk.register(ALICE, FORM).welcome_coupon_granted is False
    [held] = table.coupons_of(ALICE)
    assert held.title == "ドリンク1杯無料"
    assert held.expires_on == date(2025, 6, 15) + timedelta(days=30)  # the shop's date, not UTC's
    card = desk.card_view(desk.open_card(ALICE))
    assert [c.title for c in card.coupons] == ["ドリンク1杯無料"]


def test_guests_get_the_welcome_coupon_when_they_register_not_before(table, menus):
    desk = guest_first(table, menus, welcome_coupon=CouponTemplate(title="10%オフ"))
    desk.open_card(ALICE)
    assert table.coupons == {}
    desk.register(ALICE, FORM)
    assert len(table.coupons_of(ALICE)) == 1


# Legacy numbers


def legacy(member_no="000777", phone="09012345678", birthdate=date(1990, 5, 1)) -> LegacyMember:
    return LegacyMember(member_no=member_no, phone=phone, birthdate=birthdate)


def test_a_customer_from_before_claims_their_number_with_phone_and_birthdate(table, menus):
    table.legacy = [legacy()]
    result = registration_first(table, menus).register(ALICE, FORM)
    assert result.member_no == "000777" and result.legacy_number_claimed
    assert table.counter is None  # the counter issued nothing
    assert table.legacy == []


def test_a_guest_who_claims_a_legacy_number_retires_the_guest_number(table, menus):
    table.legacy = [legacy()]
    desk = guest_first(table, menus)
    guest_number = desk.open_card(ALICE).member_no
    assert desk.register(ALICE, FORM).member_no == "000777"
    assert table.numbers[guest_number] == {"status": "retired", "replaced_by": "000777"}
    assert desk.open_card(ALICE).member_no == "000777"


@pytest.mark.parametrize(
    "imported",
    [
        [legacy(birthdate=date(1991, 5, 1))],  # same phone, another birthdate
        [legacy(phone="08000000000")],  # same birthdate, another phone
        [legacy("000777"), legacy("000778")],  # two imported members match: ambiguous
    ],
    ids=["birthdate differs", "phone differs", "ambiguous"],
)
def test_no_exact_single_match_means_a_new_number(table, menus, imported):
    table.legacy = list(imported)
    result = registration_first(table, menus).register(ALICE, FORM)
    assert result.member_no == "000001" and not result.legacy_number_claimed


def test_a_shop_that_does_not_ask_the_phone_registers_without_one_and_claims_no_legacy_number(table, menus):
    table.legacy = [legacy()]
    form = RegistrationFormConfig(phone=FieldUse.OFF, birthdate=FieldUse.OPTIONAL)
    result = registration_first(table, menus, registration_form=form).register(ALICE, {"name": "山田 花子"})
    assert result.member_no == "000001" and not result.legacy_number_claimed
    assert table.legacy == [legacy()]
    stored = table.members[ALICE]
    assert stored["name"] == "山田 花子" and not {"phone", "birthdate"} & set(stored)


def test_a_registered_member_does_not_claim_a_legacy_number_later(table, menus):
    desk = registration_first(table, menus)
    desk.register(ALICE, FORM)
    table.legacy = [legacy()]
    assert desk.register(ALICE, FORM).member_no == "000001"
    assert table.legacy == [legacy()]


# Rich menu switch: retried, never blocking


def test_a_failed_menu_switch_is_remembered_and_retried_on_the_next_card_open(table, menus):
    desk = guest_first(table, menus)
    menus.failure = LineUnavailable(500, "down")
    card = desk.open_card(ALICE)
    assert card.member_no == "000001"  # the card is shown anyway
    assert table.members[ALICE]["rich_menu_pending"] is True
    menus.failure = None
    desk.open_card(ALICE)
    assert menus.linked[ALICE] == "menu-guest"
    assert table.members[ALICE]["rich_menu_pending"] is False


def test_a_menu_line_refuses_outright_is_not_retried(table, menus):
    desk = guest_first(table, menus)
    menus.failure = LineBadRequest(400, "richmenu not found")
    desk.open_card(ALICE)
    assert "rich_menu_pending" not in table.members[ALICE]
    assert any("refused" in note for note in desk.notes)


# The card and its token


def test_the_card_carries_the_barcode_of_the_number_and_a_live_token(table, menus):
    desk = guest_first(table, menus)
    card = desk.card_view(desk.open_card(ALICE))
    assert card.barcode.text == "000001" and card.barcode.widths.startswith("211232")
    assert card.card_token.token.startswith("DC1.000001.")
    assert card.card_token.qr_svg.startswith("<svg")
    assert 0 < card.card_token.refresh_after_seconds <= 30
    assert card.can_register is True


def test_a_token_is_only_for_members(table, menus):
    with pytest.raises(MemberNotFound):
        guest_first(table, menus).current_card_token(ALICE)


def test_the_staff_check_accepts_a_live_card_and_says_why_it_refuses_others(table, menus):
    desk = guest_first(table, menus)
    desk.open_card(ALICE)
    live = desk.current_card_token(ALICE).token
    assert desk.check_card_token(STAFF, live).valid
    old = str(issue_card_token("000001", ALICE, KEY, NOW.timestamp() - 600))
    assert desk.check_card_token(STAFF, old).reason == "expired"
    forged = str(issue_card_token("000001", BOB, KEY, NOW.timestamp()))
    assert desk.check_card_token(STAFF, forged).reason == "forged"
    unknown = str(issue_card_token("000999", ALICE, KEY, NOW.timestamp()))
    assert desk.check_card_token(STAFF, unknown).reason == "unknown_member"
    assert desk.check_card_token(STAFF, "a photo of a cat").reason == "malformed"
    with pytest.raises(NotStaff):
        desk.check_card_token(BOB, live)


# Deleting my data


def test_deletion_leaves_a_tombstone_and_the_pre_registration_menu(table, menus):
    desk = registration_first(table, menus, welcome_coupon=CouponTemplate(title="10%オフ"))
    desk.register(ALICE, FORM)
    desk.delete_personal_data(ALICE)
    assert table.members[ALICE] == {
        "user_id": ALICE,
        "status": "deleted",
        "deleted_at": NOW,
        "member_no": "000001",
    }
    assert table.coupons == {}
    assert menus.linked[ALICE] == "menu-pre"
    with pytest.raises(MemberNotFound):
        desk.current_card_token(ALICE)


def test_without_a_pre_registration_menu_deletion_unlinks_the_members_menu(table, menus):
    desk = registration_first(table, menus, rich_menus=RichMenus(member="menu-member"))
    desk.register(ALICE, FORM)
    desk.delete_personal_data(ALICE)
    assert menus.linked[ALICE] is None


def test_a_deleted_number_is_never_issued_again(table, menus):
    desk = registration_first(table, menus)
    desk.register(ALICE, FORM)
    desk.delete_personal_data(ALICE)
    assert desk.register(BOB, FORM).member_no == "000002"
    # Coming back later is a new membership with a new number.
    assert desk.register(ALICE, FORM).member_no == "000003"


# The registration-complete message


class RecordingPushes:
    def __init__(self) -> None:
        self.pushed: list[tuple[str, str, str | None]] = []

    def push(self, to, messages, retry_key=None):
        self.pushed.append((to, messages[0]["text"], retry_key))


def desk_at_ticking_clock(table, menus, pushes, **shop) -> MembershipDesk:
    ticks = iter(range(1000))
    config = ShopConfig(**{"rich_menus": MENUS, **shop})
    return MembershipDesk(
        table,
        menus,
        config,
        KEY,
        ZoneInfo("Asia/Tokyo"),
        clock=lambda: NOW + timedelta(seconds=next(ticks)),
        coupons=table,
        staff=table,
        messages=pushes,
    )


def test_the_registration_complete_message_goes_once_to_the_submit_that_registered(table, menus):
    # Given a shop with a registration-complete message naming {name} and {member_no}
    pushes = RecordingPushes()
    desk = desk_at_ticking_clock(
        table, menus, pushes, registration_complete_message="{name}さま、会員番号は{member_no}です。"
    )
    # When the customer registers, then sends the form again and edits their profile
    desk.register(ALICE, FORM)
    desk.register(ALICE, FORM)
    desk.update_profile(ALICE, FORM)
    # Then one message arrived, filled in, with a retry key derived from the member
    assert [(to, text) for to, text, _ in pushes.pushed] == [(ALICE, "山田 花子さま、会員番号は000001です。")]
    retry_key = pushes.pushed[0][2]
    assert retry_key is not None and str(uuid.UUID(retry_key)) == retry_key


def test_a_guest_who_registers_gets_the_message_and_without_one_configured_nothing_goes(table, menus):
    pushes = RecordingPushes()
    guest_desk = desk_at_ticking_clock(
        table, menus, pushes, registration_mode=RegistrationMode.GUEST_CARD_FIRST
    )
    guest_desk.open_card(ALICE)
    assert pushes.pushed == []  # a guest card is not a registration
    guest_desk.register(ALICE, FORM)
    assert len(pushes.pushed) == 1
    silent = desk_at_ticking_clock(table, menus, pushes, registration_complete_message=None)
    silent.register(BOB, FORM)
    assert len(pushes.pushed) == 1


# The card as the customer reads it


def test_the_card_lists_unused_coupons_first_by_expiry_then_id_and_shows_the_lowest_rank_from_0(table, menus):
    ranks = (Rank(name="レギュラー", min_points=0), Rank(name="ゴールド", min_points=100))
    desk = guest_first(table, menus, ranks=ranks)
    record = desk.open_card(ALICE)

    def coupon(coupon_id: str, days: int | None, used: bool = False) -> Coupon:
        expires = NOW.date() + timedelta(days=days) if days is not None else None
        return Coupon(
            coupon_id=coupon_id,
            title=coupon_id,
            issued_at=NOW,
            expires_on=expires,
            used_at=NOW if used else None,
        )

    for held in (
        coupon("used", 1, used=True),
        coupon("b-later", 30),
        coupon("z-soon", 3),
        coupon("a-later", 30),
    ):
        table.grant_coupon(ALICE, held)
    table.grant_coupon(ALICE, coupon("no-expiry", None))

    card = desk.card_view(record)

    assert [c.coupon_id for c in card.coupons] == ["z-soon", "a-later", "b-later", "no-expiry", "used"]
    assert (card.points, card.rank) == (None, "レギュラー")
