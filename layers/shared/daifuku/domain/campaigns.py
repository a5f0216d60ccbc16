"""Campaigns: what is sent to whom, when, and the state a campaign is in.

A campaign moves draft → planned → sending → done, or to failed / cancelled, and a monthly-limit
answer from LINE pauses it (sending → paused → sending when the operator resumes).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from daifuku.domain.errors import DomainError, InvalidTransition
from daifuku.domain.segments import Segment
from daifuku.models.boundary_types import HttpsUrl, JsonObject, Tag, Text
from daifuku.models.member import Member
from daifuku.models.membership import Coupon
from daifuku.models.shop import CouponTemplate

# Namespace of the deterministic X-Line-Retry-Keys: the same campaign batch always gets the same key,
# so a retry after a timeout or a crash is accepted by LINE at most once.
SEND_RETRY_KEY_NAMESPACE = uuid.UUID("0b0f5b6e-9d1b-4c43-9a53-3c2a1f6c7e21")
PLACEHOLDER = re.compile(r"\{(name|member_no)\}")
MULTICAST_LIMIT = 500
# Personalised messages go one push per member, grouped 100 to a batch (one queue message, one
# DynamoDB round per 100 members); each push has its own retry key (SendBatch.member_retry_key).
PERSONALISED_BATCH = 100


class CampaignStatus(StrEnum):
    DRAFT = "draft"
    PLANNED = "planned"
    SENDING = "sending"
    PAUSED = "paused"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


ALLOWED_TRANSITIONS: dict[CampaignStatus, frozenset[CampaignStatus]] = {
    # draft → failed: the plan was refused (over the month's quota)
    CampaignStatus.DRAFT: frozenset(
        {CampaignStatus.PLANNED, CampaignStatus.CANCELLED, CampaignStatus.FAILED}
    ),
    CampaignStatus.PLANNED: frozenset(
        # done at once when the segment is empty
        {CampaignStatus.SENDING, CampaignStatus.DONE, CampaignStatus.CANCELLED, CampaignStatus.FAILED}
    ),
    CampaignStatus.SENDING: frozenset(
        {CampaignStatus.DONE, CampaignStatus.PAUSED, CampaignStatus.FAILED, CampaignStatus.CANCELLED}
    ),
    CampaignStatus.PAUSED: frozenset({CampaignStatus.SENDING, CampaignStatus.CANCELLED}),
    CampaignStatus.DONE: frozenset(),
    CampaignStatus.FAILED: frozenset(),
    CampaignStatus.CANCELLED: frozenset(),
}


class QuotaWouldBeExceeded(DomainError):
    """Sending the campaign would exceed the month's LINE message quota."""

    def __init__(self, needed: int, remaining: int):
        super().__init__(f"needs {needed} messages, {remaining} left this month")
        self.needed = needed
        self.remaining = remaining


class TextContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: Literal["text"] = "text"
    text: Annotated[str, Text(5000, multiline=True)]


class ImageContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: Literal["image"] = "image"
    original_content_url: HttpsUrl
    preview_image_url: HttpsUrl


