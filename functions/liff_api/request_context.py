"""What every /liff/api route asks of its request: the signed-in user, the JSON body, the shop's
configuration and the desks wired for it. The customer and staff routers both import this module.

Every route but the health check and the form definition starts from the LIFF ID token, verified by
LINE: the user id comes from it and from nothing else.
"""

from __future__ import annotations

import json
from datetime import date
from typing import TYPE_CHECKING, Any

from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, BaseRouter
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import BaseModel, ConfigDict

from daifuku.domain.errors import InvalidIdToken, NotOwner, NotStaff
from daifuku.domain.inflow_routes import RouteId
from daifuku.domain.scenarios import ScenarioId
from daifuku.models.boundary_types import CampaignId, ClientId, KeyId, LineUserId, TemplateId
from daifuku.models.shop import ShopConfig
from daifuku.wiring import current_wiring

# The desks are imported by the function that wires each: a route loads only its own desk's domain
# modules (tests/unit/test_perf_lazy_imports.py).
if TYPE_CHECKING:
    from daifuku.adapters.line_login import VerifiedIdToken
    from daifuku.domain.campaign_desk import CampaignDesk
    from daifuku.domain.campaigns import CampaignProgress
    from daifuku.domain.coupon_desk import CouponDesk
    from daifuku.domain.inflow_routes import RouteDesk
    from daifuku.domain.membership import MembershipDesk
    from daifuku.domain.shop_settings import SettingsDesk
    from daifuku.domain.staff_desk import StaffDesk
    from daifuku.domain.staff_team import StaffTeam

# The registration form is a few hundred bytes; nothing the pages send comes near this.
MAX_BODY_BYTES = 16 * 1024
# But the owner's messages section holds up to five of LINE's 5,000-character texts, JSON-escaped.
SETTINGS_PATH_PREFIX = "/liff/api/staff/settings/"
SETTINGS_MAX_BODY_BYTES = 160 * 1024
# And the owner's own rich menu image: up to 1 MB, base64 in JSON (the model refuses more than 1 MB).
RICH_MENU_PATH_PREFIX = "/liff/api/staff/rich-menus/"
RICH_MENU_MAX_BODY_BYTES = 1_600_000
# As do the conversations' texts (a reply, a saved reply, an auto-reply: 5,000 characters each).
LARGE_BODY_PATH_PREFIXES = (
    SETTINGS_PATH_PREFIX,
    "/liff/api/staff/auto-repl",
    "/liff/api/staff/conversations/",
    "/liff/api/staff/saved-replies/",
)
# LINE's rich-menu calls happen while the customer waits for the card: give up early, retry later.
RICH_MENU_TIMEOUT_SECONDS = 2


class BodyTooLarge(Exception):
    pass


class MalformedBody(Exception):
    pass


