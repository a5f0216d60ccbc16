"""The send pipeline under LINE's failures: every eligible member gets a campaign exactly once."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime

import pytest

from daifuku.adapters.campaign_table import CampaignTable
from daifuku.adapters.send_queue import SendQueue
from daifuku.domain.campaigns import Campaign, CampaignStatus, TextContent, plan_campaign
from daifuku.domain.segments import Segment
from daifuku_local.aws_resources import aws_client

pytestmark = pytest.mark.slow


@pytest.fixture
def send_queue(local_stack) -> SendQueue:
    sqs = aws_client("sqs", local_stack.urls.aws_endpoint)
    return SendQueue(sqs.get_queue_url(QueueName="daifuku-send")["QueueUrl"], sqs)


def start_campaign(member_table, send_queue: SendQueue, text: str, recipients: list[str]) -> Campaign:
    """What a planner does: save the campaign, enqueue its batches, mark it sending."""
    records = CampaignTable(member_table)
    campaign = Campaign(
        campaign_id=f"test-{uuid.uuid4().hex[:8]}",
        name="障害テスト",
        segment=Segment(),
        messages=[TextContent(text=text)],
        status=CampaignStatus.PLANNED,
    )
    records.save_campaign(campaign)
    plan = plan_campaign(campaign, recipients, quota_remaining=None, used_scan=False, now=datetime.now(UTC))
    send_queue.enqueue(plan.batches)
    return records.move_campaign(campaign.campaign_id, CampaignStatus.SENDING)


def received(line, user: str, text: str) -> int:
    return sum(1 for m in line.received(user) if m.get("text", "").startswith(text))


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.5)


@pytest.mark.parametrize("personalised", [False, True], ids=["multicast", "push-per-member"])
def test_with_seeded_429s_500s_timeouts_and_lost_answers_each_member_gets_it_exactly_once(
    line, member_table, send_queue, personalised
):
    users = [line.create_user(f"障害{n}", follow=True) for n in range(24)]
    marker = uuid.uuid4().hex[:8]
    text = f"{'{name}さん、' if personalised else ''}障害に強いお知らせ {marker}"
    line.set_faults(
        rate_429=0.15,
        rate_500=0.05,
        rate_timeout=0.05,
        rate_drop=0.05,
        accepted_before_failure=0.5,
        slow_seconds=6,
        endpoints=["push", "multicast"],
        seed=2026,
    )
    try:
        campaign = start_campaign(member_table, send_queue, text, users)
        wait_for(lambda: all(any(marker in m.get("text", "") for m in line.received(u)) for u in users), 120)
        time.sleep(3)  # let any retry still in flight arrive
    finally:
        line.set_faults()
    for user in users:
        copies = [m for m in line.received(user) if marker in m.get("text", "")]
        assert len(copies) == 1, f"{user} got {len(copies)} copies"
        if personalised:
            assert copies[0]["text"].startswith("障害")
    # A send whose answer was lost is recorded when its retry gets LINE's 409, after a backoff.
    records = CampaignTable(member_table)
    wait_for(lambda: sum(records.outcome_counts(campaign.campaign_id).values()) >= len(users), 90)
    assert records.outcome_counts(campaign.campaign_id) == {"sent": len(users)}
    stats = line.stats()["requests"]
    faulted = sum(
        stats.get(endpoint, {}).get(code, 0) for endpoint in ("push", "multicast") for code in ("429", "500")
    )
    assert faulted > 0, "the faults did happen"


def test_the_monthly_limit_mid_send_pauses_the_campaign_instead_of_retrying(line, member_table, send_queue):
    users = [line.create_user(f"上限{n}", follow=True) for n in range(5)]
    consumed = line.set_quota()["consumed"]
    line.set_quota(limit=consumed + 2)
    try:
        campaign = start_campaign(member_table, send_queue, "{name}さん、上限テスト", users)
        records = CampaignTable(member_table)
        wait_for(lambda: records.load_campaign(campaign.campaign_id).status is CampaignStatus.PAUSED, 60)
        time.sleep(3)
        requests_after_pause = line.stats()["requests"].get("push", {})
        time.sleep(3)
        assert line.stats()["requests"].get("push", {}) == requests_after_pause, "no retrying after the pause"
    finally:
        line.set_quota(limit=5000)
    delivered = [u for u in users if any("上限テスト" in m.get("text", "") for m in line.received(u))]
    assert len(delivered) == 2
    counts = CampaignTable(member_table).outcome_counts(campaign.campaign_id)
    assert counts["sent"] == 2 and counts["paused"] >= 1
