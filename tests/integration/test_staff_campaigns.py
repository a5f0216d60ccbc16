"""Campaigns from the staff console's API, through the local stack: count, schedule, send, follow."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest

from daifuku.adapters.dynamodb.coupons import CouponRepository
from daifuku.adapters.dynamodb.keys import member_key
from daifuku.adapters.dynamodb.table import TableGateway
from tests.integration.campaign_api import (
    compose,
    fire_due_campaigns,
    make_staff,
    progress,
    tag_members,
    wait_until_finished,
)

pytestmark = pytest.mark.slow


def friends(line, count: int, prefix: str) -> list[str]:
    return [line.create_user(f"{prefix}{n}", follow=True) for n in range(count)]


def flag(member_table, user: str, **flags) -> None:
    assignments = ", ".join(f"{name} = :{name}" for name in flags)
    member_table.update_item(
        Key=member_key(user),
        UpdateExpression=f"SET {assignments}",
        ExpressionAttributeValues={f":{name}": value for name, value in flags.items()},
    )


def texts_received(line, user: str, marker: str) -> int:
    return sum(1 for message in line.received(user) if marker in message.get("text", ""))


def test_the_live_count_is_what_the_planner_sends_and_flagged_members_are_skipped(
    line, member_table, api, owner
):
    tag = f"常連-{uuid.uuid4().hex[:6]}"
    eligible = friends(line, 4, "常連")
    do_not_send, blocked = friends(line, 2, "除外")
    tag_members(member_table, [*eligible, do_not_send, blocked], tag)
    flag(member_table, do_not_send, do_not_send=True)
    line.block(blocked)
    segment = {"tags_any": [tag]}

    status, estimate = api.call("POST", "/liff/api/staff/segments/estimate", owner, {"segment": segment})
    assert status == 200, estimate
    assert (estimate["recipients"], estimate["skipped_by_flag"], estimate["used_scan"]) == (4, 2, False)
    assert estimate["message_cost"] == 4 and estimate["within_quota"]

    marker = uuid.uuid4().hex[:8]
    campaign_id = compose(api, owner, segment, f"常連さまへのお知らせ {marker}")
    assert progress(api, owner, campaign_id)["status"] == "draft"
    fire_due_campaigns(api.api_url)
    finished = wait_until_finished(api, owner, campaign_id)

    assert finished["status"] == "done" and finished["percent_done"] == 100
    assert (finished["planned"], finished["sent"], finished["skipped_by_flag"]) == (4, 4, 2)
    assert [texts_received(line, user, marker) for user in eligible] == [1, 1, 1, 1]
    assert texts_received(line, do_not_send, marker) == texts_received(line, blocked, marker) == 0
    status, recent = api.call("GET", "/liff/api/staff/campaigns", owner)
    assert campaign_id in [c["campaign_id"] for c in recent["campaigns"]]


def test_a_block_within_seven_days_of_a_campaign_counts_against_it(line, member_table, api, owner):
    tag = f"ブロック-{uuid.uuid4().hex[:6]}"
    users = friends(line, 3, "ブロック")
    tag_members(member_table, users, tag)
    campaign_id = compose(api, owner, {"tags_all": [tag]}, "週末セールのお知らせ")
    fire_due_campaigns(api.api_url)
    assert wait_until_finished(api, owner, campaign_id)["sent"] == 3

    line.block(users[0])
    line.block(users[0])  # LINE's redelivery of the same block must not count twice

    assert progress(api, owner, campaign_id)["blocks_within_7_days"] == 1


def test_a_store_segment_reads_the_store_index_and_an_unindexed_one_says_it_scans(
    line, member_table, api, owner
):
    store = f"store-{uuid.uuid4().hex[:6]}"
    users = friends(line, 3, "店舗")
    for user in users:
        flag(member_table, user, store_id=store)

    _, by_store = api.call(
        "POST", "/liff/api/staff/segments/estimate", owner, {"segment": {"store_id": store}}
    )
    assert (by_store["recipients"], by_store["used_scan"]) == (3, False)
    unindexed = {"segment": {"registered": False, "points_max": 0}}
    _, scanned = api.call("POST", "/liff/api/staff/segments/estimate", owner, unindexed)
    assert scanned["used_scan"] is True and scanned["recipients"] >= 3


def test_a_scheduled_campaign_waits_for_its_time_and_can_be_cancelled(line, member_table, api, owner):
    tag = f"予約-{uuid.uuid4().hex[:6]}"
    users = friends(line, 2, "予約")
    tag_members(member_table, users, tag)
    send_at = (datetime.now(UTC) + timedelta(hours=3)).isoformat()
    campaign_id = compose(api, owner, {"tags_any": [tag]}, "予約配信のお知らせ", send_at=send_at)

    assert [f for f in fire_due_campaigns(api.api_url) if f["campaign_id"] == campaign_id] == []
    assert progress(api, owner, campaign_id)["status"] == "draft"
    status, cancelled = api.call("POST", f"/liff/api/staff/campaigns/{campaign_id}/cancel", owner)
    assert (status, cancelled["status"]) == (200, "cancelled")

    fired = fire_due_campaigns(api.api_url, ahead_seconds=4 * 3600)
    assert [f for f in fired if f["campaign_id"] == campaign_id] == []
    assert all(texts_received(line, user, "予約配信") == 0 for user in users)


def test_over_the_quota_the_plan_refuses_and_nothing_is_sent(line, member_table, api, owner):
    tag = f"上限-{uuid.uuid4().hex[:6]}"
    users = friends(line, 3, "上限")
    tag_members(member_table, users, tag)
    consumed = line.set_quota()["consumed"]
    line.set_quota(limit=consumed + 2)
    try:
        _, estimate = api.call(
            "POST", "/liff/api/staff/segments/estimate", owner, {"segment": {"tags_any": [tag]}}
        )
        assert estimate["within_quota"] is False and estimate["quota_remaining"] == 2
        campaign_id = compose(api, owner, {"tags_any": [tag]}, "上限を超える配信")
        fire_due_campaigns(api.api_url)
    finally:
        line.set_quota(limit=5000)
    refused = progress(api, owner, campaign_id)
    assert refused["status"] == "failed"
    assert "3 messages, 2 left" in refused["status_reason"]
    time.sleep(1)
    assert all(texts_received(line, user, "上限を超える配信") == 0 for user in users)


def test_only_owners_send_and_only_staff_see_campaigns(line, member_table, api, owner):
    staff = make_staff(member_table, api, "staff")
    stranger = api.simulated_user("お客さま")
    segment = {"segment": {"tags_any": ["vip"]}}
    campaign = {"name": "x", "segment": {"tags_any": ["vip"]}, "messages": [{"type": "text", "text": "x"}]}

    assert api.call("POST", "/liff/api/staff/segments/estimate", staff, segment)[0] == 200
    status, answer = api.call("POST", "/liff/api/staff/campaigns", staff, campaign)
    assert (status, answer["code"]) == (403, "not_owner")
    for method, path, body in [
        ("POST", "/liff/api/staff/segments/estimate", segment),
        ("POST", "/liff/api/staff/campaigns", campaign),
        ("GET", "/liff/api/staff/campaigns", None),
        ("GET", "/liff/api/staff/campaigns/anything", None),
        ("POST", "/liff/api/staff/campaigns/anything/cancel", None),
    ]:
        status, answer = api.call(method, path, stranger, body)
        assert (status, answer["code"]) == (403, "not_staff"), path


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (
            {"name": "x", "segment": {"birth_month": 13}, "messages": [{"type": "text", "text": "x"}]},
            "segment",
        ),
        ({"name": "x", "segment": {}, "messages": []}, "messages"),
        ({"name": "x", "segment": {}, "messages": [{"type": "text", "text": "x"}] * 6}, "messages"),
        ({"name": "x", "segment": {}, "messages": [{"type": "sticker"}]}, "messages"),
    ],
)
def test_an_invalid_campaign_is_refused_with_the_field(api, owner, body, field):
    status, answer = api.call("POST", "/liff/api/staff/campaigns", owner, body)
    assert status == 422, answer
    assert any(error["field"].startswith(field) for error in answer["errors"])


def test_a_campaign_coupon_is_held_once_by_each_member_it_reached(line, member_table, api, owner):
    tag = f"クーポン-{uuid.uuid4().hex[:6]}"
    reached = friends(line, 2, "クーポン")
    flagged = friends(line, 1, "保留")[0]
    tag_members(member_table, [*reached, flagged], tag)
    flag(member_table, flagged, complaint_hold=True)
    coupon = {"title": "ご来店感謝 10%オフ", "description": "お会計時にご提示ください", "valid_days": 14}
    campaign_id = compose(api, owner, {"tags_any": [tag]}, "クーポンをお届けします", coupon=coupon)
    fire_due_campaigns(api.api_url)
    assert wait_until_finished(api, owner, campaign_id)["sent"] == 2

    members = CouponRepository(TableGateway.of(member_table))
    for user in reached:
        [held] = [c for c in members.coupons_of(user) if c.coupon_id == f"campaign-{campaign_id}"]
        assert held.title == "ご来店感謝 10%オフ" and held.used_at is None
        assert (held.expires_on - held.issued_at.date()).days in (14, 15)  # the shop's day may be a day ahead
    assert [c for c in members.coupons_of(flagged) if c.coupon_id == f"campaign-{campaign_id}"] == []
