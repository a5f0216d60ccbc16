"""The push worker with in-memory records and a scripted LINE."""

from __future__ import annotations

from typing import Any

import pytest

from daifuku.domain.campaigns import Campaign, CampaignProgress, CampaignStatus, SendBatch, TextContent
from daifuku.domain.errors import LineBadRequest, LineMonthlyLimitReached, LineRateLimited, LineUnavailable
from daifuku.domain.push_worker import PushWorker, RecipientOutcome, RetryLater
from daifuku.domain.segments import Segment
from daifuku.models.member import Member
from daifuku.models.shop import CouponTemplate

USERS = [f"U{n:032x}" for n in range(4)]


class Records:
    def __init__(self, campaign: Campaign, members: list[Member]):
        self.campaign = campaign
        self.by_id = {m.user_id: m for m in members}
        self.outcomes: dict[str, RecipientOutcome] = {}
        self.paused: str | None = None
        self.coupons: set[tuple[str, str]] = set()

    def load_campaign(self, campaign_id):
        return self.campaign

    def members(self, user_ids, *, eligibility_only=False):
        return [self.by_id[u] for u in user_ids if u in self.by_id]

    def record_outcomes(self, batch, outcomes):
        self.outcomes.update(outcomes)
        # One batch per test: recording it finishes the campaign's only batch.
        return CampaignProgress(
            campaign_id=self.campaign.campaign_id,
            name=self.campaign.name,
            status=self.campaign.status,
            batches_planned=1,
            batches_finished=1,
        )

    def pause_campaign(self, campaign_id, reason):
        self.paused = reason

    def grant_coupon(self, user_id, coupon):
        fresh = (user_id, coupon.coupon_id) not in self.coupons
        self.coupons.add((user_id, coupon.coupon_id))
        return fresh

    def complete_campaign(self, campaign_id):
        self.campaign = self.campaign.moved_to(CampaignStatus.DONE)


class ScriptedLine:
    def __init__(
        self, failures: dict[str, Exception] | None = None, multicast_error: Exception | None = None
    ):
        self.failures = failures or {}
        self.multicast_error = multicast_error
        self.pushes: list[tuple[str, str | None]] = []
        self.multicasts: list[tuple[list[str], str | None]] = []

    def push(self, to, messages, retry_key=None):
        self.pushes.append((to, retry_key))
        if to in self.failures:
            raise self.failures[to]

    def multicast(self, to, messages, retry_key=None):
        self.multicasts.append((to, retry_key))
        if self.multicast_error:
            raise self.multicast_error


def sending(text: str = "お知らせ") -> Campaign:
    return Campaign(
        campaign_id="c1",
        name="n",
        segment=Segment(),
        messages=[TextContent(text=text)],
        status=CampaignStatus.SENDING,
    )


def members(**flags: Any) -> list[Member]:
    return [Member(user_id=u, member_no=f"{n:06d}", **(flags if n == 0 else {})) for n, u in enumerate(USERS)]


BATCH = SendBatch(campaign_id="c1", batch_no=0, user_ids=tuple(USERS))


def test_a_batch_is_one_multicast_with_the_batch_retry_key_and_flagged_members_are_skipped():
    records, line = Records(sending(), members(do_not_send=True)), ScriptedLine()
    PushWorker(records, line).deliver(BATCH)
    assert line.multicasts == [(USERS[1:], BATCH.retry_key)]
    assert records.outcomes[USERS[0]] is RecipientOutcome.SKIPPED_BY_FLAG
    assert {records.outcomes[u] for u in USERS[1:]} == {RecipientOutcome.SENT}
    assert records.campaign.status is CampaignStatus.DONE


def test_one_bad_recipient_fails_alone_and_the_others_are_sent():
    bad = LineBadRequest(400, "The property, 'to', in the request body is invalid")
    records = Records(sending(), members())
    line = ScriptedLine(failures={USERS[2]: bad}, multicast_error=bad)
    PushWorker(records, line).deliver(BATCH)
    assert records.outcomes[USERS[2]] is RecipientOutcome.FAILED
    assert [records.outcomes[u] for u in (USERS[0], USERS[1], USERS[3])] == [RecipientOutcome.SENT] * 3
    assert len({key for _, key in line.pushes}) == 4, "each split push has its own retry key"


