"""The invited person's two calls (/liff/api/invitations/*), which anyone signed in to LINE may make:
the invitation decides. The owners' staff screen is staff_team_routes.py, on the staff router.

A router of its own, served with the customer's routes (handler.py): opening an invitation loads none
of the staff console's modules. The invitation code travels in the request body, never in a URL the
API's logs would keep.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler.api_gateway import Router

from daifuku.models.staff_team import AcceptInvitationRequest, InvitationPreview
from daifuku.tracing import function_tracer
from functions.liff_api.request_context import json_object_body, shop_config, signed_in_token, staff_team

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")
router = Router()


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
