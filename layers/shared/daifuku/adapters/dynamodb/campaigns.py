"""Campaigns: their state and progress counters, the planned batches, each recipient's outcome, the
log by start time, and the blocks counted against a campaign afterwards."""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.coupons import CouponRepository
from daifuku.adapters.dynamodb.keys import (
    BATCH_SK_PREFIX,
    CAMPAIGN_LOG_PK,
    HOLDOUT_SK_PREFIX,
    SEND_SK_PREFIX,
    batch_key,
    campaign_key,
    campaign_log_key,
    campaign_partition,
    holdout_key,
    send_key,
    utc,
)
from daifuku.adapters.dynamodb.selection import MemberReader
from daifuku.adapters.dynamodb.table import CONDITION_FAILED, TableGateway, codes, update_request
from daifuku.domain.campaign_planning import MemberSelection
from daifuku.domain.campaigns import (
    Campaign,
    CampaignMessage,
    CampaignPlan,
    CampaignProgress,
    CampaignStatus,
    InvalidTransition,
    SendBatch,
)
from daifuku.domain.errors import RecordContention
from daifuku.domain.push_worker import RecipientOutcome
from daifuku.domain.segments import Segment
from daifuku.models.member import Member
from daifuku.models.membership import Coupon

BLOCK_ATTRIBUTION_WINDOW = timedelta(days=7)
HOLDOUT_CHUNK = 500
PROGRESS_COUNTERS = (
    "planned",
    "batches_planned",
    "recipients_finished",
    "sent",
    "failed",
    "skipped_by_flag",
    "paused",
    "capped",
    "blocks_within_7_days",
)


