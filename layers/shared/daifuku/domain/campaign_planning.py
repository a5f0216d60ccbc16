"""Starting a campaign: select its members, check the quota, fix the batches, queue them. Exactly once.

A start runs in two steps, each safe to repeat after a crash or a second trigger:
1. draft → planned: the recipients are selected and matched, the plan is checked against LINE's
   quota, and its batches are written down (with who is in each).
2. planned → sending: the written batches are put on the send queue.
A repeated step 2 enqueues the same batches again: each keeps its X-Line-Retry-Key, so LINE accepts
it at most once, and a batch's outcomes are counted once. A campaign past planning is left alone.
"""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from pydantic import BaseModel, ConfigDict

from daifuku.domain.ab_tests import TooFewRecipients, judge, split_recipients
from daifuku.domain.campaigns import (
    Campaign,
    CampaignMessage,
    CampaignPlan,
    CampaignStatus,
    InvalidTransition,
    QuotaWouldBeExceeded,
    SendBatch,
    plan_campaign,
)
from daifuku.domain.segments import Segment, in_segment, is_excluded
from daifuku.models.member import Member


class MemberSelection(BaseModel):
    """The members an index (or, for a segment with no indexed criterion, a scan) read for a segment."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    members: tuple[Member, ...]
    used_scan: bool


class PlanningRecords(Protocol):
    def load_campaign(self, campaign_id: str) -> Campaign | None: ...

    def move_campaign(
        self, campaign_id: str, status: CampaignStatus, reason: str | None = None
    ) -> Campaign: ...

    def select_members(self, segment: Segment) -> MemberSelection: ...

    def save_plan(self, plan: CampaignPlan, skipped_by_flag: list[str]) -> None: ...

    def planned_batches(self, campaign_id: str) -> tuple[SendBatch, ...]: ...

    def log_campaign_started(self, campaign_id: str, at: datetime) -> None: ...

    # A/B tests (domain/ab_tests.py)

    def save_holdouts(self, campaign_id: str, user_ids: list[str]) -> None: ...

    def holdouts(self, campaign_id: str) -> list[str]: ...

    def ab_counts(self, campaign: Campaign) -> tuple[list[int], list[int] | None, list[int]]:
        """Per variant: recipients sent, who clicked a tracked link (None: not tracked), who visited."""

    def set_winner(self, campaign_id: str, messages: list[CampaignMessage], winner: int) -> None: ...


class QuotaGateway(Protocol):
    def message_quota(self) -> int | None: ...

    def messages_sent_this_month(self) -> int: ...


class QuotaStanding(BaseModel):
    """This month's messages against LINE's limit (no limit: None), as one read of the two calls."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    limit: int | None
    used: int

    @property
    def remaining(self) -> int | None:
        return None if self.limit is None else max(0, self.limit - self.used)

    @classmethod
    def read(cls, quota: QuotaGateway) -> QuotaStanding:
        return cls(limit=quota.message_quota(), used=quota.messages_sent_this_month())


class SendQueue(Protocol):
    def enqueue(self, batches: tuple[SendBatch, ...]) -> None: ...


class CampaignStart(BaseModel):
    """What a start did: the numbers the operator and the staff console see."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    campaign_id: str
    status: CampaignStatus
    recipients: int = 0
    batches: int = 0
    reason: str | None = None


def recipients_of(segment: Segment, selection: MemberSelection, now: datetime) -> tuple[list[str], list[str]]:
    """(recipients, skipped by flag): the segment's members, split by the exclusions no segment lifts."""
    today = now.date()
    recipients: list[str] = []
    skipped: list[str] = []
    for member in selection.members:
        if in_segment(segment, member, today):
            (skipped if is_excluded(member) else recipients).append(member.user_id)
    return recipients, skipped


def start_campaign(
    campaign_id: str,
    records: PlanningRecords,
    quota: QuotaGateway,
    queue: SendQueue,
    now: datetime,
    recipients: list[str] | None = None,
) -> CampaignStart:
    """Plan (from the segment, or for the given `recipients`: a coupon's holders) and queue a campaign."""
    campaign = records.load_campaign(campaign_id)
    if campaign is None:
        raise KeyError(campaign_id)
    if campaign.status is CampaignStatus.DRAFT:
        skipped: list[str] = []
        used_scan = False
        held: list[str] = []
        if recipients is None and campaign.winner_of is not None:
            recipients = _winner_follow_up(campaign, records)
        elif recipients is None:
            selection = records.select_members(campaign.segment)
            recipients, skipped = recipients_of(campaign.segment, selection, now)
            used_scan = selection.used_scan
        if campaign.ab is not None:
            try:
                recipients, held = split_recipients(campaign, recipients)
            except TooFewRecipients as refused:
                records.move_campaign(campaign_id, CampaignStatus.FAILED, str(refused))
                raise
        remaining = QuotaStanding.read(quota).remaining
        try:
            plan = plan_campaign(campaign, recipients, remaining, used_scan=used_scan, now=now)
        except QuotaWouldBeExceeded as refused:
            records.move_campaign(campaign_id, CampaignStatus.FAILED, str(refused))
            raise
        records.save_plan(plan, skipped)
        if held:
            records.save_holdouts(campaign_id, held)
        try:
            campaign = records.move_campaign(campaign_id, CampaignStatus.PLANNED)
        except InvalidTransition:
            # Cancelled (or started by another invocation) since we read it: its state decides.
            return _already_moved(campaign_id, records)
    if campaign.status is not CampaignStatus.PLANNED:
        return CampaignStart(campaign_id=campaign_id, status=campaign.status, reason="already started")
    batches = records.planned_batches(campaign_id)
    queue.enqueue(batches)
    records.log_campaign_started(campaign_id, now)
    # An empty segment is done at once; otherwise the worker that finishes the last batch finishes it.
    status = CampaignStatus.SENDING if batches else CampaignStatus.DONE
    try:
        records.move_campaign(campaign_id, status)
    except InvalidTransition:
        # Cancelled between planning and now: the push worker sends nothing for a cancelled campaign.
        return _already_moved(campaign_id, records)
    return CampaignStart(
        campaign_id=campaign_id,
        status=status,
        recipients=sum(len(batch.user_ids) for batch in batches),
        batches=len(batches),
    )


def _winner_follow_up(campaign: Campaign, records: PlanningRecords) -> list[str]:
    """An A/B test's follow-up: the test's leader becomes its messages; the held recipients its own."""
    parent = records.load_campaign(campaign.winner_of or "")
    if parent is None or parent.ab is None:
        return []
    winner = judge(parent.ab, *records.ab_counts(parent)).leader or 0
    records.set_winner(campaign.campaign_id, parent.ab.variants[winner], winner)
    return records.holdouts(parent.campaign_id)


def _already_moved(campaign_id: str, records: PlanningRecords) -> CampaignStart:
    current = records.load_campaign(campaign_id)
    status = current.status if current is not None else CampaignStatus.CANCELLED
    return CampaignStart(campaign_id=campaign_id, status=status, reason="moved meanwhile")
