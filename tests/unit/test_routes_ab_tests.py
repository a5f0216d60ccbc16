"""A/B tests' assignment and judgement: stable, by the shares, and honest about significance."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from daifuku.domain.ab_tests import (
    TooFewRecipients,
    in_test_group,
    judge,
    significant,
    split_recipients,
    variant_of,
    wilson,
)
from daifuku.domain.campaigns import AbTest, Campaign, TextContent
from daifuku.domain.segments import Segment

TEXT = [TextContent(text="A")]
USERS = [f"U{n:032x}" for n in range(2000)]


def ab(**fields) -> AbTest:
    return AbTest(variants=[TEXT, [TextContent(text="B")], [TextContent(text="C")]], **fields)


def test_assignment_is_stable_and_follows_the_shares() -> None:
    test = ab(shares=[50, 30, 20])
    first = [variant_of(test, "c-1", u) for u in USERS]
    assert first == [variant_of(test, "c-1", u) for u in USERS]
    shares = [first.count(n) / len(USERS) for n in range(3)]
    assert [round(s, 1) for s in shares] == [0.5, 0.3, 0.2]
    assert first != [variant_of(test, "c-2", u) for u in USERS]  # another campaign, another draw


def test_the_test_group_is_about_its_percent() -> None:
    test = ab(mode="winner", test_percent=20)
    share = sum(in_test_group(test, "c-1", u) for u in USERS) / len(USERS)
    assert 0.17 < share < 0.23


def test_splits_not_adding_up_are_refused() -> None:
    for shares in ([50, 30, 10], [50, 50], [100, 0, 0]):
        with pytest.raises(ValidationError):
            ab(shares=shares)
    with pytest.raises(ValidationError):
        AbTest(variants=[TEXT])  # one variant is no test
    assert ab().percents() == [34, 33, 33]


def test_too_few_recipients_per_variant_are_refused() -> None:
    campaign = Campaign(campaign_id="c-1", name="AB", segment=Segment(), messages=TEXT, ab=ab())
    with pytest.raises(TooFewRecipients):
        split_recipients(campaign, USERS[:9])
    now, held = split_recipients(campaign, USERS[:100])
    assert (len(now), held) == (100, [])


def test_rates_carry_intervals_and_a_small_lead_is_not_significant() -> None:
    low, high = wilson(10, 100)
    assert 0.05 < low < 0.1 < high < 0.18
    assert significant((30, 100), (10, 100)) and not significant((12, 100), (10, 100))
    result = judge(ab(winner_by="visit"), [100, 100, 100], None, [12, 10, 9])
    assert result.leader == 0 and result.significant is False and result.metric == "visit"


def test_a_push_refused_for_its_aggregation_unit_goes_again_without_it() -> None:
    from typing import Any

    from daifuku.domain.campaigns import CampaignProgress, CampaignStatus, SendBatch
    from daifuku.domain.errors import LineBadRequest
    from daifuku.domain.push_worker import PushWorker, RecipientOutcome
    from daifuku.models.member import Member

    campaign = Campaign(
        campaign_id="c-unit",
        name="U",
        segment=Segment(),
        messages=[TextContent(text="{name}さま")],
        aggregation_unit="c_c_unit",
        status=CampaignStatus.SENDING,
    )
    pushes: list[dict[str, Any]] = []

    class Line:
        def push(
            self, to: str, messages: list, retry_key: str | None = None, aggregation_unit: str | None = None
        ) -> None:
            pushes.append({"to": to, "unit": aggregation_unit})
            if aggregation_unit:
                raise LineBadRequest(400, "customAggregationUnits is not allowed")

        def multicast(self, *args: Any, **kwargs: Any) -> None:
            raise AssertionError("personalised: pushes only")

    class Records:
        def load_campaign(self, campaign_id: str) -> Campaign:
            return campaign

        def members(self, user_ids: tuple[str, ...], *, eligibility_only: bool = False) -> list[Member]:
            return [Member(user_id=u) for u in user_ids]

        def record_outcomes(self, batch: SendBatch, outcomes: dict) -> CampaignProgress:
            return CampaignProgress(campaign_id="c-unit", name="U", status=CampaignStatus.SENDING)

        def pause_campaign(self, campaign_id: str, reason: str) -> None: ...

        def complete_campaign(self, campaign_id: str) -> None: ...

        def grant_coupon(self, user_id: str, coupon: Any) -> bool:
            return True

    worker = PushWorker(records=Records(), line=Line())
    outcomes = worker.deliver(SendBatch(campaign_id="c-unit", batch_no=0, user_ids=(USERS[0],)))
    assert outcomes == {USERS[0]: RecipientOutcome.SENT}
    assert [p["unit"] for p in pushes] == ["c_c_unit", None]
