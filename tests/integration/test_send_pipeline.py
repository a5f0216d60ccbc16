"""The send pipeline under LINE's failures: every eligible member gets a campaign exactly once."""

from __future__ import annotations

import time
import uuid

import pytest

from daifuku.adapters.dynamodb.campaigns import CampaignRepository
from daifuku.adapters.dynamodb.keys import member_key
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.adapters.line_api import LineMessagingClient
from daifuku.domain.campaigns import CampaignStatus
from daifuku.domain.push_worker import PushWorker, RecipientOutcome
from daifuku_local.aws_resources import LocalChannel
from tests.integration.campaign_api import (
    compose,
    fire_due_campaigns,
    progress,
    sending_campaign,
    tag_members,
    wait_until_finished,
)
from tests.integration.member_api import MemberApi

pytestmark = pytest.mark.slow


def start_campaign(api: MemberApi, owner: str, member_table, text: str, recipients: list[str]) -> str:
    """What the owner does in the composer: a tag segment, a message, send now; then the schedule fires."""
    tag = f"pipeline-{uuid.uuid4().hex[:8]}"
    tag_members(member_table, recipients, tag)
    campaign_id = compose(api, owner, {"tags_any": [tag]}, text)
    [started] = [f for f in fire_due_campaigns(api.api_url) if f["campaign_id"] == campaign_id]
    assert started["status"] == "sending", started
    return campaign_id


def received(line, user: str, text: str) -> int:
    return sum(1 for m in line.received(user) if m.get("text", "").startswith(text))


def wait_for(condition, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "not within the time allowed"
        time.sleep(0.5)


@pytest.mark.parametrize("personalised", [False, True], ids=["multicast", "push-per-member"])
def test_with_seeded_429s_500s_timeouts_and_lost_answers_each_member_gets_it_exactly_once(
    line, member_table, api, owner, personalised
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
        campaign_id = start_campaign(api, owner, member_table, text, users)
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
    finished = wait_until_finished(api, owner, campaign_id, 90)
    assert finished["status"] == "done"
    assert (finished["planned"], finished["sent"], finished["percent_done"]) == (len(users), len(users), 100)
    assert CampaignRepository(TableGateway.of(member_table)).outcome_counts(campaign_id) == {
        "sent": len(users)
    }
    stats = line.stats()["requests"]
    faulted = sum(
        stats.get(endpoint, {}).get(code, 0) for endpoint in ("push", "multicast") for code in ("429", "500")
    )
    assert faulted > 0, "the faults did happen"


def test_the_monthly_limit_mid_send_pauses_the_campaign_instead_of_retrying(line, member_table, api, owner):
    users = [line.create_user(f"上限{n}", follow=True) for n in range(5)]
    consumed = line.set_quota()["consumed"]
    line.set_quota(limit=consumed + len(users))  # enough when the plan is checked
    line.set_rate_limits(push=1)  # one push a second: the send takes a few seconds
    try:
        campaign_id = start_campaign(api, owner, member_table, "{name}さん、上限テスト", users)
        # Meanwhile the shop broadcasts from LINE Official Account Manager: the month's quota is gone.
        line.set_quota(consumed=consumed + len(users))
        wait_for(lambda: progress(api, owner, campaign_id)["status"] == "paused", 60)
        time.sleep(3)
        requests_after_pause = line.stats()["requests"].get("push", {})
        time.sleep(3)
        assert line.stats()["requests"].get("push", {}) == requests_after_pause, "no retrying after the pause"
    finally:
        line.set_quota(limit=5000, consumed=consumed)
        line.set_rate_limits(push=2000)
    delivered = [u for u in users if any("上限テスト" in m.get("text", "") for m in line.received(u))]
    assert len(delivered) < len(users)
    counts = CampaignRepository(TableGateway.of(member_table)).outcome_counts(campaign_id)
    assert counts["sent"] == len(delivered) and counts["paused"] >= 1
    paused = progress(api, owner, campaign_id)
    assert (paused["sent"], paused["paused"]) == (counts["sent"], counts["paused"])


class KilledAfterSending:
    """The worker's records, for a worker that dies after LINE accepted its sends, before recording them."""

    def __init__(self, records: CampaignRepository):
        self._records = records

    def __getattr__(self, name: str):
        return getattr(self._records, name)

    def record_outcomes(self, batch, outcomes):
        raise SystemExit("worker killed mid-batch")


@pytest.mark.parametrize("personalised", [False, True], ids=["multicast", "push-per-member"])
def test_a_worker_killed_mid_batch_is_redelivered_and_each_member_still_gets_it_once(
    line, member_table, local_stack, personalised
):
    users = [line.create_user(f"停止{n}", follow=True) for n in range(6)]
    marker = uuid.uuid4().hex[:8]
    text = f"{'{name}さん、' if personalised else ''}お知らせ {marker}"
    batch = sending_campaign(member_table, users, text, f"killed-{marker}")
    records = CampaignRepository(TableGateway.of(member_table))
    channel = LocalChannel()
    client = LineMessagingClient(
        channel.channel_access_token, local_stack.urls.simulator, local_stack.urls.simulator
    )

    with pytest.raises(SystemExit):
        PushWorker(KilledAfterSending(records), client).deliver(batch)
    # SQS delivers the message again after its visibility timeout, to another worker.
    outcomes = PushWorker(records, client).deliver(batch)

    assert set(outcomes.values()) == {RecipientOutcome.SENT}
    for user in users:
        assert sum(marker in m.get("text", "") for m in line.received(user)) == 1
    finished = records.progress(batch.campaign_id)
    assert (finished.status, finished.sent, finished.batches_finished) == (CampaignStatus.DONE, 6, 1)


@pytest.mark.parametrize("personalised", [False, True], ids=["multicast", "push-per-member"])
@pytest.mark.parametrize("change", ["do_not_send", "complaint_hold", "blocked"])
def test_a_member_flagged_or_blocked_after_planning_is_skipped_at_send_time(
    line, member_table, local_stack, personalised, change
):
    users = [line.create_user(f"直前{n}", follow=True) for n in range(3)]
    marker = uuid.uuid4().hex[:8]
    text = f"{'{name}さん、' if personalised else ''}お知らせ {marker}"
    batch = sending_campaign(member_table, users, text, f"late-flag-{marker}")
    # Between planning and sending, staff flag the first member (or the member blocks the shop).
    member_table.update_item(
        Key=member_key(users[0]),
        UpdateExpression=f"SET {change} = :on",
        ExpressionAttributeValues={":on": True},
    )
    channel = LocalChannel()
    client = LineMessagingClient(
        channel.channel_access_token, local_stack.urls.simulator, local_stack.urls.simulator
    )

    outcomes = PushWorker(CampaignRepository(TableGateway.of(member_table)), client).deliver(batch)

    assert outcomes[users[0]] is RecipientOutcome.SKIPPED_BY_FLAG
    assert not any(marker in m.get("text", "") for m in line.received(users[0]))
    for user in users[1:]:
        assert outcomes[user] is RecipientOutcome.SENT
        assert sum(marker in m.get("text", "") for m in line.received(user)) == 1
