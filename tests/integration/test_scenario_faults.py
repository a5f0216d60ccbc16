"""Scenario steps under LINE's faults, redelivered queue messages and a pause: every member gets every
due step exactly once."""

from __future__ import annotations

import time
import uuid
from datetime import timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from daifuku.domain.scenarios import DueStep, ScenarioStepBatch
from daifuku_local.aws_resources import aws_client
from tests.integration.campaign_api import tag_members
from tests.integration.scenario_api import (
    advance_clock_to,
    clock_now,
    eventually,
    next_morning,
    reset_clock,
    scenario_results,
    step_counts,
    texts_received,
)

pytestmark = pytest.mark.moves_clock

JST = ZoneInfo("Asia/Tokyo")


def two_step_scenario(api, owner, scenario_id: str, marker: str) -> None:
    body = {
        "scenario_id": scenario_id,
        "name": "障害テスト",
        "trigger": {"kind": "manual"},
        "steps": [
            {
                "step_id": "now",
                "delay": {"amount": 0, "unit": "minutes"},
                "messages": [{"type": "text", "text": f"{{name}}様 {marker}1"}],
            },
            {
                "step_id": "later",
                "delay": {"amount": 2, "unit": "hours"},
                "messages": [{"type": "text", "text": f"{marker}2"}],
            },
        ],
    }
    status, answer = api.call("POST", "/liff/api/staff/scenarios", owner, body)
    assert status == 201, answer


def redeliver(local_stack, batch: ScenarioStepBatch) -> None:
    """What SQS does when a worker dies mid-batch: the same message comes again."""
    sqs = aws_client("sqs", local_stack.urls.aws_endpoint)
    queue_url = next(u for u in sqs.list_queues()["QueueUrls"] if "send" in u and "dlq" not in u.lower())
    sqs.send_message(QueueUrl=queue_url, MessageBody=batch.model_dump_json())


def enrolment(member_table, scenario_id: str, user: str) -> dict[str, Any]:
    return member_table.get_item(Key={"pk": f"SCENARIO#{scenario_id}", "sk": f"ENROL#{user}"})["Item"]


@pytest.fixture
def clock_put_back(local_stack):
    yield
    reset_clock(local_stack.urls.api)


def test_under_faults_and_redeliveries_every_member_gets_every_step_exactly_once(
    api, owner, line, member_table, local_stack, clock_put_back
):
    api_url = local_stack.urls.api
    # Given twenty friends enrolled by hand in a two-step scenario, the clock at a morning
    marker = f"【{uuid.uuid4().hex[:6]}】"
    scenario_id = f"s-faults-{uuid.uuid4().hex[:8]}"
    users = [line.create_user(f"障害{n}", follow=True) for n in range(20)]
    tag = f"障害{uuid.uuid4().hex[:4]}"
    tag_members(member_table, users, tag)
    two_step_scenario(api, owner, scenario_id, marker)
    morning = next_morning(api_url)
    advance_clock_to(api_url, morning)
    # ...and LINE failing a fifth of the pushes: 429s, 5xx, timeouts, answers lost after acceptance
    faulted_before = faulted_pushes(line)
    line.set_faults(
        rate_429=0.08,
        rate_500=0.04,
        rate_timeout=0.04,
        rate_drop=0.04,
        accepted_before_failure=0.5,
        slow_seconds=6,
        endpoints=["push"],
        seed=16,
    )
    try:
        status, counts = api.call(
            "POST",
            f"/liff/api/staff/scenarios/{scenario_id}/enrolments",
            owner,
            {"segment": {"tags_any": [tag]}},
        )
        assert (status, counts["enrolled"]) == (200, 20), counts
        # When step 1 goes out and, meanwhile, a killed worker's messages come again
        due = ScenarioStepBatch(
            steps=tuple(
                DueStep(scenario_id=scenario_id, user_id=u, entry=1, step_id="now", due=clock_now(api_url))
                for u in users[:10]
            )
        )
        redeliver(local_stack, due)
        eventually(lambda: all(texts_received(line, u, f"{marker}1") for u in users), 180)
        redeliver(local_stack, due)
        # And the clock moves on to step 2, whose messages also come twice
        advance_clock_to(api_url, morning + timedelta(hours=2, minutes=1))
        eventually(lambda: all(texts_received(line, u, f"{marker}2") for u in users), 180)
        redeliver(local_stack, due)
        eventually(lambda: step_counts(scenario_results(api, owner, scenario_id), "later")["sent"] == 20, 120)
        time.sleep(3)  # let any retry still in flight arrive
    finally:
        line.set_faults()
        api.call("POST", f"/liff/api/staff/scenarios/{scenario_id}/stop", owner)
    # Then each member got each step exactly once, and the results count each send once
    for user in users:
        assert len(texts_received(line, user, f"{marker}1")) == 1, user
        assert len(texts_received(line, user, f"{marker}2")) == 1, user
        assert enrolment(member_table, scenario_id, user)["status"] == "finished"
    results = scenario_results(api, owner, scenario_id)
    assert step_counts(results, "now")["sent"] == 20
    assert results["totals"]["finished"] == 20
    assert faulted_pushes(line) > faulted_before, "the faults did happen"


