"""The shop's staff, managed by its owners: invitations (a one-time signed link), the staff list with
LINE names, role changes and removals. The shop never loses its last owner.

Pure domain behind the `StaffRosterRecords` port (adapters.dynamodb.staff). Every change is one
conditional write or transaction, so the rules hold under concurrent requests:
- accepting an invitation marks it used, adds the STAFF item (only if the person is not staff yet) and
  checks that the inviter is still an owner, in one transaction: a link works once, for one person;
- demoting or removing someone checks, in the same transaction, that another named owner (the owner
  acting, or, when an owner steps down, another owner) still is one. Two owners demoting each other
  at once therefore cannot both succeed: whichever commits second finds its check failed.
Every change writes one audit entry.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from daifuku.clock import system_clock
from daifuku.domain.errors import (
    AlreadyStaff,
    InvalidInvitation,
    LastOwner,
    NotOwner,
    RecordContention,
    StaffNotFound,
)
from daifuku.domain.staff_invitations import (
    VALID_FOR,
    issue_invitation_code,
    new_invitation_id,
    verify_invitation_code,
)
from daifuku.domain.staff_records import StaffMemberRecords, StatsRecords
from daifuku.models.staff import AuditEntry
from daifuku.models.staff_team import Invitation, StaffMemberView, StaffRole

OWNER = "owner"
# Reads, then a conditional write: when another owner's change lands in between, read again.
ATTEMPTS = 3


class Outcome(StrEnum):
    DONE = "done"
    CHANGED = "changed"  # the target is not in the role that was read (or gone)
    KEEPER_GONE = "keeper_gone"  # the owner who had to remain one no longer is


class AcceptOutcome(StrEnum):
    ACCEPTED = "accepted"
    USED = "used"
    ALREADY_STAFF = "already_staff"
    INVITER_GONE = "inviter_gone"


@dataclass(frozen=True)
class StaffRecord:
    user_id: str
    role: StaffRole
    added_at: datetime | None = None
    display_name: str | None = None  # the LINE name from the ID token, when they joined by invitation


class StaffRosterRecords(Protocol):
    """The STAFF items and the invitations (adapters.dynamodb.staff)."""

    def staff_records(self) -> list[StaffRecord]: ...

    def staff_role(self, user_id: str) -> str | None: ...

    def save_invitation(self, invitation: Invitation) -> None: ...

    def load_invitation(self, invitation_id: str) -> Invitation | None: ...

    def accept_invitation(
        self, invitation: Invitation, user_id: str, at: datetime, display_name: str | None
    ) -> AcceptOutcome:
        """Mark it used by `user_id` and add them as staff in its role, if it is unused, they are not
        staff and the inviter is still an owner; all or nothing."""

    def set_role(self, user_id: str, role: str, *, expected: str, keeper: str) -> Outcome:
        """Move `user_id` from `expected` to `role` while `keeper` is an owner."""

    def remove_staff(self, user_id: str, *, expected: str, keeper: str) -> Outcome:
        """Delete `user_id`'s STAFF item, still in `expected`, while `keeper` is an owner."""


