"""The push worker's rules: one SendBatch in, LINE sends out, every outcome recorded per member.

Retries are safe because every request carries the batch's deterministic X-Line-Retry-Key: a 409
with `x-line-accepted-request-id` means an earlier attempt was accepted, and counts as sent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from daifuku.clock import system_clock
from daifuku.domain.ab_tests import campaign_links, variant_of
from daifuku.domain.campaigns import Campaign, CampaignProgress, CampaignStatus, SendBatch
from daifuku.domain.errors import (
    DomainError,
    LineBadRequest,
    LineMonthlyLimitReached,
    LineRateLimited,
    LineUnavailable,
)
from daifuku.domain.segments import is_excluded
from daifuku.domain.tracked_links import LinkCodes, TrackedLink, TrackedLinks, tracked_messages
from daifuku.models.member import Member
from daifuku.models.membership import Coupon

# Personalised pushes in flight at once per worker: LINE answers in ~100-300 ms, so one at a time
# would keep a worker far below its share of the rate limit.
PUSHES_IN_FLIGHT = 8


class RecipientOutcome(StrEnum):
    SENT = "sent"
    FAILED = "failed"  # LINE refused this recipient (400)
    SKIPPED_BY_FLAG = "skipped_by_flag"  # blocked, do-not-send, complaint hold or deleted at send time
    PAUSED = "paused"  # the month's quota ran out before this recipient
    CAPPED = "capped"  # the member had their pushes of the last 7 days (the frequency cap)


class MonthlyLimitReachedMidBatch(DomainError):
    """The month's quota ran out part-way through a batch of pushes: these are the outcomes so far."""

    def __init__(self, outcomes: dict[str, RecipientOutcome]):
        super().__init__("monthly message limit reached")
        self.outcomes = outcomes


class RetryLater(DomainError):
    """LINE is throttling or unavailable: the batch goes back to the queue and comes again later."""


class AcceptedPushes:
    """The retry keys of the pushes LINE accepted in this execution environment (the newest few
    thousand), so that a throttled batch coming back skips the members it already reached. Without
    it each retry would push them again: LINE answers 409 (sent), but the request takes a share of
    the rate limit that the members still waiting need, and a slow limit never lets the batch end."""

    def __init__(self, keep: int = 20_000):
        self._keys: dict[str, None] = {}
        self._keep = keep
        self._lock = threading.Lock()

    def add(self, retry_key: str) -> None:
        with self._lock:
            self._keys[retry_key] = None
            if len(self._keys) > self._keep:
                del self._keys[next(iter(self._keys))]

    def __contains__(self, retry_key: object) -> bool:
        with self._lock:
            return retry_key in self._keys


class CampaignRecords(Protocol):
    def load_campaign(self, campaign_id: str) -> Campaign | None: ...

    def members(self, user_ids: tuple[str, ...], *, eligibility_only: bool = False) -> list[Member]:
        """The members among `user_ids`; with eligibility_only, read only what the exclusions need."""

    def record_outcomes(
        self, batch: SendBatch, outcomes: dict[str, RecipientOutcome]
    ) -> CampaignProgress: ...

    def pause_campaign(self, campaign_id: str, reason: str) -> None: ...

    def complete_campaign(self, campaign_id: str) -> None: ...

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        """Give `user_id` the coupon unless they hold it already (a retry); False then."""


class CampaignCap(Protocol):
    """The weekly frequency cap as a campaign sees it (daifuku.domain.frequency_cap)."""

    def capped(self, campaign_id: str, user_ids: list[str], now: datetime) -> set[str]:
        """Those of `user_ids` this campaign may not push to now."""

    def count_pushes(self, user_ids: list[str], at: datetime) -> None: ...


class NoCap:
    def capped(self, campaign_id: str, user_ids: list[str], now: datetime) -> set[str]:
        return set()

    def count_pushes(self, user_ids: list[str], at: datetime) -> None:
        return None


class CampaignConversations(Protocol):
    def record_campaign_sent(
        self, campaign_id: str, campaign_name: str, user_ids: list[str], messages: list[dict[str, Any]]
    ) -> None:
        """The campaign's messages in each recipient's conversation (adapters.dynamodb.conversations)."""


class LineSender(Protocol):
    def push(
        self,
        to: str,
        messages: list[dict[str, Any]],
        retry_key: str | None = None,
        aggregation_unit: str | None = None,
    ) -> Any: ...

    def multicast(
        self,
        to: list[str],
        messages: list[dict[str, Any]],
        retry_key: str | None = None,
        aggregation_unit: str | None = None,
    ) -> Any: ...


