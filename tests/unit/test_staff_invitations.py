"""Staff invitations and the staff list: a link made by an owner works once, for 24 hours, only as
signed; owners change roles and remove staff, and the shop never loses its last owner."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daifuku.domain.errors import AlreadyStaff, InvalidInvitation, LastOwner, NotOwner, StaffNotFound
from daifuku.domain.staff_invitations import (
    VALID_FOR,
    invitation_signing_key,
    issue_invitation_code,
    new_invitation_id,
    verify_invitation_code,
)
from daifuku.domain.staff_team import AcceptOutcome, Outcome, StaffRecord, StaffTeam
from daifuku.models.membership import MembershipRecord
from daifuku.models.staff import AuditEntry
from daifuku.models.staff_team import Invitation

KEY = invitation_signing_key("channel-secret-of-this-shop")
NOW = datetime(2026, 12, 6, 3, 0, tzinfo=UTC)
OWNER, OWNER_2, CLERK, NEWCOMER = ("U" + c * 32 for c in "abcd")


# The code


def test_a_code_is_good_until_its_time_and_names_the_invitation_and_role():
    invitation_id = new_invitation_id()
    code = issue_invitation_code(invitation_id, "staff", NOW + VALID_FOR, KEY)
    verified = verify_invitation_code(code, KEY, NOW + VALID_FOR - timedelta(seconds=1))
    assert (verified.invitation_id, verified.role, verified.valid_until) == (
        invitation_id,
        "staff",
        NOW + VALID_FOR,
    )
    assert code.replace(".", "").isalnum() and code == code.upper()  # a compact alphanumeric QR


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        (lambda code: code.replace(".S.", ".O."), "forged"),  # a clerk's link made an owner's
        (lambda code: code[:-1] + ("A" if code[-1] != "A" else "B"), "forged"),
        (lambda code: code.replace(code.split(".")[3], str(int(code.split(".")[3]) + 3600)), "forged"),
        (lambda code: code[:20], "malformed"),
        (lambda code: "DI1." + "x" * 60, "malformed"),
        (lambda code: "", "malformed"),
    ],
)
def test_an_altered_code_is_refused_with_its_reason(change, reason):
    code = issue_invitation_code(new_invitation_id(), "staff", NOW + VALID_FOR, KEY)
    with pytest.raises(InvalidInvitation) as refused:
        verify_invitation_code(change(code), KEY, NOW)
    assert str(refused.value) == reason


def test_a_code_of_another_deployment_is_forged_and_an_old_one_expired():
    other_key = invitation_signing_key("another-shop")
    with pytest.raises(InvalidInvitation, match="forged"):
        verify_invitation_code(
            issue_invitation_code(new_invitation_id(), "owner", NOW + VALID_FOR, other_key), KEY, NOW
        )
    old = issue_invitation_code(new_invitation_id(), "owner", NOW - timedelta(seconds=1), KEY)
    with pytest.raises(InvalidInvitation, match="expired"):
        verify_invitation_code(old, KEY, NOW)


@given(st.text(max_size=200))
def test_any_text_is_refused_cleanly(text):
    with pytest.raises(InvalidInvitation):
        verify_invitation_code(text, KEY, NOW)


# The roster, in memory, with the adapter's conditions


@dataclass
class FakeRoster:
    staff: dict[str, StaffRecord] = field(default_factory=dict)
    invitations: dict[str, Invitation] = field(default_factory=dict)

    def staff_records(self) -> list[StaffRecord]:
        return list(self.staff.values())

    def staff_role(self, user_id: str) -> str | None:
        record = self.staff.get(user_id)
        return record.role if record else None

    def save_invitation(self, invitation: Invitation) -> None:
        self.invitations[invitation.invitation_id] = invitation

    def load_invitation(self, invitation_id: str) -> Invitation | None:
        return self.invitations.get(invitation_id)

    def accept_invitation(self, invitation, user_id, at, display_name) -> AcceptOutcome:
        if user_id in self.staff:
            return AcceptOutcome.ALREADY_STAFF
        if self.invitations[invitation.invitation_id].used_at is not None:
            return AcceptOutcome.USED
        if self.staff_role(invitation.invited_by) != "owner":
            return AcceptOutcome.INVITER_GONE
        self.invitations[invitation.invitation_id] = invitation.model_copy(
            update={"used_by": user_id, "used_at": at}
        )
        self.staff[user_id] = StaffRecord(user_id, invitation.role, at, display_name)
        return AcceptOutcome.ACCEPTED

    def set_role(self, user_id, role, *, expected, keeper) -> Outcome:
        outcome = self._check(user_id, expected, keeper)
        if outcome is Outcome.DONE:
            self.staff[user_id] = replace(self.staff[user_id], role=role)
        return outcome

    def remove_staff(self, user_id, *, expected, keeper) -> Outcome:
        outcome = self._check(user_id, expected, keeper)
        if outcome is Outcome.DONE:
            del self.staff[user_id]
        return outcome

    def _check(self, user_id, expected, keeper) -> Outcome:
        assert keeper != user_id
        if self.staff_role(user_id) != expected:
            return Outcome.CHANGED
        return Outcome.DONE if self.staff_role(keeper) == "owner" else Outcome.KEEPER_GONE


@dataclass
class FakeMembers:
    names: dict[str, str] = field(default_factory=dict)

    def find_membership(self, user_id: str) -> MembershipRecord | None:
        name = self.names.get(user_id)
        return MembershipRecord(user_id=user_id, display_name=name) if name else None

    def find_member_by_number(self, member_no: str) -> MembershipRecord | None:
        return None


@dataclass
class FakeAudit:
    entries: list[AuditEntry] = field(default_factory=list)

    def write_audit(self, entry: AuditEntry) -> None:
        self.entries.append(entry)


@dataclass
class Shop:
    roster: FakeRoster
    audit: FakeAudit
    team: StaffTeam
    clock: list[datetime]

    def at(self, when: datetime) -> None:
        self.clock[0] = when


@pytest.fixture
def shop() -> Shop:
    roster, audit, clock = FakeRoster(), FakeAudit(), [NOW]
    roster.staff[OWNER] = StaffRecord(OWNER, "owner")
    team = StaffTeam(
        roster=roster,
        members=FakeMembers({OWNER: "店長", CLERK: "山田"}),
        stats=audit,  # type: ignore[arg-type]
        signing_key=KEY,
        staff_app="1234-staff",
        clock=lambda: clock[0],
    )
    return Shop(roster, audit, team, clock)


def test_an_invited_person_sees_the_inviter_and_role_then_joins_once(shop):
    _, code, url = shop.team.invite(OWNER, "staff")
    assert url == f"https://liff.line.me/1234-staff?invite={code}"

    seen, inviter = shop.team.open_invitation(NEWCOMER, code)
    assert (seen.role, inviter) == ("staff", "店長")
    assert shop.roster.staff_role(NEWCOMER) is None  # opening changes nothing

    shop.team.accept(NEWCOMER, code, "新人さん")
    assert shop.roster.staff[NEWCOMER].role == "staff"
    with pytest.raises(InvalidInvitation, match="used"):
        shop.team.accept(CLERK, code, None)
    with pytest.raises(AlreadyStaff):  # the newcomer opening their link again
        shop.team.open_invitation(NEWCOMER, code)
    assert [e.action for e in shop.audit.entries] == ["staff.invite", "staff.join"]
    assert shop.audit.entries[1].detail["invited_by"] == OWNER


def test_refused_links_change_nothing(shop):
    invitation, code, _ = shop.team.invite(OWNER, "owner")
    shop.at(NOW + VALID_FOR)
    with pytest.raises(InvalidInvitation, match="expired"):
        shop.team.accept(NEWCOMER, code, None)
    shop.at(NOW)
    with pytest.raises(AlreadyStaff):  # someone already on the staff: the link stays for its invitee
        shop.team.accept(OWNER, code, None)
    assert shop.roster.invitations[invitation.invitation_id].used_at is None
    shop.roster.staff[OWNER] = StaffRecord(OWNER, "staff")  # the inviter is no owner any more
    with pytest.raises(InvalidInvitation, match="inviter_gone"):
        shop.team.accept(NEWCOMER, code, None)
    assert set(shop.roster.staff) == {OWNER}
    assert [e.action for e in shop.audit.entries] == ["staff.invite"]


def test_a_genuine_code_without_its_invitation_is_unknown(shop):
    code = issue_invitation_code(new_invitation_id(), "staff", NOW + VALID_FOR, KEY)
    with pytest.raises(InvalidInvitation, match="unknown"):
        shop.team.open_invitation(NEWCOMER, code)


def test_the_list_names_staff_owners_first(shop):
    shop.roster.staff[CLERK] = StaffRecord(CLERK, "staff")
    shop.roster.staff[NEWCOMER] = StaffRecord(NEWCOMER, "staff", NOW, "IDトークンの名前")
    team = shop.team.team()
    assert [(m.user_id, m.role, m.display_name) for m in team] == [
        (OWNER, "owner", "店長"),
        (NEWCOMER, "staff", "IDトークンの名前"),
        (CLERK, "staff", "山田"),
    ]


def test_the_last_owner_can_neither_step_down_nor_leave(shop):
    with pytest.raises(LastOwner):
        shop.team.change_role(OWNER, OWNER, "staff")
    with pytest.raises(LastOwner):
        shop.team.remove(OWNER, OWNER)
    assert shop.roster.staff_role(OWNER) == "owner" and shop.audit.entries == []


def test_with_two_owners_one_may_step_down_and_the_other_then_is_the_last(shop):
    shop.roster.staff[OWNER_2] = StaffRecord(OWNER_2, "owner")
    assert shop.team.change_role(OWNER, OWNER, "staff") == "staff"
    with pytest.raises(NotOwner):  # the former owner's next change finds them no owner
        shop.team.remove(OWNER, OWNER_2)
    with pytest.raises(LastOwner):
        shop.team.remove(OWNER_2, OWNER_2)
    shop.team.remove(OWNER_2, OWNER)
    assert set(shop.roster.staff) == {OWNER_2}
    assert [(e.action, e.target_user_id, e.detail) for e in shop.audit.entries] == [
        ("staff.role", OWNER, {"role": "staff", "previous_role": "owner"}),
        ("staff.remove", OWNER, {"role": "staff"}),
    ]


def test_an_owner_promotes_and_removes_a_clerk(shop):
    shop.roster.staff[CLERK] = StaffRecord(CLERK, "staff")
    assert shop.team.change_role(OWNER, CLERK, "owner") == "owner"
    assert shop.team.change_role(OWNER, CLERK, "owner") == "owner"  # already: nothing more written
    shop.team.remove(OWNER, CLERK)
    with pytest.raises(StaffNotFound):
        shop.team.remove(OWNER, CLERK)
    assert [e.action for e in shop.audit.entries] == ["staff.role", "staff.remove"]
