"""Scenario enrolment as another feature's action, through the local stack: an auto-reply rule and an
inflow route's entry each enrol the customer in a manual-trigger scenario, once as its re-entry rule
says; a rule or a route naming a scenario that no action can start is refused with a reason."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.integration.conversation_api import STAFF, a_rule, auto_replies, open_conversation
from tests.integration.member_api import unique
from tests.integration.scenario_api import (
    advance_clock,
    clock_now,
    eventually,
    reset_clock,
    scenario_body,
    scenario_results,
)


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


@pytest.mark.moves_clock
def test_the_auto_replies_the_route_entries_and_the_dashboard_read_the_movable_clock(
    api, owner, line, local_stack
):
    # Given the local stack's clock moved five days ahead
    moved = advance_clock(local_stack.urls.api, days=5)
    try:
        now = clock_now(local_stack.urls.api)
        assert now - datetime.now(UTC) > timedelta(days=4), moved
        # When the dashboard is read, a customer writes a rule's keyword, and enters through a route
        status, dashboard = api.call("GET", f"{STAFF}/dashboard", owner)
        assert status == 200, dashboard
        customer = line.create_user(unique("時計"), follow=True)
        with auto_replies(api, owner) as rules:
            rule = rules.add(keywords=[unique("時計の合言葉")])
            assert line.send_text(customer, rule["keywords"][0]) == 200
        status, route = api.call("POST", f"{STAFF}/routes", owner, {"name": unique("時計の経路")})
        assert status == 201, route
        entry = {"route_id": route["route_id"]}
        assert api.call("POST", "/liff/api/route-entries", customer, entry)[0] == 200
        # Then each tells the moved time: the dashboard's "as of", the reply in the conversation,
        # and the route's entry counted on the moved day
        assert datetime.fromisoformat(dashboard["as_of"]) >= now
        conversation = open_conversation(api, owner, customer)
        replies = [m for m in conversation["messages"] if m["direction"] == "out"]
        assert replies and all(datetime.fromisoformat(m["at"]) >= now for m in replies), replies
        status, figures = api.call("GET", f"{STAFF}/routes/{route['route_id']}?days=1", owner)
        assert status == 200, figures
        today = now.astimezone(ZoneInfo("Asia/Tokyo")).date().isoformat()
        assert [(d["day"], d["opens"]) for d in figures["days"]] == [(today, 1)]
    finally:
        reset_clock(local_stack.urls.api)
