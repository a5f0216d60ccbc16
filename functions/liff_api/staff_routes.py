"""/liff/api/staff/*: the staff console's API (the counter, member management, coupons, campaigns,
the dashboard and the audit log).

Every route is declared through `staff_route`, which puts the staff check in front of it: the LIFF
ID token is verified, then the caller's role is read from the STAFF items (403 not_staff for anyone
else; 403 not_owner on owner-only routes). `STAFF_ROUTES` records each route's policy, so the tests
can walk the route table and call every route as a non-staff user, a staff member and an owner.
Every route that changes something writes one audit entry (see StaffDesk.audit).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aws_lambda_powertools import Logger
from aws_lambda_powertools.event_handler import Response
from aws_lambda_powertools.event_handler.api_gateway import APIGatewayHttpResolver, Router
from aws_lambda_powertools.event_handler.middlewares import NextMiddleware
from pydantic import BaseModel

from daifuku.domain.barcode import qr_code_svg
from daifuku.domain.campaign_desk import CampaignRequest
from daifuku.domain.campaign_planning import QuotaStanding
from daifuku.domain.errors import LineRequestFailed
from daifuku.domain.staff_desk import StaffDesk
from daifuku.models.staff import (
    AuditQuery,
    BulkFlagRequest,
    CouponTemplateRequest,
    DashboardQuery,
    FlagsRequest,
    IssueRequest,
    MemberSearchQuery,
    MemoRequest,
    PointsAdjustmentRequest,
    ScanRequest,
    SegmentEstimateRequest,
    TagsRequest,
    VisitRequest,
)
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import (
    campaign_desk,
    coupon_desk,
    json_object_body,
    membership_desk,
    progress_json,
    shop_config,
    staff_desk,
    staff_role_of_caller,
)

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")
router = Router()
Route = TypeVar("Route", bound=Callable[..., Any])
Query = TypeVar("Query", bound=BaseModel)

STAFF_PREFIX = "/liff/api/staff"


@dataclass(frozen=True)
class StaffRoutePolicy:
    owner_only: bool
    mutating: bool  # writes an audit entry


STAFF_ROUTES: dict[tuple[str, str], StaffRoutePolicy] = {}


def _require_role(owner_only: bool) -> Callable[[APIGatewayHttpResolver, NextMiddleware], Response]:
    def require_role(app: APIGatewayHttpResolver, next_middleware: NextMiddleware) -> Response:
        user_id, role = staff_role_of_caller(router, owner_only=owner_only)
        app.append_context(staff_user_id=user_id, staff_role=role)
        return next_middleware(app)

    return require_role


REQUIRE_STAFF = _require_role(owner_only=False)
REQUIRE_OWNER = _require_role(owner_only=True)


def staff_route(
    method: str, path: str, *, owner_only: bool = False, read_only: bool | None = None
) -> Callable[[Route], Route]:
    """Register a staff route behind the role check. GETs are read-only; other methods change
    something (and write an audit entry) unless `read_only` says otherwise."""
    rule = f"{STAFF_PREFIX}{path}"
    mutating = not (read_only if read_only is not None else method == "GET")
    STAFF_ROUTES[(method, rule)] = StaffRoutePolicy(owner_only=owner_only, mutating=mutating)
    return router.route(rule, method, middlewares=[REQUIRE_OWNER if owner_only else REQUIRE_STAFF])


def caller() -> str:
    """The staff member making this request (set by the role check)."""
    return str(router.context["staff_user_id"])


def body_as(model: type[Any]) -> Any:
    """The JSON body validated by `model` (422 with the fields otherwise)."""
    return model.model_validate(json_object_body(router))


def log_notes(desk: StaffDesk) -> None:
    for note in desk.notes:
        logger.warning("staff side effect", extra={"note": note})


def query_as(model: type[Query]) -> Query:
    """The query string validated by `model` (422 with the fields otherwise); each value a string."""
    return model.model_validate(router.current_event.query_string_parameters or {})


# Who am I


@staff_route("GET", "/me")
@tracer.capture_method
def whoami() -> dict[str, Any]:
    shop = shop_config(router)
    return {
        "user_id": caller(),
        "role": router.context["staff_role"],
        "shop_name": shop.shop_name,
        "theme_color": shop.theme_color,
    }


# The counter


@staff_route("POST", "/card-check", read_only=True)
@tracer.capture_method
def check_card() -> dict[str, Any]:
    """Is this QR a live member card? (The console uses /scan, which also opens the member.)"""
    token = body_as(ScanRequest).token
    check = membership_desk(router).check_card_token(caller(), token)
    return {
        "valid": check.valid,
        "reason": check.reason,
        "member_no": check.member_no,
        "status": check.status,
    }


@staff_route("POST", "/scan", read_only=True)
@tracer.capture_method
def scan_card() -> dict[str, Any]:
    token = body_as(ScanRequest).token
    check = membership_desk(router).check_card_token(caller(), token)
    if not check.valid:
        logger.info("card refused", extra={"reason": check.reason})
        return {"valid": False, "reason": check.reason}
    member = staff_desk(router).scanned(check)
    return {"valid": True, "member": member.model_dump(mode="json") if member else None}


@staff_route("GET", "/members/by-number/<member_no>")
@tracer.capture_method
def member_by_number(member_no: str) -> dict[str, Any]:
    return staff_desk(router).member_by_number(member_no).model_dump(mode="json")


@staff_route("GET", "/members/<user_id>")
@tracer.capture_method
def member_detail(user_id: str) -> dict[str, Any]:
    return staff_desk(router).member_detail(user_id).model_dump(mode="json")


@staff_route("POST", "/members/<user_id>/visits")
@tracer.capture_method
def record_visit(user_id: str) -> tuple[dict[str, Any], int]:
    desk = staff_desk(router)
    result, created = desk.record_visit(caller(), user_id, body_as(VisitRequest))
    log_notes(desk)
    return result.model_dump(mode="json"), 201 if created else 200


@staff_route("POST", "/members/<user_id>/coupons/<coupon_id>/redeem")
@tracer.capture_method
def redeem_coupon(user_id: str, coupon_id: str) -> dict[str, Any]:
    used_at = staff_desk(router).redeem(caller(), user_id, coupon_id)
    return {"coupon_id": coupon_id, "used_at": used_at.isoformat()}


@staff_route("POST", "/members/<user_id>/points")
@tracer.capture_method
def adjust_points(user_id: str) -> dict[str, Any]:
    desk = staff_desk(router)
    detail = desk.adjust_points(caller(), user_id, body_as(PointsAdjustmentRequest))
    log_notes(desk)
    return {"points": detail.points, "rank": detail.rank, "member": detail.model_dump(mode="json")}


# Member management


@staff_route("GET", "/members")
@tracer.capture_method
def search_members() -> dict[str, Any]:
    query = query_as(MemberSearchQuery)
    return {"members": [m.model_dump(mode="json") for m in staff_desk(router).search(query)]}


@staff_route("PUT", "/members/<user_id>/tags")
@tracer.capture_method
def set_tags(user_id: str) -> dict[str, Any]:
    return staff_desk(router).set_tags(caller(), user_id, body_as(TagsRequest).tags).model_dump(mode="json")


@staff_route("POST", "/members/<user_id>/memos")
@tracer.capture_method
def add_memo(user_id: str) -> tuple[dict[str, Any], int]:
    return staff_desk(router).add_memo(caller(), user_id, body_as(MemoRequest)).model_dump(mode="json"), 201


@staff_route("PUT", "/members/<user_id>/flags")
@tracer.capture_method
def set_flags(user_id: str) -> dict[str, Any]:
    return staff_desk(router).set_flags(caller(), user_id, body_as(FlagsRequest)).model_dump(mode="json")


@staff_route("POST", "/flags/bulk", owner_only=True)
@tracer.capture_method
def set_flags_in_bulk() -> dict[str, Any]:
    return {"updated": staff_desk(router).set_flag_in_bulk(caller(), body_as(BulkFlagRequest))}


# Coupons


@staff_route("GET", "/coupon-templates")
@tracer.capture_method
def coupon_templates() -> dict[str, Any]:
    return {
        "templates": [
            t.model_dump(mode="json", exclude={"created_at"})
            for t in current_wiring().table.coupons.templates()
        ]
    }


@staff_route("POST", "/coupon-templates", owner_only=True)
@tracer.capture_method
def create_coupon_template() -> tuple[dict[str, Any], int]:
    template = coupon_desk(router).create_template(caller(), body_as(CouponTemplateRequest))
    return template.model_dump(mode="json", exclude={"created_at"}), 201


@staff_route("POST", "/coupon-templates/<template_id>/issue", owner_only=True)
@tracer.capture_method
def issue_coupon(template_id: str) -> dict[str, Any]:
    return {"issued": coupon_desk(router).issue(caller(), template_id, body_as(IssueRequest))}


@staff_route("GET", "/coupon-templates/<template_id>/poster-code", owner_only=True)
@tracer.capture_method
def poster_code(template_id: str) -> dict[str, Any]:
    """The code of a poster printed today, and its QR (the console draws no QR of its own): the QR
    opens the claim URL in LINE; without a card LIFF app there is no URL, hence no QR. It is valid
    from `valid_on` to `valid_until` (the period chosen in 設定)."""
    code, url, valid_on, valid_until = coupon_desk(router).poster_code(template_id)
    qr_svg = qr_code_svg(url) if url else None
    period = {"valid_on": valid_on.isoformat(), "valid_until": valid_until.isoformat()}
    return {"code": code, "claim_url": url, "qr_svg": qr_svg} | period


# Campaigns (the composer, its progress bar and results)


@staff_route("POST", "/segments/estimate", read_only=True)
@tracer.capture_method
def estimate_segment() -> dict[str, Any]:
    """The composer's live count: the recipients the planner would pick now, and what it costs."""
    segment = body_as(SegmentEstimateRequest).segment
    estimate = campaign_desk().estimate(segment)
    return estimate.model_dump(mode="json") | {"within_quota": estimate.within_quota}


