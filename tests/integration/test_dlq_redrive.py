"""`daifuku dlq`: a batch that ran out of attempts is shown, redriven, and then delivered exactly once."""

from __future__ import annotations

import time
import uuid

import pytest

from daifuku.adapters.dynamodb.campaigns import CampaignRepository
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.campaigns import CampaignStatus
from daifuku_cli.main import main as daifuku
from daifuku_local.aws_resources import aws_client
from tests.integration.campaign_api import sending_campaign

pytestmark = pytest.mark.slow


def test_dead_batches_are_listed_then_redriven_and_delivered_once(local_stack, line, member_table, capsys):
    endpoint = local_stack.urls.aws_endpoint
    users = [line.create_user(f"DLQ{n}", follow=True) for n in range(3)]
    marker = uuid.uuid4().hex[:8]
    campaign_id = f"dlq-{marker}"
    batch = sending_campaign(member_table, users, f"再送のお知らせ {marker}", campaign_id)
    records = CampaignRepository(TableGateway.of(member_table))
    # The batch used up its attempts (LINE was down for an hour) and sits in the dead-letter queue.
    sqs = aws_client("sqs", endpoint)
    dlq_url = sqs.get_queue_url(QueueName="daifuku-send-dlq")["QueueUrl"]
    sqs.send_message(QueueUrl=dlq_url, MessageBody=batch.model_dump_json())

    assert daifuku(["dlq", "show", "--local", endpoint]) == 0
    shown = capsys.readouterr().out
    assert f"dlq-{marker}" in shown and " 3" in shown
    assert not any(marker in m.get("text", "") for user in users for m in line.received(user))

    assert daifuku(["dlq", "redrive", "--local", endpoint, "--campaign", f"dlq-{marker}"]) == 0
    assert "Moved 1 batch(es)" in capsys.readouterr().out

    deadline = time.monotonic() + 30
    while records.load_campaign(campaign_id).status is not CampaignStatus.DONE:
        assert time.monotonic() < deadline, "the redriven batch was not delivered"
        time.sleep(0.5)
    for user in users:
        assert sum(marker in m.get("text", "") for m in line.received(user)) == 1
    assert daifuku(["dlq", "show", "--local", endpoint]) == 0
    assert f"dlq-{marker}" not in capsys.readouterr().out