@pytest.mark.parametrize("error", [LineRateLimited(429, "Too Many Requests"), LineUnavailable(500, "boom")])
def test_throttling_and_outages_send_the_batch_back_without_recording_it(error):
    records = Records(sending(), members())
    with pytest.raises(RetryLater):
        PushWorker(records, ScriptedLine(multicast_error=error)).deliver(BATCH)
    assert records.outcomes == {}


def test_the_monthly_limit_pauses_the_campaign_instead_of_retrying():
    records = Records(sending(), members())
    line = ScriptedLine(multicast_error=LineMonthlyLimitReached(429, "You have reached your monthly limit."))
    outcomes = PushWorker(records, line).deliver(BATCH)
    assert records.paused == "monthly message limit reached"
    assert set(outcomes.values()) == {RecipientOutcome.PAUSED}


def test_personalised_campaigns_push_each_member_their_own_text_with_their_own_retry_key():
    records, line = Records(sending("{name}さんへ"), members()), ScriptedLine()
    batch = SendBatch(campaign_id="c1", batch_no=7, user_ids=tuple(USERS))
    PushWorker(records, line).deliver(batch)
    assert sorted(line.pushes) == sorted((user, batch.member_retry_key(user)) for user in USERS)
    assert len({key for _, key in line.pushes}) == len(USERS)
    assert set(records.outcomes.values()) == {RecipientOutcome.SENT}


def test_a_throttled_batch_retried_pushes_only_the_members_line_has_not_accepted_yet():
    records = Records(sending("{name}さんへ"), members())
    throttled = ScriptedLine(failures={USERS[3]: LineRateLimited(429, "Too Many Requests")})
    worker = PushWorker(records, throttled)
    with pytest.raises(RetryLater):
        worker.deliver(BATCH)
    assert records.outcomes == {}, "a throttled batch records nothing: it comes again"
    accepted_first = {user for user, _ in throttled.pushes} - {USERS[3]}
    assert accepted_first, "the members pushed before LINE throttled"

    worker.line = retried = ScriptedLine()
    worker.deliver(BATCH)
    assert {user for user, _ in retried.pushes} == set(USERS) - accepted_first
    assert set(records.outcomes.values()) == {RecipientOutcome.SENT}


def test_a_batch_seen_before_the_planner_marks_the_campaign_sending_is_still_sent():
    planned = sending().model_copy(update={"status": CampaignStatus.PLANNED})
    line = ScriptedLine()
    PushWorker(Records(planned, members()), line).deliver(BATCH)
    assert line.multicasts == [(USERS, BATCH.retry_key)]


def test_a_cancelled_campaign_sends_nothing():
    cancelled = sending().model_copy(update={"status": CampaignStatus.CANCELLED})
    line = ScriptedLine()
    assert PushWorker(Records(cancelled, members()), line).deliver(BATCH) == {}
    assert line.multicasts == [] and line.pushes == []


def test_the_monthly_limit_part_way_through_pushes_keeps_those_sent_and_pauses_the_rest():
    limit = LineMonthlyLimitReached(429, "You have reached your monthly limit.")
    records = Records(sending("{name}さんへ"), members())
    line = ScriptedLine(failures={USERS[2]: limit, USERS[3]: limit})
    outcomes = PushWorker(records, line).deliver(
        SendBatch(campaign_id="c1", batch_no=0, user_ids=tuple(USERS))
    )
    assert records.paused == "monthly message limit reached"
    # Pushes run a few at a time: whoever LINE accepted is sent, everyone else is paused.
    accepted = {user for user, _ in line.pushes} - {USERS[2], USERS[3]}
    for user in USERS:
        expected = RecipientOutcome.SENT if user in accepted else RecipientOutcome.PAUSED
        assert outcomes[user] is expected, user


def test_a_campaign_coupon_goes_once_to_each_member_the_message_reached():
    with_coupon = sending().model_copy(
        update={"coupon": CouponTemplate(title="誕生月10%オフ", valid_days=31)}
    )
    bad = LineBadRequest(400, "The property, 'to', in the request body is invalid")
    records = Records(with_coupon, members(do_not_send=True))
    line = ScriptedLine(failures={USERS[2]: bad}, multicast_error=bad)
    PushWorker(records, line).deliver(BATCH)

    # Not the flagged member (skipped) nor the one LINE refused
    assert records.coupons == {(USERS[1], "campaign-c1"), (USERS[3], "campaign-c1")}
