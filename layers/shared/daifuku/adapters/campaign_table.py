"""Campaign items in the member table: campaigns, per-member send records and birth-month runs.

| item | pk | sk |
| --- | --- | --- |
| a campaign | CAMPAIGN#<id> | CAMPAIGN |
| what happened to one recipient | CAMPAIGN#<id> | SEND#<userId> |
"""

from __future__ import annotations

import contextlib
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from daifuku.adapters.table_keys import member_key
from daifuku.domain.campaigns import Campaign, CampaignStatus, InvalidTransition, SendBatch
from daifuku.domain.push_worker import RecipientOutcome
from daifuku.models.member import Member


def campaign_key(campaign_id: str) -> dict[str, str]:
    return {"pk": f"CAMPAIGN#{campaign_id}", "sk": "CAMPAIGN"}


class CampaignTable:
    def __init__(self, table: Any):
        self.table = table
        self.items_read = 0  # read by the selection-cost test and the benchmark

    @property
    def _conditional_check_failed(self) -> type[Exception]:
        exception: type[Exception] = self.table.meta.client.exceptions.ConditionalCheckFailedException
        return exception

    def save_campaign(self, campaign: Campaign) -> None:
        self.table.put_item(
            Item={**campaign_key(campaign.campaign_id), "campaign": campaign.model_dump(mode="json")}
        )

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

    def members_born_in(self, month: int) -> list[Member]:
        """The members whose birth month is `month`: a Query on the birth-month index, never a Scan."""
        members: list[Member] = []
        query: dict[str, Any] = {
            "IndexName": "birth_month_index",
            "KeyConditionExpression": Key("birth_month").eq(f"{month:02d}"),
        }
        while True:
            page = self.table.query(**query)
            self.items_read += len(page["Items"])
            members += [Member.model_validate(item) for item in page["Items"] if item.get("sk") == "MEMBER"]
            if "LastEvaluatedKey" not in page:
                return members
            query["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def members(self, user_ids: tuple[str, ...]) -> list[Member]:
        found: list[Member] = []
        client_table = self.table.meta.client
        for start in range(0, len(user_ids), 100):
            keys = [member_key(user_id) for user_id in user_ids[start : start + 100]]
            request = {self.table.name: {"Keys": keys, "ConsistentRead": True}}
            while request:
                answer = client_table.batch_get_item(RequestItems=request)
                items = answer["Responses"].get(self.table.name, [])
                self.items_read += len(items)
                found += [Member.model_validate(item) for item in items]
                request = answer.get("UnprocessedKeys") or {}
        return found

    def record_outcomes(self, batch: SendBatch, outcomes: dict[str, RecipientOutcome]) -> None:
        """One item per recipient: rewriting it on a retry keeps the count exact."""
        now = datetime.now(UTC).isoformat()
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as writer:
            for user_id, outcome in outcomes.items():
                writer.put_item(
                    Item={
                        "pk": f"CAMPAIGN#{batch.campaign_id}",
                        "sk": f"SEND#{user_id}",
                        "user_id_sent": user_id,
                        "batch_no": batch.batch_no,
                        "outcome": outcome.value,
                        "at": now,
                    }
                )

    def outcome_counts(self, campaign_id: str) -> Counter[str]:
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