@staff_route("POST", "/campaigns", owner_only=True)
@tracer.capture_method
def create_campaign() -> tuple[dict[str, Any], int]:
    request = CampaignRequest.model_validate(json_object_body(router))
    campaign, start_at = campaign_desk().create(request)
    logger.info("campaign scheduled", extra={"campaign_id": campaign.campaign_id, "start_at": str(start_at)})
    staff_desk(router).audit(caller(), "campaign.create", None, campaign_id=campaign.campaign_id)
    created = {"campaign_id": campaign.campaign_id, "status": campaign.status.value}
    return created | {"start_at": start_at.isoformat()}, 201


@staff_route("GET", "/campaigns")
@tracer.capture_method
def list_campaigns() -> dict[str, Any]:
    return {"campaigns": [progress_json(p) for p in current_wiring().table.campaigns().recent_campaigns()]}


@staff_route("GET", "/campaigns/<campaign_id>")
@tracer.capture_method
def campaign_progress(campaign_id: str) -> dict[str, Any]:
    return progress_json(campaign_desk().progress(campaign_id))


@staff_route("POST", "/campaigns/<campaign_id>/cancel", owner_only=True)
@tracer.capture_method
def cancel_campaign(campaign_id: str) -> dict[str, Any]:
    campaign = campaign_desk().cancel(campaign_id)
    logger.info("campaign cancelled", extra={"campaign_id": campaign_id})
    staff_desk(router).audit(caller(), "campaign.cancel", None, campaign_id=campaign_id)
    return {"campaign_id": campaign_id, "status": campaign.status.value}


