"""Events of one user in the same millisecond, as LINE's SDK fixture has them (12 of one user in one
millisecond, a follow and an unfollow sharing one): every message is kept, and the friend's state is
that of the event delivered last."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

pytestmark = pytest.mark.slow

AT_MS = 1_750_000_000_123


def line_event(user: str, kind: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": kind,
        "timestamp": AT_MS,
        "webhookEventId": uuid.uuid4().hex.upper()[:26],
        "deliveryContext": {"isRedelivery": False},
        "mode": "active",
        "source": {"type": "user", "userId": user},
        **fields,
    }


def message(user: str, n: int) -> dict[str, Any]:
    # A set of photos sent at once arrives as several image events of the same millisecond.
    content = {"id": f"{AT_MS}{n:03d}", "type": "image", "contentProvider": {"type": "line"}}
    return line_event(user, "message", replyToken=uuid.uuid4().hex, message=content)


def interactions(member_table, user: str) -> list[dict[str, Any]]:
    answer = member_table.query(
        KeyConditionExpression=Key("pk").eq(f"USER#{user}") & Key("sk").begins_with("MSG#"),
        ConsistentRead=True,
    )
    return [item for item in answer["Items"] if item["direction"] == "in"]


def test_twelve_messages_of_one_user_in_one_millisecond_are_all_kept(line, member_table):
    user = line.create_user(f"同時{uuid.uuid4().hex[:6]}", follow=True)
    events = [message(user, n) for n in range(12)]
    assert line.send_events(events) == 200
    stored = interactions(member_table, user)
    assert sorted(item["webhook_event_id"] for item in stored) == sorted(e["webhookEventId"] for e in events)
    # Delivered again (LINE's redelivery), nothing more is stored
    assert line.send_events(events) == 200
    assert len(interactions(member_table, user)) == 12


def test_a_follow_then_an_unfollow_in_one_millisecond_leave_the_friend_unfollowed(line, member_table):
    user = line.create_user(f"同時{uuid.uuid4().hex[:6]}")
    follow = line_event(user, "follow", replyToken=uuid.uuid4().hex, follow={"isUnblocked": False})
    assert line.send_events([follow, line_event(user, "unfollow")]) == 200
    item = member_table.get_item(Key={"pk": f"USER#{user}", "sk": "MEMBER"}, ConsistentRead=True)["Item"]
    assert item["blocked"] is True