def reject_oversized_bodies(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """Before anything else looks at the body, including LINE's token check."""
    body = app.current_event.body or ""
    size = len(body) * 3 // 4 if app.current_event.is_base64_encoded else len(body.encode())
    path = app.current_event.path
    if path.startswith(RICH_MENU_PATH_PREFIX):
        limit = RICH_MENU_MAX_BODY_BYTES
    else:
        limit = SETTINGS_MAX_BODY_BYTES if path.startswith(LARGE_BODY_PATH_PREFIXES) else MAX_BODY_BYTES
    if size > limit:
        raise BodyTooLarge
    return next_middleware(app)


class PathParameters(BaseModel):
    """Every path parameter a route declares, by name, and the boundary type its value must have: a
    parameter becomes part of a DynamoDB key, and AWS answers a key over its limits with a 500."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    user_id: LineUserId | None = None
    member_no: KeyId | None = None
    coupon_id: KeyId | None = None
    template_id: TemplateId | None = None
    campaign_id: CampaignId | None = None
    staff_user_id: LineUserId | None = None
    section: KeyId | None = None  # a settings section; an unknown one is a 404 from the desk
    menu_kind: KeyId | None = None  # a rich menu (pre_registration, member); another is a 422 from the desk
    key_id: KeyId | None = None  # a partner API key; an unknown one is a 404 from the desk
    endpoint_id: KeyId | None = None  # an outgoing-event endpoint (connect_routes)
    scenario_id: ScenarioId | None = None
    rule_id: ClientId | None = None  # an auto-reply rule (conversations)
    saved_reply_id: ClientId | None = None  # a saved reply (conversations)
    route_id: RouteId | None = None  # an inflow route (or 「その他」)


PATH_PARAMETERS = frozenset(PathParameters.model_fields)


def refuse_bad_path_parameters(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
    """422 naming each path parameter that is not its boundary type, before any route or token check."""
    PathParameters.model_validate(app.context.get("_route_args", {}))
    return next_middleware(app)


def signed_in_user_id(request: BaseRouter) -> str:
    """The LINE user id from the request's verified LIFF ID token (Authorization: Bearer …)."""
    return signed_in_token(request).user_id


def signed_in_token(request: BaseRouter) -> VerifiedIdToken:
    """The request's verified LIFF ID token: the user id, and their LINE name when LIFF shared it."""
    header = request.current_event.headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        raise InvalidIdToken("no bearer token")
    return current_wiring().id_token_verifier().verify(token.strip())


def staff_role_of_caller(request: BaseRouter, *, owner_only: bool = False) -> tuple[str, str]:
    """(user id, staff role) of the signed-in user; NotStaff / NotOwner for anyone else."""
    user_id = signed_in_user_id(request)
    role = current_wiring().table.staff.staff_role(user_id)
    if role is None:
        raise NotStaff(user_id)
    if owner_only and role != "owner":
        raise NotOwner(user_id)
    return user_id, role


def json_object_body(request: BaseRouter) -> dict[str, Any]:
    """The body as a JSON object; MalformedBody for anything else."""
    try:
        body = json.loads(request.current_event.decoded_body or "")
    except ValueError:
        raise MalformedBody from None
    if not isinstance(body, dict):
        raise MalformedBody
    return body


def shop_config(request: BaseRouter) -> ShopConfig:
    """Read once per request (one small GetItem): the owner's edits apply at once."""
    shop = request.context.get("shop_config")
    if not isinstance(shop, ShopConfig):
        shop = current_wiring().table.shop_config.load_shop_config()
        request.append_context(shop_config=shop)  # the resolver clears its context after each request
    return shop


def shop_today() -> date:
    wiring = current_wiring()
    return wiring.clock().astimezone(wiring.timezone).date()


def progress_json(progress: CampaignProgress) -> dict[str, Any]:
    return progress.model_dump(mode="json") | {"percent_done": progress.percent_done}


# The desks, wired for this request


def membership_desk(request: BaseRouter) -> MembershipDesk:
    from daifuku.domain.card_token import card_signing_key
    from daifuku.domain.membership import MembershipDesk

    wiring = current_wiring()
    line = wiring.line(timeout_seconds=RICH_MENU_TIMEOUT_SECONDS)
    return MembershipDesk(
        repository=wiring.table.members,
        rich_menus=line,
        shop=shop_config(request),
        card_signing_key=card_signing_key(wiring.line_credentials().channel_secret.get_secret_value()),
        timezone=wiring.timezone,
        counters=wiring.table.stats,
        coupons=wiring.table.coupons,
        staff=wiring.table.staff,
        messages=line,
        events=wiring.shop_events,
        clock=wiring.clock,
        scenarios=wiring.scenario_engine(),
        routes=route_desk(),
    )


def staff_desk(request: BaseRouter) -> StaffDesk:
    """The staff console's desk, also behind the customer's coupon routes."""
    from daifuku.domain.poster_codes import poster_signing_key
    from daifuku.domain.staff_desk import StaffDesk

    wiring = current_wiring()
    return StaffDesk(
        members=wiring.table.members,
        care=wiring.table.member_care,
        search_index=wiring.table.member_reader(),
        coupons=wiring.table.coupons,
        points=wiring.table.points,
        stats=wiring.table.stats,
        line=wiring.line(),
        shop=shop_config(request),
        timezone=wiring.timezone,
        poster_key=poster_signing_key(wiring.line_credentials().channel_secret.get_secret_value()),
        events=wiring.shop_events,
        clock=wiring.clock,
        scenarios=wiring.scenario_engine(),
        routes=route_desk(),
        campaign_results=wiring.table.campaign_funnel,
        cap=wiring.table.frequency_cap(),
    )


def route_desk() -> RouteDesk:
    """Inflow routes: entries, the owner's routes and figures, and the counts other paths add."""
    from daifuku.domain.inflow_routes import RouteDesk

    wiring = current_wiring()
    routes = wiring.table.inflow_routes
    return RouteDesk(
        records=routes,
        actions=routes,
        timezone=wiring.timezone,
        clock=wiring.clock,
        scenarios=wiring.scenario_engine(),
        scenario_lookup=wiring.table.scenarios(),
    )


def staff_team(request: BaseRouter) -> StaffTeam:
    """The owners' staff management and the invitations (the link opens the staff LIFF app)."""
    from daifuku.domain.staff_invitations import invitation_signing_key
    from daifuku.domain.staff_team import StaffTeam

    wiring = current_wiring()
    return StaffTeam(
        roster=wiring.table.staff,
        members=wiring.table.members,
        stats=wiring.table.stats,
        signing_key=invitation_signing_key(wiring.line_credentials().channel_secret.get_secret_value()),
        staff_app=shop_config(request).liff_apps.staff,
        clock=wiring.clock,
    )


def coupon_desk(request: BaseRouter) -> CouponDesk:
    from daifuku.domain.coupon_desk import CouponDesk

    return CouponDesk(staff_desk(request))


def campaign_desk() -> CampaignDesk:
    from daifuku.domain.campaign_desk import CampaignDesk

    wiring = current_wiring()
    line = wiring.line()
    return CampaignDesk(
        records=wiring.table.campaigns(),
        schedules=wiring.campaign_schedules,
        quota=line,
        clock=wiring.clock,
        units=line,
        scenarios=wiring.table.scenarios(),
    )


def settings_desk() -> SettingsDesk:
    """The owner's 設定, which asks the painter to redraw the rich menus when the name or colour changes."""
    from daifuku.domain.shop_settings import SettingsDesk

    wiring = current_wiring()
    table = wiring.table
    return SettingsDesk(
        config=table.shop_config,
        numbers=table.members,
        audit_log=table.stats,
        rich_menu_refresh=wiring.rich_menu_refresh,
        clock=wiring.clock,
    )
