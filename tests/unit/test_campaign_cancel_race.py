"""A campaign cancelled while its planner runs stays cancelled, and the planner queues nothing."""

from datetime import UTC, datetime

from daifuku.domain.campaign_planning import MemberSelection, start_campaign
from daifuku.domain.campaigns import Campaign, CampaignPlan, CampaignStatus, SendBatch, TextContent
from daifuku.domain.segments import Segment
from daifuku.models.member import Member, MembershipStatus

NOW = datetime(2026, 12, 6, 1, 0, tzinfo=UTC)
USER = "U" + "a" * 32


class Records:
    """In-memory campaign records; `cancel_when` names the step at which the owner's cancel lands."""

    def __init__(self, cancel_when: str):
        self.campaign = Campaign(
            campaign_id="now-1",
            name="今すぐ",
            segment=Segment(tags_any=("常連",)),
            messages=[TextContent(text="本日限りのお知らせです")],
        )
        self.cancel_when = cancel_when
        self.plan: CampaignPlan | None = None

    def cancel_if(self, step: str) -> None:
        if step == self.cancel_when and self.campaign.status in (
            CampaignStatus.DRAFT,
            CampaignStatus.PLANNED,
        ):
            self.campaign = self.campaign.model_copy(update={"status": CampaignStatus.CANCELLED})

    def load_campaign(self, campaign_id: str) -> Campaign | None:
        return self.campaign

    def move_campaign(self, campaign_id: str, status: CampaignStatus, reason: str | None = None) -> Campaign:
        self.campaign = self.campaign.moved_to(
            status
        )  # InvalidTransition from cancelled, as the table's condition
        return self.campaign

    def select_members(self, segment: Segment) -> MemberSelection:
        self.cancel_if("selecting")
        member = Member(user_id=USER, status=MembershipStatus.REGISTERED, member_no="000001", tags={"常連"})
        return MemberSelection(members=(member,), used_scan=False)

    def save_plan(self, plan: CampaignPlan, skipped_by_flag: list[str]) -> None:
        self.plan = plan

    def planned_batches(self, campaign_id: str) -> tuple[SendBatch, ...]:
        assert self.plan is not None
        return self.plan.batches

    def log_campaign_started(self, campaign_id: str, at: datetime) -> None:
        self.cancel_if("started")


class Quota:
    def message_quota(self) -> int | None:
        return None

    def messages_sent_this_month(self) -> int:
        return 0


class Queue:
    def __init__(self) -> None:
        self.batches: list[SendBatch] = []

    def enqueue(self, batches: tuple[SendBatch, ...]) -> None:
        self.batches += batches


def test_a_cancel_that_lands_while_the_planner_plans_wins_and_nothing_is_queued():
    records, queue = Records(cancel_when="selecting"), Queue()

    started = start_campaign("now-1", records, Quota(), queue, NOW)

    assert started.status is CampaignStatus.CANCELLED
    assert records.campaign.status is CampaignStatus.CANCELLED
    assert queue.batches == []


def test_the_planner_does_nothing_for_a_campaign_cancelled_before_it_fired():
    records, queue = Records(cancel_when="never"), Queue()
    records.campaign = records.campaign.moved_to(CampaignStatus.CANCELLED)

    started = start_campaign("now-1", records, Quota(), queue, NOW)

    assert (started.status, queue.batches, records.plan) == (CampaignStatus.CANCELLED, [], None)


def test_a_cancel_after_queueing_leaves_the_campaign_cancelled_not_sending():
    records, queue = Records(cancel_when="started"), Queue()

    started = start_campaign("now-1", records, Quota(), queue, NOW)

    # The batches went on the queue; the push worker sends nothing for a cancelled campaign.
    assert started.status is CampaignStatus.CANCELLED
    assert records.campaign.status is CampaignStatus.CANCELLED
