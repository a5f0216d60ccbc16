"""What the staff console sends and receives (see /liff/api/staff/* in functions/liff_api/staff_routes.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from daifuku.domain.segments import Segment
from daifuku.models.member import MembershipStatus

TAG_PATTERN = r"^[^\s#,]{1,20}$"
CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
StaffRole = Literal["owner", "staff"]


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Requests


class ScanRequest(Request):
    token: str = Field(min_length=1, max_length=200)


class VisitRequest(Request):
    visit_id: str = Field(pattern=CLIENT_ID_PATTERN)
    store_id: str | None = Field(default=None, max_length=32)


class PointsAdjustmentRequest(Request):
    delta: int = Field(ge=-1_000_000, le=1_000_000)
    reason: str = Field(min_length=1, max_length=200)
    entry_id: str = Field(pattern=CLIENT_ID_PATTERN)

    @model_validator(mode="after")
    def _not_zero(self) -> PointsAdjustmentRequest:
        if self.delta == 0:
            raise ValueError("delta must not be 0")
        return self


class TagsRequest(Request):
    # 1-20 characters without spaces, commas or # (the search's tag prefix)
    tags: tuple[Annotated[str, Field(pattern=TAG_PATTERN)], ...] = Field(max_length=30)


class MemoKind(StrEnum):
    VISIT = "visit"
    CALL = "call"
    CONSULTATION = "consultation"


class MemoRequest(Request):
    kind: MemoKind
    text: str = Field(min_length=1, max_length=2000)


class FlagsRequest(Request):
    do_not_send: bool
    do_not_send_reason: str | None = Field(default=None, max_length=200)
    complaint_hold: bool
    complaint_hold_reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _reason_for_each_flag(self) -> FlagsRequest:
        if self.do_not_send and not (self.do_not_send_reason or "").strip():
            raise ValueError("do_not_send_reason is required when do_not_send is set")
        if self.complaint_hold and not (self.complaint_hold_reason or "").strip():
            raise ValueError("complaint_hold_reason is required when complaint_hold is set")
        return self


class StaffFlag(StrEnum):
    DO_NOT_SEND = "do_not_send"
    COMPLAINT_HOLD = "complaint_hold"


class BulkFlagRequest(Request):
    user_ids: tuple[str, ...] = Field(min_length=1, max_length=500)
    flag: StaffFlag
    on: bool
    reason: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _reason_when_on(self) -> BulkFlagRequest:
        if self.on and not (self.reason or "").strip():
            raise ValueError("a reason is required when the flag is set")
        return self


class CouponTemplateRequest(Request):
    template_id: str = Field(
        default_factory=lambda: f"t{uuid.uuid4().hex[:10]}", pattern=r"^[A-Za-z0-9_-]{1,40}$"
    )
    title: str = Field(min_length=1, max_length=40)
    description: str = Field(default="", max_length=200)
    discount_text: str = Field(default="", max_length=40)
    image_url: str | None = Field(default=None, max_length=1000, pattern=r"^https://")
    valid_days: int = Field(default=30, ge=1, le=3650)
    points_cost: int | None = Field(default=None, ge=1, le=1_000_000)


class IssueRequest(Request):
    """To one member or to a segment's members. `issue_id` makes a retried request issue nothing more."""

    user_id: str | None = Field(default=None, pattern=r"^U[0-9a-f]{32}$")
    segment: Segment | None = None
    issue_id: str = Field(default_factory=lambda: uuid.uuid4().hex[:12], pattern=CLIENT_ID_PATTERN)

    @model_validator(mode="after")
    def _one_audience(self) -> IssueRequest:
        if (self.user_id is None) == (self.segment is None):
            raise ValueError("give either user_id or segment")
        return self


class ClaimRequest(Request):
    code: str = Field(min_length=1, max_length=120)


class ExchangeRequest(Request):
    template_id: str = Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")
    exchange_id: str = Field(pattern=CLIENT_ID_PATTERN)


# Answers and stored records


class CouponTemplateRecord(BaseModel):
    """A coupon the shop hands out (item COUPON_TEMPLATE / <template_id>)."""

    model_config = ConfigDict(frozen=True, extra="ignore")

    template_id: str
    title: str
    description: str = ""
    discount_text: str = ""
    image_url: str | None = None
    valid_days: int
    points_cost: int | None = None
    created_at: datetime | None = None


class VisitView(BaseModel):
    visit_id: str
    visited_at: datetime
    store_id: str | None = None
    points_added: int
    by: str | None = None


class MemoView(BaseModel):
    memo_id: str
    kind: MemoKind
    text: str
    at: datetime
    by: str


class StaffCouponView(BaseModel):
    coupon_id: str
    title: str
    description: str
    discount_text: str = ""
    image_url: str | None = None
    expires_on: date | None
    used: bool


class MemberSummary(BaseModel):
    user_id: str
    member_no: str | None
    name: str | None
    name_kana: str | None
    display_name: str | None
    rank: str | None
    points: int
    tags: list[str]


class MemberDetail(MemberSummary):
    status: MembershipStatus
    picture_url: str | None
    do_not_send: bool
    do_not_send_reason: str | None
    complaint_hold: bool
    complaint_hold_reason: str | None
    last_visit_on: date | None
    visits: list[VisitView]
    memos: list[MemoView]
    coupons: list[StaffCouponView]


class VisitResult(BaseModel):
    visit_id: str
    points_added: int
    points: int
    rank: str | None
    rank_up: bool
    member: MemberDetail


class AuditEntry(BaseModel):
    """One staff action (item AUDIT / <at>#<id>). Names the target's user id, never their data."""

    model_config = ConfigDict(extra="ignore")

    at: datetime
    actor_user_id: str
    action: str
    target_user_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class DayCounts(BaseModel):
    date: date
    friends_added: int = 0
    blocks: int = 0
    registrations: int = 0


class Totals(BaseModel):
    friends: int = 0
    members: int = 0
    blocked: int = 0