def faulted_pushes(line) -> int:
    """The pushes LINE has answered with 429 or 500 since the simulator started (the stack is shared)."""
    pushes = line.stats()["requests"].get("push", {})
    return sum(pushes.get(code, 0) for code in ("429", "500"))


def test_editing_pausing_and_resuming_mid_way_loses_nothing_and_doubles_nothing(
    api, owner, line, member_table, local_stack, clock_put_back
):
    api_url = local_stack.urls.api
    # Given five members who got step 1 of a two-step scenario
    marker = f"【{uuid.uuid4().hex[:6]}】"
    scenario_id = f"s-pause-{uuid.uuid4().hex[:8]}"
    users = [line.create_user(f"一時停止{n}", follow=True) for n in range(5)]
    tag = f"停止{uuid.uuid4().hex[:4]}"
    tag_members(member_table, users, tag)
    two_step_scenario(api, owner, scenario_id, marker)
    morning = next_morning(api_url)
    advance_clock_to(api_url, morning)
    path = f"/liff/api/staff/scenarios/{scenario_id}"
    assert api.call("POST", f"{path}/enrolments", owner, {"segment": {"tags_any": [tag]}})[0] == 200
    eventually(lambda: all(texts_received(line, u, f"{marker}1") for u in users))

    # When the owner pauses it, edits step 2's text and adds a step 3, from two phones at once
    assert api.call("POST", f"{path}/pause", owner)[0] == 200
    status, current = api.call("GET", path, owner)
    edit = {k: current[k] for k in ("name", "trigger", "stop", "reentry", "exclusive_group")}
    steps = current["steps"]
    steps[1]["messages"] = [{"type": "text", "text": f"{marker}2改"}]
    steps.append(
        {
            "step_id": "last",
            "delay": {"amount": 1, "unit": "hours"},
            "messages": [{"type": "text", "text": f"{marker}3"}],
        }
    )
    first = api.call("PUT", path, owner, edit | {"steps": steps, "version": current["version"]})
    second = api.call("PUT", path, owner, edit | {"steps": steps[:2], "version": current["version"]})
    # Then the second save is refused, not merged
    assert first[0] == 200, first
    assert second[0] == 409 and second[1]["code"] == "scenario_edit_conflict", second

    # When step 2 falls due during the pause, and the owner resumes an hour later
    advance_clock_to(api_url, morning + timedelta(hours=2, minutes=1))
    advance_clock_to(api_url, morning + timedelta(hours=3))
    status, resumed = api.call("POST", f"{path}/resume", owner)
    assert status == 200 and resumed["resumed"]["resumed"] == 5, resumed
    # Then each gets the edited step 2 once, then step 3 once
    eventually(lambda: all(texts_received(line, u, f"{marker}2改") for u in users))
    advance_clock_to(api_url, morning + timedelta(hours=4, minutes=1))
    eventually(lambda: all(texts_received(line, u, f"{marker}3") for u in users))
    api.call("POST", f"{path}/stop", owner)
    for user in users:
        got = [m.get("text", "") for m in line.received(user) if marker in m.get("text", "")]
        assert [text.split(marker)[1] for text in got] == ["1", "2改", "3"], got
