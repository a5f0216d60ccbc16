"""Selection cost: a birth-month plan reads about only the members born that month (a Query, not a Scan).

The DynamoDB calls are counted by botocore's own event hooks on the client, not by the adapter's
counter, so the adapter cannot under-report.
"""

from __future__ import annotations

import uuid
from collections import Counter
from datetime import UTC, date, datetime
from typing import Any

import pytest

from daifuku.adapters.dynamodb.campaigns import CampaignRepository
from daifuku.adapters.dynamodb.keys import member_key
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.campaign_planning import start_campaign
from daifuku.domain.campaigns import Campaign, TextContent
from daifuku.domain.segments import Segment
from daifuku.table_schema import MEMBER_TABLE
from daifuku_local.aws_resources import aws_client, local_table

pytestmark = pytest.mark.slow
MEMBERS_PER_MONTH = 40
READ_OPERATIONS = {"GetItem", "BatchGetItem", "Query", "Scan", "TransactGetItems"}


class DynamoDbReads:
    """Counts read calls and the items they returned, per operation."""

    def __init__(self) -> None:
        self.calls: Counter[str] = Counter()
        self.items = 0

    def __call__(self, parsed: dict[str, Any], model: Any, **_: Any) -> None:
        if model.name not in READ_OPERATIONS:
            return
        self.calls[model.name] += 1
        if model.name == "GetItem":
            self.items += 1 if "Item" in parsed else 0
        elif model.name == "BatchGetItem":
            self.items += sum(len(items) for items in parsed.get("Responses", {}).values())
        else:
            self.items += parsed.get("ScannedCount", parsed.get("Count", 0))


class NoQuota:
    def message_quota(self) -> int | None:
        return None

    def messages_sent_this_month(self) -> int:
        return 0


class CollectingQueue:
    def __init__(self) -> None:
        self.batches: list[Any] = []

    def enqueue(self, batches: tuple[Any, ...]) -> None:
        self.batches += batches


def test_a_birth_month_plan_reads_at_most_105_percent_of_its_recipients(local_stack):
    # Its own table in the stack's moto: the count must not depend on what other tests stored.
    name = f"selection-cost-{uuid.uuid4().hex[:6]}"
    aws_client("dynamodb", local_stack.urls.aws_endpoint).create_table(
        **MEMBER_TABLE.create_table_request(name)
    )
    table = local_table(local_stack.urls.aws_endpoint, name)
    with table.batch_writer() as writer:
        for month in range(1, 13):
            for n in range(MEMBERS_PER_MONTH):
                user_id = f"U{month:02d}{n:030x}"
                birthdate = date(1980 + n % 30, month, 1 + n % 28)
                writer.put_item(
                    Item={
                        **member_key(user_id),
                        "user_id": user_id,
                        "status": "registered",
                        "member_no": f"{month:02d}{n:04d}",
                        "birthdate": birthdate.isoformat(),
                        "birth_month": f"{month:02d}",
                    }
                )
    records = CampaignRepository(TableGateway.of(table))
    campaign = records.create_campaign(
        Campaign(
            campaign_id="birth-month-cost",
            name="誕生月",
            segment=Segment(birth_month=5),
            messages=[TextContent(text="お誕生月おめでとうございます")],
        )
    )
    reads = DynamoDbReads()
    table.meta.client.meta.events.register("after-call.dynamodb", reads)

    queue = CollectingQueue()
    started = start_campaign(campaign.campaign_id, records, NoQuota(), queue, datetime.now(UTC))

    recipients = started.recipients
    print(f"selection cost: {reads.items} items in {dict(reads.calls)} for {recipients} recipients")
    assert recipients == MEMBERS_PER_MONTH
    assert "Scan" not in reads.calls
    # The members born in May, plus a constant: the campaign item (read per state change) and the batch.
    assert reads.items <= 1.05 * recipients + 10, (reads.items, reads.calls)
    assert sum(reads.calls.values()) <= 10, reads.calls
