"""Campaign items in the member table: campaigns, their batches, per-member outcomes and a log.

| item | pk | sk |
| --- | --- | --- |
| a campaign, with its progress counters | CAMPAIGN#<id> | CAMPAIGN |
| one planned batch (who is in it) | CAMPAIGN#<id> | BATCH#<n> |
| what happened to one recipient | CAMPAIGN#<id> | SEND#<userId> |
| the campaigns by start time (recent campaigns, block attribution) | CAMPAIGN_LOG | <startedAt>#<id> |
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Attr, Key

from daifuku.adapters.table_keys import coupon_key, member_key
from daifuku.domain.campaign_planning import MemberSelection
from daifuku.domain.campaigns import (
    Campaign,
    CampaignPlan,
    CampaignProgress,
    CampaignStatus,
    InvalidTransition,
    SendBatch,
)
from daifuku.domain.push_worker import RecipientOutcome
from daifuku.domain.segments import IndexedSelection, Segment
from daifuku.models.member import Member
from daifuku.models.membership import Coupon

CAMPAIGN_LOG_PK = "CAMPAIGN_LOG"
BLOCK_ATTRIBUTION_WINDOW = timedelta(days=7)
PROGRESS_COUNTERS = (
    "planned",
    "batches_planned",
    "recipients_finished",
    "sent",
    "failed",
    "skipped_by_flag",
    "paused",
    "blocks_within_7_days",
)


def campaign_key(campaign_id: str) -> dict[str, str]:
    return {"pk": f"CAMPAIGN#{campaign_id}", "sk": "CAMPAIGN"}


def batch_key(campaign_id: str, batch_no: int) -> dict[str, str]:
    return {"pk": f"CAMPAIGN#{campaign_id}", "sk": f"BATCH#{batch_no:06d}"}


def send_key(campaign_id: str, user_id: str) -> dict[str, str]:
    return {"pk": f"CAMPAIGN#{campaign_id}", "sk": f"SEND#{user_id}"}


class CampaignTable:
    def __init__(self, table: Any):
        self.table = table
        self.items_read = 0  # members read while selecting and sending (benchmark, selection-cost test)

    @property
    def _client(self) -> Any:
        return self.table.meta.client

    @property
    def _conditional_check_failed(self) -> type[Exception]:
        exception: type[Exception] = self._client.exceptions.ConditionalCheckFailedException
        return exception

    # Campaigns and their state

    def create_campaign(self, campaign: Campaign) -> Campaign:
        """Save a new campaign, or return the one already saved under its id (a second run, a retry)."""
        try:
            self.table.put_item(
                Item={**campaign_key(campaign.campaign_id), "campaign": campaign.model_dump(mode="json")},
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._conditional_check_failed:
            existing = self.load_campaign(campaign.campaign_id)
            assert existing is not None
            return existing
        return campaign

    def load_campaign(self, campaign_id: str) -> Campaign | None:
        item = self.table.get_item(Key=campaign_key(campaign_id), ConsistentRead=True).get("Item")
        return Campaign.model_validate(item["campaign"]) if item else None

    def move_campaign(self, campaign_id: str, status: CampaignStatus, reason: str | None = None) -> Campaign:
        campaign = self.load_campaign(campaign_id)
        if campaign is None:
            raise KeyError(campaign_id)
        moved = campaign.moved_to(status)
        self.table.update_item(
            Key=campaign_key(campaign_id),
            UpdateExpression="SET campaign.#status = :to, status_reason = :reason",
            ConditionExpression="campaign.#status = :from",
            ExpressionAttributeNames={"#status": "status"},
            ExpressionAttributeValues={
                ":to": status.value,
                ":from": campaign.status.value,
                ":reason": reason or "",
            },
        )
        return moved

    def pause_campaign(self, campaign_id: str, reason: str) -> None:
        # Another worker may have paused it first.
        with contextlib.suppress(self._conditional_check_failed, InvalidTransition):
            self.move_campaign(campaign_id, CampaignStatus.PAUSED, reason)

    def complete_campaign(self, campaign_id: str) -> None:
        # The last two batches can finish at once: one of them moves it.
        with contextlib.suppress(self._conditional_check_failed, InvalidTransition):
            self.move_campaign(campaign_id, CampaignStatus.DONE)

    def progress(self, campaign_id: str) -> CampaignProgress | None:
        item = self.table.get_item(Key=campaign_key(campaign_id), ConsistentRead=True).get("Item")
        return _progress(item) if item else None

    def recent_campaigns(self, limit: int = 20) -> list[CampaignProgress]:
        """The campaigns started most recently, newest first."""
        log = self.table.query(
            KeyConditionExpression=Key("pk").eq(CAMPAIGN_LOG_PK), ScanIndexForward=False, Limit=limit
        )["Items"]
        found = [self.progress(entry["campaign_id"]) for entry in log]
        return [progress for progress in found if progress is not None]

    # Selection: the members a segment reads

    def select_members(self, segment: Segment) -> MemberSelection:
        """Read the members of `segment` through its best index; a Scan only without one."""
        selection = segment.selection()
        if selection is IndexedSelection.BIRTH_MONTH:
            assert segment.birth_month is not None
            members = list(self.members_born_in(segment.birth_month))
        elif selection is IndexedSelection.STORE:
            assert segment.store_id is not None
            members = list(self._query_members("store_index", Key("store_id").eq(segment.store_id)))
        elif selection is IndexedSelection.TAGS:
            # All-of: every member has the first tag. Any-of: the union of the tags' members.
            tags = segment.tags_all[:1] or segment.tags_any
            user_ids = {
                item["user_id"]
                for tag in dict.fromkeys(tags)
                for item in self._query("tag_index", Key("tag").eq(tag), projection="user_id")
            }
            members = self.members(tuple(sorted(user_ids)))
        else:
            members = list(self._scan_members())
        return MemberSelection(members=tuple(members), used_scan=selection is IndexedSelection.SCAN)

    def members_born_in(self, month: int) -> Iterator[Member]:
        """The members whose birth month is `month`: a Query on the birth-month index, never a Scan."""
        return self._query_members("birth_month_index", Key("birth_month").eq(f"{month:02d}"))

    def members(self, user_ids: tuple[str, ...], *, eligibility_only: bool = False) -> list[Member]:
        found: list[Member] = []
        projection: dict[str, Any] = {}
        if eligibility_only:
            names = {f"#a{n}": name for n, name in enumerate(Member.CAMPAIGN_ELIGIBILITY_ATTRIBUTES)}
            projection = {"ProjectionExpression": ", ".join(names), "ExpressionAttributeNames": names}
        for start in range(0, len(user_ids), 100):
            keys = [member_key(user_id) for user_id in user_ids[start : start + 100]]
            request = {self.table.name: {"Keys": keys, "ConsistentRead": True, **projection}}
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                items = answer["Responses"].get(self.table.name, [])
                self.items_read += len(items)
                found += [Member.model_validate(item) for item in items]
                request = answer.get("UnprocessedKeys") or {}
        return found

    def _query_members(self, index: str, condition: Any) -> Iterator[Member]:
        for item in self._query(index, condition):
            if item.get("sk") == "MEMBER":
                yield Member.model_validate(item)

    def _query(self, index: str, condition: Any, projection: str | None = None) -> Iterator[dict[str, Any]]:
        query: dict[str, Any] = {"IndexName": index, "KeyConditionExpression": condition}
        if projection:
            query["ProjectionExpression"] = projection
        while True:
            page = self.table.query(**query)
            self.items_read += len(page["Items"])
            yield from page["Items"]
            if "LastEvaluatedKey" not in page:
                return
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _scan_members(self) -> Iterator[Member]:
        scan: dict[str, Any] = {"FilterExpression": Attr("sk").eq("MEMBER")}
        while True:
            page = self.table.scan(**scan)
            self.items_read += page["ScannedCount"]
            yield from (Member.model_validate(item) for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # Planning

    def save_plan(self, plan: CampaignPlan, skipped_by_flag: list[str]) -> None:
        """Write the batches (who is in each) and the planned counts, before anything is queued."""
        now = datetime.now(UTC).isoformat()
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as writer:
            for batch in plan.batches:
                writer.put_item(
                    Item={**batch_key(plan.campaign_id, batch.batch_no), "user_ids": list(batch.user_ids)}
                )
            for user_id in skipped_by_flag:
                writer.put_item(
                    Item=_send_item(plan.campaign_id, user_id, -1, RecipientOutcome.SKIPPED_BY_FLAG, now)
                )
        self.table.update_item(
            Key=campaign_key(plan.campaign_id),
            UpdateExpression=(
                "SET planned = :planned, batches_planned = :batches, skipped_by_flag = :skipped, "
                "used_scan = :scan, planned_at = :at, message_cost = :cost"
            ),
            ExpressionAttributeValues={
                ":planned": len(plan.recipients),
                ":batches": len(plan.batches),
                ":skipped": len(skipped_by_flag),
                ":scan": plan.used_scan,
                ":at": plan.planned_at.isoformat(),
                ":cost": plan.message_cost,
            },
        )

    def planned_batches(self, campaign_id: str) -> tuple[SendBatch, ...]:
        batches: list[SendBatch] = []
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(f"CAMPAIGN#{campaign_id}")
            & Key("sk").begins_with("BATCH#"),
            "ConsistentRead": True,
        }
        while True:
            page = self.table.query(**query)
            batches += [
                SendBatch(
                    campaign_id=campaign_id, batch_no=int(item["sk"][6:]), user_ids=tuple(item["user_ids"])
                )
                for item in page["Items"]
            ]
            if "LastEvaluatedKey" not in page:
                return tuple(batches)
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def log_campaign_started(self, campaign_id: str, at: datetime) -> None:
        self.table.put_item(
            Item={
                "pk": CAMPAIGN_LOG_PK,
                "sk": f"{at.astimezone(UTC).isoformat()}#{campaign_id}",
                "campaign_id": campaign_id,
            }
        )

    # Sending

    def record_outcomes(self, batch: SendBatch, outcomes: dict[str, RecipientOutcome]) -> CampaignProgress:
        """One item per recipient, then the batch's counts, added once however often it is retried."""
        now = datetime.now(UTC).isoformat()
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as writer:
            for user_id, outcome in outcomes.items():
                writer.put_item(Item=_send_item(batch.campaign_id, user_id, batch.batch_no, outcome, now))
        counts = Counter(outcome.value for outcome in outcomes.values())
        additions = {"recipients_finished": len(batch.user_ids)} | {
            outcome.value: counts[outcome.value] for outcome in RecipientOutcome
        }
        # One conditional update counts the batch once: its number joins the set of finished batches
        # in the same write that adds its counts, and a retry finds it there.
        try:
            updated = self.table.update_item(
                Key=campaign_key(batch.campaign_id),
                UpdateExpression="ADD finished_batches :batch, "
                + ", ".join(f"{name} :{name}" for name in additions),
                ConditionExpression=(
                    "attribute_not_exists(finished_batches) OR NOT contains(finished_batches, :n)"
                ),
                ExpressionAttributeValues={":batch": {batch.batch_no}, ":n": batch.batch_no}
                | {f":{name}": value for name, value in additions.items()},
                ReturnValues="ALL_NEW",
            )["Attributes"]
        except self._conditional_check_failed:
            pass  # counted by an earlier attempt
        else:
            return _progress(updated)
        progress = self.progress(batch.campaign_id)
        assert progress is not None
        return progress

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        try:
            self.table.put_item(
                Item={
                    **coupon_key(user_id, coupon.coupon_id),
                    **coupon.model_dump(mode="json", exclude_none=True),
                },
                ConditionExpression="attribute_not_exists(pk)",
            )
        except self._conditional_check_failed:
            return False
        return True

    def outcome_counts(self, campaign_id: str) -> Counter[str]:
        """Outcomes counted from the per-member items (the progress counters' cross-check)."""
        counts: Counter[str] = Counter()
        query: dict[str, Any] = {
            "KeyConditionExpression": Key("pk").eq(f"CAMPAIGN#{campaign_id}")
            & Key("sk").begins_with("SEND#"),
            "ProjectionExpression": "outcome",
        }
        while True:
            page = self.table.query(**query)
            counts.update(item["outcome"] for item in page["Items"])
            if "LastEvaluatedKey" not in page:
                return counts
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # Blocks after a campaign

    def attribute_block(self, user_id: str, blocked_at: datetime) -> list[str]:
        """Count a block against every campaign the user received within the 7 days before it; once each."""
        since = blocked_at - BLOCK_ATTRIBUTION_WINDOW
        # A campaign's sends can run after its start, never before: start ≥ since - a day is enough.
        log = self.table.query(
            KeyConditionExpression=Key("pk").eq(CAMPAIGN_LOG_PK)
            & Key("sk").between(
                (since - timedelta(days=1)).astimezone(UTC).isoformat(),
                blocked_at.astimezone(UTC).isoformat() + "~",
            )
        )["Items"]
        attributed: list[str] = []
        for entry in log:
            campaign_id = entry["campaign_id"]
            counted = self._write_once(
                {
                    "Key": (send_key(campaign_id, user_id)),
                    "UpdateExpression": "SET blocked_after_at = :blocked",
                    # Only a recipient who was sent it within the window, and only once.
                    "ConditionExpression": (
                        "outcome = :sent AND #at >= :since AND #at <= :blocked "
                        "AND attribute_not_exists(blocked_after_at)"
                    ),
                    "ExpressionAttributeNames": {"#at": "at"},
                    "ExpressionAttributeValues": {
                        ":blocked": blocked_at.astimezone(UTC).isoformat(),
                        ":since": since.astimezone(UTC).isoformat(),
                        ":sent": RecipientOutcome.SENT.value,
                    },
                },
                {
                    "Key": (campaign_key(campaign_id)),
                    "UpdateExpression": "ADD blocks_within_7_days :one",
                    "ExpressionAttributeValues": {":one": 1},
                },
            )
            if counted:
                attributed.append(campaign_id)
        return attributed

    def _write_once(self, guard: dict[str, Any], update: dict[str, Any]) -> bool:
        """Apply `update` together with the conditional `guard` update; False when the guard fails.

        Through the resource's own client, which converts Python values to DynamoDB's types."""
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {"Update": {"TableName": self.table.name, **guard}},
                    {"Update": {"TableName": self.table.name, **update}},
                ]
            )
        except self._client.exceptions.TransactionCanceledException as cancelled:
            codes = {reason.get("Code") for reason in cancelled.response.get("CancellationReasons", [])}
            if codes <= {"ConditionalCheckFailed", "None"}:
                return False
            raise
        return True


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
