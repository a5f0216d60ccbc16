"""What the staff console sends and receives (see /liff/api/staff/* in functions/liff_api/staff_routes.py)."""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    TypeAdapter,
    ValidationError,
    field_validator,
    model_validator,
)

from daifuku.domain.segments import Segment
from daifuku.models.boundary_types import (
    MAX_AMOUNT,
    ClientId,
    DayCount,
    HttpsUrl,
    LineUserId,
    QueryCount,
    StaffLine,
    StaffNote,
    StoreId,
    Tag,
    TemplateId,
    Text,
    problem,
)
from daifuku.models.member import MembershipStatus
from daifuku.models.membership import Coupon

StaffRole = Literal["owner", "staff"]
# An optional reason: the console sends "" or null with a flag that is off.
OptionalReason = Annotated[str, Text(200, min_length=0)]
# One line the console sends that may be left empty (a coupon's discount text).
OptionalLine = Annotated[str, Text(40, min_length=0)]
CouponTitle = Annotated[str, Text(40)]
CouponDescription = Annotated[str, Text(200, min_length=0, multiline=True)]
CouponImageUrl = Annotated[HttpsUrl, Text(1000)]
_tag = TypeAdapter(Tag)


class Request(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)


# Requests


class ScanRequest(Request):
    token: Annotated[str, Text(200)]


class VisitRequest(Request):
    visit_id: ClientId
    store_id: StoreId | None = None
    # The bill in yen, when the counter enters it: points per yen on top of the visit's (PointsRule).
    amount_yen: int | None = Field(default=None, ge=0, le=MAX_AMOUNT)


class PointsAdjustmentRequest(Request):
    delta: int = Field(ge=-1_000_000, le=1_000_000)
    reason: StaffLine
    entry_id: ClientId

    @model_validator(mode="after")
    def _not_zero(self) -> PointsAdjustmentRequest:
        if self.delta == 0:
            raise ValueError("delta must not be 0")
        return self


class TagsRequest(Request):
    # 1-20 characters without spaces, commas or # (the search's tag prefix)
    tags: tuple[Tag, ...] = Field(max_length=30)


class MemoKind(StrEnum):
    VISIT = "visit"
    CALL = "call"
    CONSULTATION = "consultation"


class MemoRequest(Request):
    kind: MemoKind
    text: StaffNote


class FlagsRequest(Request):
    do_not_send: bool
    do_not_send_reason: OptionalReason | None = None
    complaint_hold: bool
    complaint_hold_reason: OptionalReason | None = None

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
    user_ids: tuple[LineUserId, ...] = Field(min_length=1, max_length=500)
    flag: StaffFlag
    on: bool
    reason: OptionalReason | None = None

    @model_validator(mode="after")
    def _reason_when_on(self) -> BulkFlagRequest:
        if self.on and not (self.reason or "").strip():
            raise ValueError("a reason is required when the flag is set")
        return self


class CouponTemplateRequest(Request):
    template_id: TemplateId = Field(default_factory=lambda: f"t{uuid.uuid4().hex[:10]}")
    title: CouponTitle
    description: CouponDescription = ""
    discount_text: OptionalLine = ""
    image_url: CouponImageUrl | None = None
    valid_days: Annotated[DayCount, Field(le=3650)] = 30
    points_cost: int | None = Field(default=None, ge=1, le=1_000_000)


class IssueRequest(Request):
    """To one member or to a segment's members. `issue_id` makes a retried request issue nothing more."""

    user_id: LineUserId | None = None
    segment: Segment | None = None
    issue_id: ClientId = Field(default_factory=lambda: uuid.uuid4().hex[:12])

    @model_validator(mode="after")
    def _one_audience(self) -> IssueRequest:
        if (self.user_id is None) == (self.segment is None):
            raise ValueError("give either user_id or segment")
        return self


class ClaimRequest(Request):
    code: Annotated[str, Text(120)]


class ExchangeRequest(Request):
    template_id: TemplateId
    exchange_id: ClientId


class SegmentEstimateRequest(Request):
    """The composer's live count. The segment is required: without one the estimate would be every member."""

    segment: Segment


# Query strings (each value arrives as a string)


TAG_MARKS = ("#", "＃")  # a search for a tag starts with either width of 「#」


class MemberSearchQuery(Request):
    """?q=: a member number, `#tag`, the last 4 digits of a phone, or part of a name or its kana."""

    q: Annotated[str, Text(40, min_length=0)] = ""

    @field_validator("q", mode="after")
    @classmethod
    def _a_tag_after_hash(cls, value: str) -> str:
        text = value.strip()
        if text.startswith(TAG_MARKS):
            try:
                _tag.validate_python(text[1:].strip())
            except ValidationError:
                raise problem("invalid_tag", "after # comes one tag") from None
        return value

    @property
    def tag(self) -> str | None:
        """The tag searched for, when the query is `#tag` (「＃」 too)."""
        text = self.q.strip()
        return text[1:].strip() if text.startswith(TAG_MARKS) else None


class DashboardQuery(Request):
    days: Annotated[QueryCount, Field(le=90)] = 30


class AuditQuery(Request):
    limit: Annotated[QueryCount, Field(le=200)] = 50


# Answers and stored records


class CouponTemplateRecord(BaseModel):
    """A coupon the shop hands out (item COUPON_TEMPLATE / <template_id>)."""

    model_config = ConfigDict(frozen=True, extra="ignore", defer_build=True)

    template_id: str
    title: str
    description: str = ""
    discount_text: str = ""
    image_url: str | None = None
    valid_days: int
    points_cost: int | None = None
    created_at: datetime | None = None

    def coupon(self, coupon_id: str, issued_at: datetime, today: date) -> Coupon:
        """The copy a member holds (`coupon_id` makes a grant once-only), for `valid_days` from `today`."""
        return Coupon(
            coupon_id=coupon_id,
            title=self.title,
            description=self.description,
            discount_text=self.discount_text,
            image_url=self.image_url,
            template_id=self.template_id,
            issued_at=issued_at,
            expires_on=today + timedelta(days=self.valid_days),
        )


class VisitView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    visit_id: str
    visited_at: datetime
    store_id: str | None = None
    points_added: int
    amount_yen: int | None = None
    by: str | None = None


class MemoView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    memo_id: str
    kind: MemoKind
    text: str
    at: datetime
    by: str


class StaffCouponView(BaseModel):
    model_config = ConfigDict(defer_build=True)

    coupon_id: str
    template_id: str | None = None  # which of the shop's coupons: giving it again asks first
    title: str
    description: str
    discount_text: str = ""
    image_url: str | None = None
    expires_on: date | None
    used: bool


class MemberSummary(BaseModel):
    model_config = ConfigDict(defer_build=True)

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
    model_config = ConfigDict(defer_build=True)

    visit_id: str
    points_added: int
    points: int
    rank: str | None
    rank_up: bool
    member: MemberDetail


class AuditEntry(BaseModel):
    """One staff action (item AUDIT / <at>#<id>). Names the target's user id, never their data."""

    model_config = ConfigDict(extra="ignore", defer_build=True)

    at: datetime
    actor_user_id: str
    action: str
    target_user_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class DayCounts(BaseModel):
    model_config = ConfigDict(defer_build=True)

    date: date
    friends_added: int = 0
    blocks: int = 0
    registrations: int = 0


class Totals(BaseModel):
    model_config = ConfigDict(defer_build=True)

    friends: int = 0
    members: int = 0
    blocked: int = 0
