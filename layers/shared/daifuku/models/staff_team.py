"""What the owner's staff screen and the invited person's page send and receive (see
functions/liff_api/staff_team_routes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict

from daifuku.models.boundary_types import Text
from daifuku.models.staff import Request, StaffRole

# A code as the link carries it (DI1.…, about 70 characters); anything longer is no invitation of ours.
InvitationCodeText = Annotated[str, Text(120)]


class InvitationRequest(Request):
    """An owner invites someone as a clerk (`staff`) or as another owner."""

    role: StaffRole


class RoleChangeRequest(Request):
    role: StaffRole


class AcceptInvitationRequest(Request):
    code: InvitationCodeText


class Invitation(BaseModel):
    """One invitation (item INVITATION#<id>): who invited, for which role, until when, and its use."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    invitation_id: str
    role: StaffRole
    invited_by: str
    created_at: datetime
    valid_until: datetime
    used_by: str | None = None
    used_at: datetime | None = None


class IssuedInvitation(BaseModel):
    """What the owner's screen shows: the link, its QR (drawn by the server) and until when it works."""

    model_config = ConfigDict(defer_build=True)

    invitation_id: str
    role: StaffRole
    code: str
    url: str | None  # None until `daifuku setup` has created the staff LIFF app
    qr_svg: str | None
    valid_until: datetime


class InvitationPreview(BaseModel):
    """What the invited person sees before confirming."""

    model_config = ConfigDict(defer_build=True)

    role: StaffRole
    invited_by_name: str | None  # the inviting owner's LINE name, when they are a friend of the shop
    shop_name: str
    valid_until: datetime


class StaffMemberView(BaseModel):
    """One row of the owner's staff list."""

    model_config = ConfigDict(defer_build=True)

    user_id: str
    role: StaffRole
    display_name: str | None
    added_at: datetime | None = None  # unknown for staff added before invitations (daifuku setup)