class CampaignRepository:
    """A campaign's records. Its members are read through `reader` (which counts what this run read)
    and its coupons granted through `coupons`."""

    def __init__(
        self,
        gateway: TableGateway,
        reader: MemberReader | None = None,
        coupons: CouponRepository | None = None,
    ):
        self._gateway = gateway
        self._reader = reader or MemberReader(gateway)
        self._coupons = coupons or CouponRepository(gateway)

    @property
    def items_read(self) -> int:
        return self._reader.items_read

    # Campaigns and their state

    def create_campaign(self, campaign: Campaign) -> Campaign:
        """Save a new campaign, or return the one already saved under its id (a second run, a retry)."""
        item = {**campaign_key(campaign.campaign_id), "campaign": campaign.model_dump(mode="json")}
        existing = self._gateway.put_new_or_get(item)
        return campaign if existing is None else Campaign.model_validate(existing["campaign"])

    def load_campaign(self, campaign_id: str) -> Campaign | None:
        item = self._gateway.get(campaign_key(campaign_id))
        return Campaign.model_validate(item["campaign"]) if item else None

    def move_campaign(self, campaign_id: str, status: CampaignStatus, reason: str | None = None) -> Campaign:
        """Move the campaign to `status`; InvalidTransition when it cannot go there from where it is,
        or when another request moved it meanwhile."""
        campaign = self.load_campaign(campaign_id)
        if campaign is None:
            raise KeyError(campaign_id)
        moved = campaign.moved_to(status)
        if not self._gateway.update(
            campaign_key(campaign_id),
            "SET campaign.#status = :to, status_reason = :reason",
            condition="campaign.#status = :from",
            names={"#status": "status"},
            values={":to": status.value, ":from": campaign.status.value, ":reason": reason or ""},
        ):
            raise InvalidTransition(f"{campaign.status} → {status}: moved meanwhile")
        return moved

    def pause_campaign(self, campaign_id: str, reason: str) -> None:
        # Another worker may have paused it first.
        with contextlib.suppress(InvalidTransition):
            self.move_campaign(campaign_id, CampaignStatus.PAUSED, reason)

    def complete_campaign(self, campaign_id: str) -> None:
        # The last two batches can finish at once: one of them moves it.
        with contextlib.suppress(InvalidTransition):
            self.move_campaign(campaign_id, CampaignStatus.DONE)

    def progress(self, campaign_id: str) -> CampaignProgress | None:
        item = self._gateway.get(campaign_key(campaign_id))
        return _progress(item) if item else None

    def recent_campaigns(self, limit: int = 20) -> list[CampaignProgress]:
        """The campaigns started most recently, newest first."""
        log = self._gateway.query_page(
            KeyConditionExpression=Key("pk").eq(CAMPAIGN_LOG_PK), ScanIndexForward=False, Limit=limit
        )
        found = [self.progress(entry["campaign_id"]) for entry in log]
        return [progress for progress in found if progress is not None]

    # Selection and planning

    def select_members(self, segment: Segment) -> MemberSelection:
        return self._reader.select_members(segment)

    def members(self, user_ids: tuple[str, ...], *, eligibility_only: bool = False) -> list[Member]:
        return self._reader.members(user_ids, eligibility_only=eligibility_only)

    def save_plan(self, plan: CampaignPlan, skipped_by_flag: list[str]) -> None:
        """Write the batches (who is in each) and the planned counts, before anything is queued."""
        now = datetime.now(UTC).isoformat()
        with self._gateway.batch_writer() as writer:
            for batch in plan.batches:
                writer.put_item(
                    Item={**batch_key(plan.campaign_id, batch.batch_no), "user_ids": list(batch.user_ids)}
                )
            for user_id in skipped_by_flag:
                writer.put_item(
                    Item=_send_item(plan.campaign_id, user_id, -1, RecipientOutcome.SKIPPED_BY_FLAG, now)
                )
        self._gateway.update(
            campaign_key(plan.campaign_id),
            "SET planned = :planned, batches_planned = :batches, skipped_by_flag = :skipped, "
            "used_scan = :scan, planned_at = :at, message_cost = :cost",
            values={
                ":planned": len(plan.recipients),
                ":batches": len(plan.batches),
                ":skipped": len(skipped_by_flag),
                ":scan": plan.used_scan,
                ":at": plan.planned_at.isoformat(),
                ":cost": plan.message_cost,
            },
        )

    def planned_batches(self, campaign_id: str) -> tuple[SendBatch, ...]:
        items = self._campaign_items(campaign_id, BATCH_SK_PREFIX, ConsistentRead=True)
        return tuple(
            SendBatch(
                campaign_id=campaign_id,
                batch_no=int(item["sk"].removeprefix(BATCH_SK_PREFIX)),
                user_ids=tuple(item["user_ids"]),
            )
            for item in items
        )

    def log_campaign_started(self, campaign_id: str, at: datetime) -> None:
        self._gateway.put({**campaign_log_key(at, campaign_id), "campaign_id": campaign_id})

    # Sending

    def record_outcomes(self, batch: SendBatch, outcomes: dict[str, RecipientOutcome]) -> CampaignProgress:
        """One item per recipient, then the batch's counts, added once however often it is retried."""
        now = datetime.now(UTC).isoformat()
        with self._gateway.batch_writer() as writer:
            for user_id, outcome in outcomes.items():
                writer.put_item(Item=_send_item(batch.campaign_id, user_id, batch.batch_no, outcome, now))
        counts = Counter(outcome.value for outcome in outcomes.values())
        additions = {"recipients_finished": len(batch.user_ids)} | {
            outcome.value: counts[outcome.value] for outcome in RecipientOutcome
        }
        # One conditional update counts the batch once: its number joins the set of finished batches
        # in the same write that adds its counts, and a retry finds it there.
        updated = self._gateway.update_returning(
            campaign_key(batch.campaign_id),
            "ADD finished_batches :batch, " + ", ".join(f"{name} :{name}" for name in additions),
            condition="attribute_not_exists(finished_batches) OR NOT contains(finished_batches, :n)",
            values={":batch": {batch.batch_no}, ":n": batch.batch_no}
            | {f":{name}": value for name, value in additions.items()},
        )
        if updated is not None:
            return _progress(updated)
        # Counted by an earlier attempt.
        progress = self.progress(batch.campaign_id)
        if progress is None:
            raise LookupError(f"campaign {batch.campaign_id} vanished while sending")
        return progress

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        return self._coupons.grant_coupon(user_id, coupon)

    def outcome_counts(self, campaign_id: str) -> Counter[str]:
        """Outcomes counted from the per-member items (the progress counters' cross-check)."""
        items = self._campaign_items(campaign_id, SEND_SK_PREFIX, ProjectionExpression="outcome")
        return Counter(item["outcome"] for item in items)

    def _campaign_items(self, campaign_id: str, sk_prefix: str, **options: Any) -> list[dict[str, Any]]:
        condition = Key("pk").eq(campaign_partition(campaign_id)) & Key("sk").begins_with(sk_prefix)
        return list(self._gateway.query(KeyConditionExpression=condition, **options))

    # A/B tests (domain/ab_tests.py)

    def save_holdouts(self, campaign_id: str, user_ids: list[str]) -> None:
        """The recipients held for an A/B test's winner, in items of up to 500."""
        with self._gateway.batch_writer() as writer:
            for n, start in enumerate(range(0, len(user_ids), HOLDOUT_CHUNK)):
                writer.put_item(
                    Item={**holdout_key(campaign_id, n), "user_ids": user_ids[start : start + HOLDOUT_CHUNK]}
                )

    def holdouts(self, campaign_id: str) -> list[str]:
        items = self._campaign_items(campaign_id, HOLDOUT_SK_PREFIX, ConsistentRead=True)
        return [user_id for item in items for user_id in item["user_ids"]]

    def ab_counts(self, campaign: Campaign) -> tuple[list[int], list[int] | None, list[int]]:
        from daifuku.adapters.dynamodb.tracked_links import TrackedLinkRepository
        from daifuku.domain.ab_tests import campaign_links, variant_of

        ab = campaign.ab
        if ab is None:
            raise ValueError(f"campaign {campaign.campaign_id} is not an A/B test")
        count = len(ab.variants)
        sent, visited = [0] * count, [0] * count
        items = self._campaign_items(campaign.campaign_id, SEND_SK_PREFIX, ConsistentRead=True)
        for item in items:
            if item.get("outcome") == RecipientOutcome.SENT.value:
                variant = variant_of(ab, campaign.campaign_id, item["user_id_sent"])
                sent[variant] += 1
                visited[variant] += 1 if item.get("visited_after_at") else 0
        if not campaign.track_links:
            return sent, None, visited
        links = TrackedLinkRepository(self._gateway)
        by_variant = campaign_links(campaign)
        clicked = [len(links.clickers([link.link_id for link in by_variant[n]])) for n in range(count)]
        return sent, clicked, visited

    def set_winner(self, campaign_id: str, messages: list[CampaignMessage], winner: int) -> None:
        self._gateway.update(
            campaign_key(campaign_id),
            "SET campaign.messages = :messages, winner_variant = :winner",
            values={":messages": [m.model_dump(mode="json") for m in messages], ":winner": winner},
        )

    def winner_variant(self, campaign_id: str) -> int | None:
        """The variant an A/B test's winner campaign (`campaign_id`) sent, once set_winner chose it."""
        item = self._gateway.get(campaign_key(campaign_id)) or {}
        winner = item.get("winner_variant")
        return int(winner) if winner is not None else None

    # Blocks after a campaign

    def attribute_block(self, user_id: str, blocked_at: datetime) -> list[str]:
        """Count a block against every campaign the user received within the 7 days before it; once each."""
        return attribute_after_sends(
            self._gateway,
            user_id,
            blocked_at,
            BLOCK_ATTRIBUTION_WINDOW,
            "blocked_after_at",
            "blocks_within_7_days",
        )


