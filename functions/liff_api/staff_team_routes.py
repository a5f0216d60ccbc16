"""The staff of the shop: the owners' staff screen (/liff/api/staff/team*, declared through
`staff_route`, so owner-only like the rest of the console), and the invited person's two calls
(/liff/api/invitations/*), which anyone signed in to LINE may make: the invitation decides.

The invitation code travels in the request body, never in a URL the API's logs would keep.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Router

from daifuku.domain.barcode import qr_code_svg
from daifuku.domain.errors import StaffNotFound
from daifuku.models.staff_team import (
    AcceptInvitationRequest,
    InvitationPreview,
    InvitationRequest,
    IssuedInvitation,
    RoleChangeRequest,
)
from daifuku.tracing import function_tracer
from functions.liff_api.request_context import json_object_body, shop_config, signed_in_token, staff_team
from functions.liff_api.staff_routes import body_as, caller, staff_route

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")
router = Router()  # the invited person's calls; the owners' go on the staff router through staff_route

LINE_USER_ID = re.compile(r"^U[0-9a-f]{32}$")


def staff_user(user_id: str) -> str:
    """The path's user id; StaffNotFound (404) for anything that cannot be one."""
    if not LINE_USER_ID.match(user_id):
        raise StaffNotFound(user_id)
    return user_id


# The owner's staff screen


@staff_route("GET", "/team", owner_only=True)
@tracer.capture_method
def staff_list() -> dict[str, Any]:
    team = staff_team(router).team()
    return {"staff": [member.model_dump(mode="json") for member in team]}


@staff_route("POST", "/team/invitations", owner_only=True)
@tracer.capture_method
def invite() -> tuple[dict[str, Any], int]:
    role = body_as(InvitationRequest).role
    invitation, code, url = staff_team(router).invite(caller(), role)
    logger.info("staff invitation issued", extra={"invitation_id": invitation.invitation_id, "role": role})
    issued = IssuedInvitation(
        invitation_id=invitation.invitation_id,
        role=role,
        code=code,
        url=url,
        qr_svg=qr_code_svg(url) if url else None,
        valid_until=invitation.valid_until,
    )
    return issued.model_dump(mode="json"), 201


@staff_route("PUT", "/team/<staff_user_id>/role", owner_only=True)
@tracer.capture_method
def change_role(staff_user_id: str) -> dict[str, Any]:
    wanted = body_as(RoleChangeRequest).role
    role = staff_team(router).change_role(caller(), staff_user(staff_user_id), wanted)
    return {"user_id": staff_user_id, "role": role}


@staff_route("DELETE", "/team/<staff_user_id>", owner_only=True)
@tracer.capture_method
def remove(staff_user_id: str) -> dict[str, Any]:
    staff_team(router).remove(caller(), staff_user(staff_user_id))
    return {"removed": staff_user_id}


# The invited person


def invitation_code() -> str:
    return AcceptInvitationRequest.model_validate(json_object_body(router)).code


@router.post("/liff/api/invitations/open")
@tracer.capture_method
def open_invitation() -> dict[str, Any]:
    """What the link offers (the role, who invited), before the person confirms; nothing changes."""
    user_id = signed_in_token(router).user_id
    invitation, inviter_name = staff_team(router).open_invitation(user_id, invitation_code())
    return InvitationPreview(
        role=invitation.role,
        invited_by_name=inviter_name,
        shop_name=shop_config(router).shop_name,
        valid_until=invitation.valid_until,
    ).model_dump(mode="json")


@router.post("/liff/api/invitations/accept")
@tracer.capture_method
def accept_invitation() -> dict[str, Any]:
    """The person joins the staff in the invitation's role; the link is used up."""
    token = signed_in_token(router)
    invitation = staff_team(router).accept(token.user_id, invitation_code(), token.name)
    logger.info("staff invitation accepted", extra={"invitation_id": invitation.invitation_id})
    return {"role": invitation.role}
