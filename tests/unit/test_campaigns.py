"""Campaign rules: states, personalisation, batching, quota and deterministic retry keys."""

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from daifuku.domain.campaigns import (
    PERSONALISED_BATCH,
    Campaign,
    CampaignStatus,
    InvalidTransition,
    QuotaWouldBeExceeded,
    TextContent,
    plan_campaign,
)
from daifuku.domain.segments import Segment
from daifuku.models.member import Member

NOW = datetime(2026, 11, 1, 1, 0, tzinfo=UTC)
USERS = [f"U{n:032x}" for n in range(1201)]


def campaign(text: str = "今月のお知らせです", **fields) -> Campaign:
    return Campaign(
        campaign_id="birth-month-2026-11",
        name="11月の誕生月",
        segment=Segment(birth_month=11),
        messages=[TextContent(text=text)],
        **fields,
    )


def test_a_campaign_moves_only_along_its_state_machine():
    sending = campaign().moved_to(CampaignStatus.PLANNED).moved_to(CampaignStatus.SENDING)
    assert (
        sending.moved_to(CampaignStatus.PAUSED).moved_to(CampaignStatus.SENDING).status
        is CampaignStatus.SENDING
    )
    done = sending.moved_to(CampaignStatus.DONE)
    with pytest.raises(InvalidTransition):
        done.moved_to(CampaignStatus.SENDING)
    with pytest.raises(InvalidTransition):
        campaign().moved_to(CampaignStatus.SENDING)


def test_plain_messages_multicast_in_batches_of_500():
    plan = plan_campaign(campaign(), USERS, quota_remaining=None, used_scan=False, now=NOW)
    assert [len(b.user_ids) for b in plan.batches] == [500, 500, 201]
    assert plan.message_cost == 1201


def test_personalised_messages_are_batched_by_50_for_one_push_each_with_the_name_filled_in():
    personal = campaign("{name}さん、お誕生月おめでとうございます!会員番号 {member_no}")
    assert len(USERS) > PERSONALISED_BATCH
    plan = plan_campaign(personal, USERS, quota_remaining=None, used_scan=False, now=NOW)
    sizes = [len(b.user_ids) for b in plan.batches]
    assert sizes[:-1] == [PERSONALISED_BATCH] * (len(sizes) - 1) and sum(sizes) == len(USERS)
    member = Member(user_id=USERS[0], name="山田花子", member_no="000123")
    assert personal.line_messages(member) == [
        {"type": "text", "text": "山田花子さん、お誕生月おめでとうございます!会員番号 000123"}
    ]


def test_retry_keys_are_the_same_for_a_batch_and_different_between_batches():
    first = plan_campaign(campaign(), USERS, quota_remaining=None, used_scan=False, now=NOW)
    again = plan_campaign(campaign(), USERS, quota_remaining=None, used_scan=False, now=NOW)
    assert [b.retry_key for b in first.batches] == [b.retry_key for b in again.batches]
    assert len({b.retry_key for b in first.batches}) == len(first.batches)


def test_over_the_quota_the_plan_is_refused_unless_a_partial_send_is_allowed():
    with pytest.raises(QuotaWouldBeExceeded) as refused:
        plan_campaign(campaign(), USERS, quota_remaining=1000, used_scan=False, now=NOW)
    assert (refused.value.needed, refused.value.remaining) == (1201, 1000)
    partial = plan_campaign(
        campaign(allow_partial_send=True), USERS, quota_remaining=1000, used_scan=False, now=NOW
    )
    assert partial.message_cost == 1000


def test_duplicate_recipients_are_sent_once():
    plan = plan_campaign(campaign(), USERS[:2] * 3, quota_remaining=None, used_scan=False, now=NOW)
    assert plan.recipients == tuple(USERS[:2])


def test_a_campaign_has_one_to_five_messages():
    with pytest.raises(ValidationError):
        Campaign(campaign_id="c", name="n", segment=Segment(), messages=[])
    with pytest.raises(ValidationError):
        Campaign(campaign_id="c", name="n", segment=Segment(), messages=[TextContent(text="x")] * 6)
