"""Scenario enrolment as another feature's action, through the local stack: an auto-reply rule and an
inflow route's entry each enrol the customer in a manual-trigger scenario, once as its re-entry rule
says; a rule or a route naming a scenario that no action can start is refused with a reason."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from tests.integration.conversation_api import STAFF, a_rule, auto_replies
from tests.integration.member_api import unique
from tests.integration.scenario_api import eventually, scenario_body, scenario_results


def enrolled(api: Any, owner: str, scenario_id: str) -> int:
    return int(scenario_results(api, owner, scenario_id)["totals"].get("enrolled", 0))


@pytest.fixture
def manual_scenario(api, owner):
    """A one-step scenario with the manual trigger (re-entry: never), stopped afterwards."""
    scenario_id = f"s-wire-{uuid.uuid4().hex[:8]}"
    status, created = api.call("POST", f"{STAFF}/scenarios", owner, scenario_body(scenario_id))
    assert status == 201, created
    yield scenario_id
    api.call("POST", f"{STAFF}/scenarios/{scenario_id}/stop", owner)


def test_an_auto_reply_rule_enrols_the_customer_in_its_scenario_once(api, owner, line, manual_scenario):
    # Given a rule that answers and enrols in a manual scenario
    customer = line.create_user(unique("自動応答シナリオ"), follow=True)
    with auto_replies(api, owner) as rules:
        rule = rules.add(keywords=[unique("シナリオ開始")], scenario_id=manual_scenario)
        # When the customer writes the keyword twice
        for _ in range(2):
            before = len(line.received(customer))
            assert line.send_text(customer, rule["keywords"][0]) == 200
            # Then the answer arrives each time
            assert line.received(customer)[before:] == [{"type": "text", "text": "お答えします。"}]
        # And the customer is enrolled once (re-entry: never)
        assert eventually(lambda: enrolled(api, owner, manual_scenario) >= 1)
        assert enrolled(api, owner, manual_scenario) == 1


def test_a_rule_naming_a_scenario_no_action_can_start_is_refused(api, owner):
    trigger_scenario = f"s-wire-{uuid.uuid4().hex[:8]}"
    body = scenario_body(trigger_scenario, trigger={"kind": "friend_added"})
    assert api.call("POST", f"{STAFF}/scenarios", owner, body)[0] == 201
    try:
        for scenario_id, status, code in (
            (trigger_scenario, 422, "invalid_scenario"),
            ("s-no-such-scenario", 404, "scenario_not_found"),
        ):
            answer = api.call(
                "PUT", f"{STAFF}/auto-replies/{uuid.uuid4().hex[:12]}", owner, a_rule(scenario_id=scenario_id)
            )
            assert answer[0] == status, answer
            assert answer[1]["code"] == code
    finally:
        api.call("POST", f"{STAFF}/scenarios/{trigger_scenario}/stop", owner)


def test_a_route_entry_starts_its_scenario_once(api, owner, line, manual_scenario):
    # Given a route whose entry starts the manual scenario (first time only)
    body = {"name": unique("シナリオ経路"), "scenario_id": manual_scenario}
    status, route = api.call("POST", f"{STAFF}/routes", owner, body)
    assert status == 201, route
    assert route["scenario_id"] == manual_scenario
    # When a new friend enters through it twice
    customer = api.simulated_user(unique("経路シナリオ"), follow=True)
    for _ in range(2):
        status, entry = api.call("POST", "/liff/api/route-entries", customer, {"route_id": route["route_id"]})
        assert status == 200, entry
    # Then they are enrolled once
    assert eventually(lambda: enrolled(api, owner, manual_scenario) >= 1)
    assert enrolled(api, owner, manual_scenario) == 1


def test_a_route_naming_a_scenario_with_its_own_trigger_is_refused(api, owner):
    scenario_id = f"s-wire-{uuid.uuid4().hex[:8]}"
    body = scenario_body(scenario_id, trigger={"kind": "registration_completed"})
    assert api.call("POST", f"{STAFF}/scenarios", owner, body)[0] == 201
    try:
        status, answer = api.call(
            "POST", f"{STAFF}/routes", owner, {"name": unique("経路"), "scenario_id": scenario_id}
        )
        assert (status, answer["code"]) == (422, "invalid_scenario")
    finally:
        api.call("POST", f"{STAFF}/scenarios/{scenario_id}/stop", owner)
