"""The staff of the shop: the owners' staff screen (/liff/api/staff/team*, declared through
`staff_route`, so owner-only like the rest of the console). The invited person's two calls are
invitation_routes.py, served with the customer's routes.
"""

from __future__ import annotations

import re
from typing import Any

from aws_lambda_powertools import Logger

from daifuku.domain.barcode import qr_code_svg
from daifuku.domain.errors import StaffNotFound
from daifuku.models.staff_team import InvitationRequest, IssuedInvitation, RoleChangeRequest
from daifuku.tracing import function_tracer
from functions.liff_api.request_context import staff_team
from functions.liff_api.staff_routes import body_as, caller, router, staff_route

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")

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