@dataclass
class PushWorker:
    records: CampaignRecords
    line: LineSender
    timezone: ZoneInfo = field(
        default_factory=lambda: ZoneInfo("Asia/Tokyo")
    )  # the shop's: coupons' last day
    clock: Callable[[], datetime] = field(default=system_clock)
    cap: CampaignCap = field(default_factory=NoCap)
    conversations: CampaignConversations | None = None  # what each recipient's conversation shows
    # Tracked links (campaigns with `track_links`): where they are kept, and their codes (built when
    # first needed: a worker that never sends one needs no API URL).
    tracked_links: TrackedLinks | None = None
    link_codes: Callable[[], LinkCodes] | None = None
    accepted: AcceptedPushes = field(default_factory=AcceptedPushes)
    _unit: dict[str, str] = field(default_factory=dict, init=False)  # the batch's aggregation unit

    def deliver(self, batch: SendBatch) -> dict[str, RecipientOutcome]:
        """Send one batch. Raises RetryLater for what a later attempt can fix; records everything else."""
        campaign = self.records.load_campaign(batch.campaign_id)
        # Batches are enqueued before the planner marks the campaign sending, so a worker can see
        # a planned campaign first. Cancelled or paused ones send nothing (a paused one is re-planned).
        if campaign is None or campaign.status not in (CampaignStatus.PLANNED, CampaignStatus.SENDING):
            return {}
        # A multicast says the same to everyone: re-checking the flags needs no name or number.
        found = self.records.members(batch.user_ids, eligibility_only=not campaign.is_personalised)
        members = {m.user_id: m for m in found}
        outcomes: dict[str, RecipientOutcome] = {}
        eligible: list[Member] = []
        for user_id in batch.user_ids:
            member = members.get(user_id)
            if member is None or is_excluded(member):
                outcomes[user_id] = RecipientOutcome.SKIPPED_BY_FLAG
            else:
                eligible.append(member)
        now = self.clock()
        capped = self.cap.capped(campaign.campaign_id, [m.user_id for m in eligible], now)
        for user_id in capped:
            outcomes[user_id] = RecipientOutcome.CAPPED
        eligible = [m for m in eligible if m.user_id not in capped]
        messages_for = self._messages_for(campaign)
        self._unit = _unit_of(campaign)
        try:
            if campaign.is_personalised:
                outcomes.update(self._push_each(campaign, batch, eligible, messages_for))
            elif len(eligible) == 1:
                outcomes[eligible[0].user_id] = self._push(messages_for, eligible[0], batch.retry_key)
            elif eligible:
                outcomes.update(self._multicast(campaign, batch, eligible, messages_for))
        except (LineMonthlyLimitReached, MonthlyLimitReachedMidBatch) as limit:
            if isinstance(limit, MonthlyLimitReachedMidBatch):
                outcomes.update(limit.outcomes)
            for member in eligible:
                outcomes.setdefault(member.user_id, RecipientOutcome.PAUSED)
            self._grant_coupons(campaign, outcomes)
            self.records.record_outcomes(batch, outcomes)
            self.records.pause_campaign(batch.campaign_id, "monthly message limit reached")
            return outcomes
        except (LineRateLimited, LineUnavailable) as error:
            raise RetryLater(str(error)) from error
        self._grant_coupons(campaign, outcomes)
        sent = [user_id for user_id, outcome in outcomes.items() if outcome is RecipientOutcome.SENT]
        self.cap.count_pushes(sent, now)
        if self.conversations is not None:
            self.conversations.record_campaign_sent(
                campaign.campaign_id, campaign.name, sent, campaign.line_messages()
            )
        progress = self.records.record_outcomes(batch, outcomes)
        if progress.all_batches_finished and progress.status is CampaignStatus.SENDING:
            self.records.complete_campaign(batch.campaign_id)
        return outcomes

    def _grant_coupons(self, campaign: Campaign, outcomes: dict[str, RecipientOutcome]) -> None:
        """The campaign's coupon to everyone the messages reached, once each (a retry grants nothing new)."""
        now = self.clock()
        coupon = campaign.coupon_issued(now, now.astimezone(self.timezone).date())
        if coupon is None:
            return
        for user_id, outcome in outcomes.items():
            if outcome is RecipientOutcome.SENT:
                self.records.grant_coupon(user_id, coupon)

    def _messages_for(self, campaign: Campaign) -> Callable[[Member], list[dict[str, Any]]]:
        """Each member's messages: an A/B test's variant for them, and with tracked links, their URLs
        made the member's own (the links are registered first, once per batch: a registered link is
        left as it is)."""
        ab = campaign.ab

        def variant(member: Member) -> int | None:
            return None if ab is None else variant_of(ab, campaign.campaign_id, member.user_id)

        if not campaign.track_links:
            return lambda member: campaign.line_messages(member, variant(member))
        if self.tracked_links is None or self.link_codes is None:
            raise RuntimeError("this push worker cannot send tracked links: no link store or codes")
        by_variant: dict[int | None, dict[str, TrackedLink]] = {}
        for n, links in campaign_links(campaign).items():
            self.tracked_links.register(links)
            by_variant[n] = {link.url: link for link in links}
        codes = self.link_codes()

        def tracked(member: Member) -> list[dict[str, Any]]:
            n = variant(member)
            return tracked_messages(campaign.line_messages(member, n), by_variant[n], codes, member.user_id)

        return tracked

    def _push(
        self, messages_for: Callable[[Member], list[dict[str, Any]]], member: Member, retry_key: str
    ) -> RecipientOutcome:
        unit = self._unit.get("aggregation_unit")
        try:
            push_counted(self.line, member.user_id, messages_for(member), retry_key, unit)
        except LineBadRequest:
            return RecipientOutcome.FAILED
        return RecipientOutcome.SENT

    def _push_each(
        self,
        campaign: Campaign,
        batch: SendBatch,
        eligible: list[Member],
        messages_for: Callable[[Member], list[dict[str, Any]]],
    ) -> dict[str, RecipientOutcome]:
        """One push per member, a few at a time (the line sender keeps the pace).

        Once LINE says the month's quota is used up, the members not yet pushed are paused and the
        exception is raised again with the outcomes so far, so that the members already sent stay sent.
        Once LINE throttles, the members not yet pushed wait for the batch's retry, which skips the
        members already reached.
        """
        quota_exhausted = threading.Event()
        throttled: list[LineRateLimited | LineUnavailable] = []

        def push(member: Member) -> RecipientOutcome | None:
            retry_key = batch.member_retry_key(member.user_id)
            if retry_key in self.accepted:
                return RecipientOutcome.SENT
            if quota_exhausted.is_set():
                return RecipientOutcome.PAUSED
            if throttled:
                return None
            try:
                outcome = self._push(messages_for, member, retry_key)
            except LineMonthlyLimitReached:
                quota_exhausted.set()
                return RecipientOutcome.PAUSED
            except (LineRateLimited, LineUnavailable) as error:
                throttled.append(error)
                return None
            if outcome is RecipientOutcome.SENT:
                self.accepted.add(retry_key)
            return outcome

        with ThreadPoolExecutor(max_workers=PUSHES_IN_FLIGHT) as pool:
            results = dict(zip((m.user_id for m in eligible), pool.map(push, eligible), strict=True))
        outcomes = {user_id: outcome for user_id, outcome in results.items() if outcome is not None}
        if quota_exhausted.is_set():
            raise MonthlyLimitReachedMidBatch(outcomes)
        if throttled:
            raise throttled[0]
        return outcomes

    def _multicast(
        self,
        campaign: Campaign,
        batch: SendBatch,
        eligible: list[Member],
        messages_for: Callable[[Member], list[dict[str, Any]]],
    ) -> dict[str, RecipientOutcome]:
        try:
            self.line.multicast(
                [m.user_id for m in eligible],
                campaign.line_messages(),
                retry_key=batch.retry_key,
                **self._unit,
            )
        except LineBadRequest:
            # One bad recipient fails the whole multicast: send one by one to find it, keeping the rest.
            return {
                member.user_id: self._push(messages_for, member, batch.member_retry_key(member.user_id))
                for member in eligible
            }
        return {member.user_id: RecipientOutcome.SENT for member in eligible}


def push_counted(
    line: LineSender, to: str, messages: list[dict[str, Any]], retry_key: str, unit: str | None
) -> None:
    """A push counted under the aggregation `unit` where LINE allows it: LINE takes
    customAggregationUnits only from accounts it approved for them, so a 400 with one is tried once
    without it (another 400 is the recipient's: LineBadRequest)."""
    if unit is None:
        line.push(to, messages, retry_key=retry_key)
        return
    try:
        line.push(to, messages, retry_key=retry_key, aggregation_unit=unit)
    except LineBadRequest:
        line.push(to, messages, retry_key=retry_key)


def _unit_of(campaign: Campaign) -> dict[str, str]:
    """The send's `aggregation_unit` argument, only when the campaign has one."""
    return {"aggregation_unit": campaign.aggregation_unit} if campaign.aggregation_unit else {}