class FlexContent(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    type: Literal["flex"] = "flex"
    alt_text: Annotated[str, Text(400)]
    contents: JsonObject


CampaignMessage = Annotated[TextContent | ImageContent | FlexContent, Field(discriminator="type")]


class AbMode(StrEnum):
    SPLIT = "split"  # every recipient gets one of the variants
    WINNER = "winner"  # a test group first; after the wait, the winner to the rest


class WinnerMetric(StrEnum):
    CLICK = "click"  # recipients who clicked a tracked link (needs track_links)
    VISIT = "visit"  # recipients who visited within 7 days


class AbTest(BaseModel):
    """2–4 variants of the messages; each recipient's by a stable hash (domain/ab_tests.py)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    variants: list[Annotated[list[CampaignMessage], Field(min_length=1, max_length=5)]] = Field(
        min_length=2, max_length=4
    )
    shares: list[int] | None = None  # percent per variant, adding up to 100 (None: an even split)
    mode: AbMode = AbMode.SPLIT
    test_percent: int = Field(default=20, ge=5, le=50)  # the test group, in winner mode
    wait_hours: int = Field(default=24, ge=1, le=168)
    winner_by: WinnerMetric = WinnerMetric.CLICK

    @field_validator("shares")
    @classmethod
    def _split_adds_up(cls, shares: list[int] | None, info: ValidationInfo) -> list[int] | None:
        # On the field (not the model), so a 422 names `ab.shares` and the composer shows it there.
        variants = info.data.get("variants") or []
        if shares is not None and (len(shares) != len(variants) or sum(shares) != 100 or min(shares) < 1):
            raise PydanticCustomError(
                "shares_must_add_up", "the shares must give each variant at least 1% and add up to 100"
            )
        return shares

    def percents(self) -> list[int]:
        if self.shares is not None:
            return list(self.shares)
        even = 100 // len(self.variants)
        return [even + (1 if n < 100 - even * len(self.variants) else 0) for n in range(len(self.variants))]


class Campaign(BaseModel):
    model_config = ConfigDict(extra="forbid", defer_build=True)

    campaign_id: str = Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:-]+$")
    name: str = Field(min_length=1, max_length=80)
    segment: Segment
    messages: list[CampaignMessage] = Field(min_length=1, max_length=5)
    send_at: AwareDatetime | None = None  # None: as soon as it is started
    coupon: CouponTemplate | None = None  # given to every member the messages reach
    allow_partial_send: bool = False
    # Tracked links: each http(s) URL of the messages goes out as the recipient's own /r/<code>
    # (domain/tracked_links.py); a first click adds `click_tag` to the member.
    track_links: bool = False
    click_tag: Tag | None = None
    click_scenario_id: str | None = None  # a first click starts this (manual-trigger) scenario
    # LINE's per-unit statistics (opens, clicks): the customAggregationUnits name its sends carry,
    # given at creation while the month's units last (domain/campaign_funnel.py).
    aggregation_unit: str | None = Field(default=None, pattern=r"^[a-zA-Z0-9_]{1,30}$")
    ab: AbTest | None = None  # an A/B test (its test group, in winner mode)
    winner_of: str | None = None  # the follow-up sending an A/B test's winner to the rest
    status: CampaignStatus = CampaignStatus.DRAFT

    @property
    def is_personalised(self) -> bool:
        """Texts with {name} or {member_no}, and tracked links (each recipient's own), go one push per
        member; the rest multicast in 500s."""
        return (
            self.track_links
            or self.ab is not None
            or any(isinstance(m, TextContent) and PLACEHOLDER.search(m.text) for m in self.messages)
        )

    @property
    def link_source(self) -> str:
        """What the campaign's tracked links are registered under."""
        return f"campaign:{self.campaign_id}"

    def coupon_issued(self, now: datetime, today: date) -> Coupon | None:
        """The copy of the campaign's coupon each recipient holds; one per member and campaign."""
        if self.coupon is None:
            return None
        return Coupon(
            coupon_id=f"campaign-{self.campaign_id}",
            title=self.coupon.title,
            description=self.coupon.description,
            issued_at=now,
            expires_on=today + timedelta(days=self.coupon.valid_days),
        )

    def moved_to(self, status: CampaignStatus) -> Campaign:
        if status not in ALLOWED_TRANSITIONS[self.status]:
            raise InvalidTransition(f"{self.status} → {status}")
        return self.model_copy(update={"status": status})

    def line_messages(self, member: Member | None = None, variant: int | None = None) -> list[dict[str, Any]]:
        """The messages (of the A/B test's `variant`) in LINE's wire format, with {name} and
        {member_no} filled in for `member`."""
        messages = self.ab.variants[variant] if self.ab is not None and variant is not None else self.messages
        values = {
            "name": (member.name or member.display_name or "お客さま") if member else "お客さま",
            "member_no": (member.member_no or "") if member else "",
        }
        return wire_messages(messages, values)


def wire_messages(messages: Iterable[CampaignMessage], values: Mapping[str, str]) -> list[dict[str, Any]]:
    """Messages in LINE's wire format, with {name} and {member_no} filled in from `values`."""
    wire: list[dict[str, Any]] = []
    for message in messages:
        if isinstance(message, TextContent):
            text = PLACEHOLDER.sub(lambda match: values[match.group(1)], message.text)
            wire.append({"type": "text", "text": text})
        elif isinstance(message, ImageContent):
            wire.append(
                {
                    "type": "image",
                    "originalContentUrl": message.original_content_url,
                    "previewImageUrl": message.preview_image_url,
                }
            )
        else:
            wire.append({"type": "flex", "altText": message.alt_text, "contents": message.contents})
    return wire


class SendBatch(BaseModel):
    """One unit of sending: a multicast to up to 500 members, or one personalised push."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    campaign_id: str
    batch_no: int = Field(ge=0)
    user_ids: tuple[str, ...] = Field(min_length=1, max_length=MULTICAST_LIMIT)

    @property
    def retry_key(self) -> str:
        """The X-Line-Retry-Key of this batch: the same on every retry, different for every batch."""
        return str(uuid.uuid5(SEND_RETRY_KEY_NAMESPACE, f"{self.campaign_id}/{self.batch_no}"))

    def member_retry_key(self, user_id: str) -> str:
        """The retry key of one member's push within this batch."""
        return str(uuid.uuid5(uuid.UUID(self.retry_key), user_id))


class CampaignPlan(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    campaign_id: str
    recipients: tuple[str, ...]
    batches: tuple[SendBatch, ...]
    message_cost: int
    quota_remaining: int | None
    used_scan: bool
    planned_at: datetime


def plan_campaign(
    campaign: Campaign,
    recipients: list[str],
    quota_remaining: int | None,
    used_scan: bool,
    now: datetime,
) -> CampaignPlan:
    """Batches for `recipients` (already segment-matched and excluded), checked against the quota.

    LINE counts one message per recipient per request, whatever the number of message objects, so
    the cost is the number of recipients. Over the quota the plan is refused unless the campaign
    allows a partial send, which then covers as many recipients as the quota leaves.
    """
    unique = list(dict.fromkeys(recipients))
    if quota_remaining is not None and len(unique) > quota_remaining:
        if not campaign.allow_partial_send:
            raise QuotaWouldBeExceeded(len(unique), quota_remaining)
        unique = unique[:quota_remaining]
    size = PERSONALISED_BATCH if campaign.is_personalised else MULTICAST_LIMIT
    batches = tuple(
        SendBatch(campaign_id=campaign.campaign_id, batch_no=n, user_ids=tuple(unique[start : start + size]))
        for n, start in enumerate(range(0, len(unique), size))
    )
    return CampaignPlan(
        campaign_id=campaign.campaign_id,
        recipients=tuple(unique),
        batches=batches,
        message_cost=len(unique),
        quota_remaining=quota_remaining,
        used_scan=used_scan,
        planned_at=now,
    )


class CampaignProgress(BaseModel):
    """Where a campaign stands, for the staff console's progress bar and results."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    campaign_id: str
    name: str
    status: CampaignStatus
    status_reason: str | None = None
    send_at: datetime | None = None
    planned_at: datetime | None = None
    used_scan: bool = False
    planned: int = 0  # recipients in the batches
    batches_planned: int = 0
    batches_finished: int = 0
    recipients_finished: int = 0
    sent: int = 0
    failed: int = 0  # LINE refused the recipient (400)
    skipped_by_flag: int = 0  # in the segment, but blocked, flagged or deleted (at planning or sending)
    paused: int = 0  # not sent: the month's quota ran out
    capped: int = 0  # not sent: over the weekly frequency cap
    blocks_within_7_days: int = 0  # recipients who blocked the shop within 7 days of receiving it

    @property
    def percent_done(self) -> int:
        if self.status is CampaignStatus.DONE:
            return 100
        return 0 if not self.planned else min(100, 100 * self.recipients_finished // self.planned)

    @property
    def all_batches_finished(self) -> bool:
        return self.batches_planned > 0 and self.batches_finished >= self.batches_planned
