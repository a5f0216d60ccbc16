"""The monthly birth-month campaign, through the local stack: the right members, exactly once."""

from __future__ import annotations

import json
import time
import urllib.request
import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

pytestmark = pytest.mark.slow

BIRTH_MONTH_TEXT = "お誕生月おめでとうございます"


def this_month() -> int:
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).month


def registered_member(line, member_table, month: int, **flags) -> str:
    """A simulated friend who registered with a birthday in `month`."""
    user = line.create_user(f"誕生月{month}-{uuid.uuid4().hex[:4]}", follow=True)
    names = {"#status": "status", "#name": "name"}
    values = {
        ":registered": flags.pop("status", "registered"),
        ":birthdate": f"1990-{month:02d}-15",
        ":month": f"{month:02d}",
        ":no": uuid.uuid4().hex[:6],
        ":name": "テスト会員",
        ":registered_at": datetime.now(UTC).isoformat(),
    }
    assignments = [
        "#status = :registered",
        "birthdate = :birthdate",
        "birth_month = :month",
        "member_no = :no",
        "registered_at = :registered_at",
    ]
    assignments.append("#name = :name")
    for n, (flag, value) in enumerate(flags.items()):
        assignments.append(f"{flag} = :flag{n}")
        values[f":flag{n}"] = value
    member_table.update_item(
        Key={"pk": f"USER#{user}", "sk": "MEMBER"},
        UpdateExpression="SET " + ", ".join(assignments),
        ExpressionAttributeNames=names,
        ExpressionAttributeValues=values,
    )
    return user


def fire_schedule(api: str, schedule: str = "birth-month") -> dict:
    request = urllib.request.Request(f"{api}/_local/schedules/{schedule}/fire", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=60) as response:
        return json.loads(response.read())


def birth_month_messages(line, user: str) -> list[dict]:
    return [m for m in line.received(user) if BIRTH_MONTH_TEXT in m.get("text", "")]


def wait_until(condition, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("not within the time allowed")
        time.sleep(0.3)


def test_exactly_the_members_born_this_month_get_one_message_even_if_the_schedule_fires_twice(
    local_stack, line, member_table
):
    month = this_month()
    other_month = month % 12 + 1
    eligible = [registered_member(line, member_table, month) for _ in range(3)]
    other = registered_member(line, member_table, other_month)
    flagged = [
        registered_member(line, member_table, month, do_not_send=True),
        registered_member(line, member_table, month, complaint_hold=True),
        registered_member(line, member_table, month, status="deleted"),
    ]
    blocked = registered_member(line, member_table, month)
    line.block(blocked)

    first = fire_schedule(local_stack.urls.api)
    assert first["status"] == "sending"
    wait_until(lambda: all(birth_month_messages(line, user) for user in eligible))
    second = fire_schedule(local_stack.urls.api)
    assert second["status"] == "already_started"
    time.sleep(2)  # what a second run might have enqueued has had time to arrive

    for user in eligible:
        [message] = birth_month_messages(line, user)
        assert message["text"].startswith("テスト会員さま")
    for user in [other, *flagged, blocked]:
        assert birth_month_messages(line, user) == []


def test_members_who_register_later_in_the_month_get_it_from_the_daily_catch_up_once(
    local_stack, line, member_table
):
    month = this_month()
    assert fire_schedule(local_stack.urls.api)["status"] in ("sending", "done", "already_started")
    late = registered_member(line, member_table, month)  # registered after the monthly run
    time.sleep(0.01)

    first = fire_schedule(local_stack.urls.api, "birth-month-catch-up")
    wait_until(lambda: birth_month_messages(line, late))
    again = fire_schedule(local_stack.urls.api, "birth-month-catch-up")  # the daily schedule fired twice
    time.sleep(2)

    assert first["status"] == "sending" and first["recipients"] == 1
    assert again["status"] == "already_started"
    assert len(birth_month_messages(line, late)) == 1