def _send_item(
    campaign_id: str, user_id: str, batch_no: int, outcome: RecipientOutcome, at: str
) -> dict[str, Any]:
    return {
        **send_key(campaign_id, user_id),
        "user_id_sent": user_id,
        "batch_no": batch_no,
        "outcome": outcome.value,
        "at": at,
    }


def _progress(item: dict[str, Any]) -> CampaignProgress:
    campaign = Campaign.model_validate(item["campaign"])
    return CampaignProgress(
        campaign_id=campaign.campaign_id,
        name=campaign.name,
        status=campaign.status,
        status_reason=item.get("status_reason") or None,
        send_at=campaign.send_at,
        planned_at=item.get("planned_at"),
        used_scan=bool(item.get("used_scan", False)),
        batches_finished=len(item.get("finished_batches", ())),
        **{name: int(item.get(name, 0)) for name in PROGRESS_COUNTERS},
    )


def attribute_after_sends(
    gateway: TableGateway, user_id: str, at: datetime, window: timedelta, mark: str, counter: str
) -> list[str]:
    """Count what the user did at `at` (a block, a visit) against every campaign sent to them within
    `window` before it, once per campaign: the send is marked with `mark` and the campaign's `counter`
    moves, in one transaction. The campaigns counted."""
    since = at - window
    # A campaign's sends can run after its start, never before: start ≥ since - a day is enough.
    log = gateway.query_page(
        KeyConditionExpression=Key("pk").eq(CAMPAIGN_LOG_PK)
        & Key("sk").between(utc(since - timedelta(days=1)), utc(at) + "~")
    )
    attributed: list[str] = []
    for entry in log:
        campaign_id = entry["campaign_id"]
        # Only a recipient who was sent it within the window, and only once.
        guard = update_request(
            send_key(campaign_id, user_id),
            f"SET {mark} = :at",
            f"outcome = :sent AND #at >= :since AND #at <= :at AND attribute_not_exists({mark})",
            {"#at": "at"},
            {":at": utc(at), ":since": utc(since), ":sent": RecipientOutcome.SENT.value},
        )
        count = update_request(campaign_key(campaign_id), f"ADD {counter} :one", values={":one": 1})
        reasons = gateway.transact([{"Update": guard}, {"Update": count}])
        if reasons is None:
            attributed.append(campaign_id)
        elif CONDITION_FAILED not in codes(reasons):
            raise RecordContention(user_id)
    return attributed
