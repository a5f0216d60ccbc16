"""The staff console's campaign calls, for tests and benchmarks: staff, tags, compose, fire, follow."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from typing import Any

from daifuku.adapters.dynamodb.campaigns import CampaignRepository
from daifuku.adapters.dynamodb.keys import member_key, staff_key, tag_key
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.campaigns import Campaign, CampaignStatus, SendBatch, TextContent, plan_campaign
from daifuku.domain.segments import Segment
from tests.integration.member_api import MemberApi


def make_staff(member_table: Any, api: MemberApi, role: str = "owner") -> str:
    """A simulated LINE user on the shop's staff list with `role`."""
    user = api.simulated_user(f"スタッフ{uuid.uuid4().hex[:4]}")
    member_table.put_item(Item={**staff_key(user), "role": role})
    return user


def tag_members(member_table: Any, users: list[str], tag: str) -> None:
    """What the staff console's tag editor writes: one tag item (the tag index) and the member's tag set."""
    for user in users:
        member_table.put_item(Item={**tag_key(user, tag), "tag": tag, "user_id": user})
        member_table.update_item(
            Key=member_key(user), UpdateExpression="ADD tags :tag", ExpressionAttributeValues={":tag": {tag}}
        )


def fire_due_campaigns(api_url: str, ahead_seconds: int = 120) -> list[dict[str, Any]]:
    """Let the local Scheduler fire the campaign starts due within `ahead_seconds` (no waiting)."""
    request = urllib.request.Request(
        f"{api_url}/_local/schedules/campaigns/fire-due?ahead_seconds={ahead_seconds}",
        data=b"",
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=300) as response:
        fired: list[dict[str, Any]] = json.loads(response.read())["fired"]
        return fired


def compose(api: MemberApi, owner: str, segment: dict, text: str, **extra: Any) -> str:
    """Create a campaign as the composer does; its id."""
    status, answer = api.call(
        "POST",
        "/liff/api/staff/campaigns",
        owner,
        {"name": "テスト配信", "segment": segment, "messages": [{"type": "text", "text": text}], **extra},
    )
    assert status == 201, answer
    campaign_id: str = answer["campaign_id"]
    return campaign_id


def progress(api: MemberApi, staff: str, campaign_id: str) -> dict[str, Any]:
    status, answer = api.call("GET", f"/liff/api/staff/campaigns/{campaign_id}", staff)
    assert status == 200, answer
    return answer


def wait_until_finished(api: MemberApi, staff: str, campaign_id: str, seconds: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + seconds
    while True:
        answer = progress(api, staff, campaign_id)
        if answer["status"] in ("done", "failed", "cancelled", "paused"):
            return answer
        assert time.monotonic() < deadline, f"still {answer['status']}: {answer}"
        time.sleep(0.5)


def sending_campaign(member_table: Any, users: list[str], text: str, campaign_id: str) -> SendBatch:
    """A campaign the planner has queued (its one batch returned), as if its schedule fired."""
    records = CampaignRepository(TableGateway.of(member_table))
    campaign = records.create_campaign(
        Campaign(
            campaign_id=campaign_id, name="テスト配信", segment=Segment(), messages=[TextContent(text=text)]
        )
    )
    plan = plan_campaign(campaign, users, None, used_scan=False, now=datetime.now(UTC))
    records.save_plan(plan, [])
    for status in (CampaignStatus.PLANNED, CampaignStatus.SENDING):
        records.move_campaign(campaign_id, status)
    [batch] = plan.batches
    return batch
