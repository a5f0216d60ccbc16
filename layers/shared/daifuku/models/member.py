"""A LINE user in the shop's ledger: a friend from the first follow, a member once they hold a number."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field


class MembershipStatus(StrEnum):
    FRIEND = "friend"  # followed, no member number yet
    GUEST = "guest"  # holds a member number, no personal data (guest card first)
    REGISTERED = "registered"  # holds a number and registered name, birthdate and phone
    DELETED = "deleted"  # asked for their data to be deleted: a tombstone keeps the number


class Member(BaseModel):
    """The one record per LINE user. Personal fields are None until the customer registers."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    user_id: str = Field(pattern=r"^U[0-9a-f]{32}$")
    status: MembershipStatus = MembershipStatus.FRIEND

    # From LINE's profile API
    display_name: str | None = None
    picture_url: str | None = None
    status_message: str | None = None
    language: str | None = None
    profile_pending: bool = False

    # Friendship
    first_followed_at: datetime | None = None
    followed_at: datetime | None = None
    blocked: bool = False
    blocked_at: datetime | None = None
    last_interaction_at: datetime | None = None

    # Membership
    member_no: str | None = None
    registered_at: datetime | None = None
    name: str | None = None
    name_kana: str | None = None
    birthdate: date | None = None
    phone: str | None = None
    store_id: str | None = None
    gender: str | None = None
    email: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)

    # What staff record at the counter, kept on the member item so segments read one item per member.
    # Tags also have one item each (the tag index); points are the sum of the points ledger.
    tags: frozenset[str] = frozenset()
    last_visit_on: date | None = None
    points: int | None = None  # None until the shop uses points; the card shows them when present
    rank: str | None = None

    # Staff flags: a flagged member never receives a campaign
    do_not_send: bool = False
    complaint_hold: bool = False
    do_not_send_reason: str | None = None
    complaint_hold_reason: str | None = None

    @property
    def is_member(self) -> bool:
        return self.member_no is not None and self.status is not MembershipStatus.DELETED

    @property
    def birth_month(self) -> str | None:
        """MM of the birthdate: the birth-month index's key."""
        return f"{self.birthdate.month:02d}" if self.birthdate else None

    @property
    def phone_last4(self) -> str | None:
        return self.phone[-4:] if self.phone else None

    # What can_receive_campaigns reads: a send that needs nothing else of the member reads only these.
    CAMPAIGN_ELIGIBILITY_ATTRIBUTES: ClassVar[tuple[str, ...]] = (
        "user_id",
        "status",
        "blocked",
        "do_not_send",
        "complaint_hold",
    )

    @property
    def can_receive_campaigns(self) -> bool:
        return not (
            self.blocked or self.do_not_send or self.complaint_hold or self.status is MembershipStatus.DELETED
        )