# The dashboard and the audit log


@staff_route("GET", "/dashboard")
@tracer.capture_method
def dashboard() -> dict[str, Any]:
    days = query_as(DashboardQuery).days
    desk = staff_desk(router)
    try:
        standing = QuotaStanding.read(current_wiring().line())
        quota: dict[str, Any] | None = standing.model_dump() | {"remaining": standing.remaining}
    except LineRequestFailed as error:
        logger.warning("quota unavailable", extra={"status": error.status})
        quota = None
    campaigns = current_wiring().table.campaigns().recent_campaigns(limit=5)
    return {
        "days": [day.model_dump(mode="json") for day in desk.dashboard_days(days)],
        "totals": current_wiring().table.stats.totals().model_dump(mode="json"),
        "birthdays_this_month": desk.birthdays_this_month(),
        "quota": quota,
        "recent_campaigns": [progress_json(p) for p in campaigns],
        # Scenario steps waiting for the month's quota (since when), else None.
        "scenario_quota_wait": current_wiring().table.scenarios().quota_wait(),
        "as_of": current_wiring().clock().isoformat(),
    }


@staff_route("GET", "/audit", owner_only=True)
@tracer.capture_method
def audit_log() -> dict[str, Any]:
    limit = query_as(AuditQuery).limit
    entries = current_wiring().table.stats.audit_entries(limit)
    # Who did it, by the name the owner knows them by (null when the staff member is no friend of the shop).
    desk = staff_desk(router)
    names = desk.display_names({e.actor_user_id for e in entries})
    # The partner API's calls, by the name the owner gave the key (「レジ1」).
    names |= {key.actor: key.name for key in current_wiring().table.partner_api.api_keys()}
    # Whom it was done to, by number and name: the owner reads the log, never the Lambda's logs.
    members = desk.member_labels({e.target_user_id for e in entries if e.target_user_id})
    return {
        "entries": [
            e.model_dump(mode="json")
            | {
                "actor_display_name": names.get(e.actor_user_id),
                "target_label": members.get(e.target_user_id or ""),
            }
            for e in entries
        ]
    }


# The owner's customer list (顧客一覧): an Excel workbook of every customer, personal data included


@staff_route("GET", "/exports/customers.xlsx", owner_only=True)
@tracer.capture_method
def customer_list_workbook():
    # No return annotation: with one, the resolver's validation would check the workbook's bytes
    # against it; without, it passes a non-JSON Response through as it is.
    from functions.liff_api.customer_list_download import customer_list_response

    return customer_list_response(router, caller())