@dataclass
class StaffTeam:
    roster: StaffRosterRecords
    members: StaffMemberRecords  # the friend ledger, for LINE names
    stats: StatsRecords  # the audit log
    signing_key: bytes
    staff_app: str | None  # the staff LIFF app id: the link opens it
    clock: Callable[[], datetime] = field(default=system_clock)

    # Invitations

    def invite(self, owner: str, role: StaffRole) -> tuple[Invitation, str, str | None]:
        """(the invitation, its code, the link that opens the staff app with it) for 24 hours."""
        now = self.clock()
        invitation = Invitation(
            invitation_id=new_invitation_id(),
            role=role,
            invited_by=owner,
            created_at=now,
            valid_until=(now + VALID_FOR).replace(microsecond=0),
        )
        self.roster.save_invitation(invitation)
        code = issue_invitation_code(invitation.invitation_id, role, invitation.valid_until, self.signing_key)
        url = f"https://liff.line.me/{self.staff_app}?invite={code}" if self.staff_app else None
        self._audit(owner, "staff.invite", None, role=role, invitation_id=invitation.invitation_id)
        return invitation, code, url

    def open_invitation(self, user_id: str, code: str) -> tuple[Invitation, str | None]:
        """(the invitation, its inviter's LINE name) for the person who opened the link, if they can
        accept it; InvalidInvitation or AlreadyStaff otherwise."""
        invitation = self._usable(user_id, code)
        return invitation, self.display_names({invitation.invited_by}).get(invitation.invited_by)

    def accept(self, user_id: str, code: str, display_name: str | None) -> Invitation:
        """The opener joins the staff in the invitation's role; the link is used up."""
        invitation = self._usable(user_id, code)
        outcome = self.roster.accept_invitation(invitation, user_id, self.clock(), display_name)
        if outcome is AcceptOutcome.ALREADY_STAFF:
            raise AlreadyStaff(user_id)
        if outcome is not AcceptOutcome.ACCEPTED:
            raise InvalidInvitation(outcome.value)
        self._audit(
            user_id,
            "staff.join",
            user_id,
            role=invitation.role,
            invitation_id=invitation.invitation_id,
            invited_by=invitation.invited_by,
        )
        return invitation

    def _usable(self, user_id: str, code: str) -> Invitation:
        verified = verify_invitation_code(code, self.signing_key, self.clock())
        invitation = self.roster.load_invitation(verified.invitation_id)
        if invitation is None or invitation.role != verified.role:
            raise InvalidInvitation("unknown")
        if self.roster.staff_role(user_id) is not None:
            raise AlreadyStaff(user_id)
        if invitation.used_at is not None:
            raise InvalidInvitation("used")
        if self.roster.staff_role(invitation.invited_by) != OWNER:
            raise InvalidInvitation("inviter_gone")
        return invitation

    # The staff list

    def team(self) -> list[StaffMemberView]:
        """Owners first, then by name: everyone on the staff, with their LINE names."""
        records = self.roster.staff_records()
        names = self.display_names({r.user_id for r in records})
        views = [
            StaffMemberView(
                user_id=r.user_id,
                role=r.role,
                display_name=names.get(r.user_id) or r.display_name,
                added_at=r.added_at,
            )
            for r in records
        ]
        return sorted(views, key=lambda v: (v.role != OWNER, v.display_name or "\uffff", v.user_id))

    def display_names(self, user_ids: set[str]) -> dict[str, str]:
        """LINE names from the friend ledger (staff who are friends of the shop have a member item)."""
        records = {user_id: self.members.find_membership(user_id) for user_id in sorted(user_ids)}
        return {user_id: r.display_name for user_id, r in records.items() if r is not None and r.display_name}

    # Changes

    def change_role(self, owner: str, user_id: str, role: StaffRole) -> StaffRole:
        """Make `user_id` a clerk or an owner; LastOwner when it would leave no owner."""
        for _ in range(ATTEMPTS):
            current = self._current_role(user_id)
            if current == role:
                return role
            keeper = self._keeper(owner, user_id)
            outcome = self.roster.set_role(user_id, role, expected=current, keeper=keeper)
            if outcome is Outcome.DONE:
                self._audit(owner, "staff.role", user_id, role=role, previous_role=current)
                return role
            self._unless_still_owner(owner, outcome)
        raise RecordContention(user_id)

    def remove(self, owner: str, user_id: str) -> None:
        """Take `user_id` off the staff (they keep their friendship and membership); LastOwner when it
        would leave no owner."""
        for _ in range(ATTEMPTS):
            current = self._current_role(user_id)
            outcome = self.roster.remove_staff(user_id, expected=current, keeper=self._keeper(owner, user_id))
            if outcome is Outcome.DONE:
                self._audit(owner, "staff.remove", user_id, role=current)
                return
            self._unless_still_owner(owner, outcome)
        raise RecordContention(user_id)

    def _current_role(self, user_id: str) -> str:
        role = self.roster.staff_role(user_id)
        if role is None:
            raise StaffNotFound(user_id)
        return role

    def _keeper(self, owner: str, target: str) -> str:
        """The owner who must still be one when `target` changes: the acting owner, or, when they
        change themselves, another owner (LastOwner when there is none)."""
        if owner != target:
            return owner
        records = self.roster.staff_records()
        others = sorted(r.user_id for r in records if r.role == OWNER and r.user_id != owner)
        if not others:
            raise LastOwner(owner)
        return others[0]

    def _unless_still_owner(self, owner: str, outcome: Outcome) -> None:
        """After a refused write: the acting owner demoted meanwhile may do no more (NotOwner)."""
        if outcome is Outcome.KEEPER_GONE and self.roster.staff_role(owner) != OWNER:
            raise NotOwner(owner)

    def _audit(self, actor: str, action: str, target: str | None, **detail: str) -> None:
        at = self.clock()
        self.stats.write_audit(
            AuditEntry(at=at, actor_user_id=actor, action=action, target_user_id=target, detail=detail)
        )
