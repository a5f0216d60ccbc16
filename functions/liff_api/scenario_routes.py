"""/liff/api/staff/scenarios*: the owner's シナリオ tab (declared through `staff_route`, owner-only).

Saving an edit names the version it began from: a save from a second phone in between is a 409
(scenario_edit_conflict), shown to the owner, never merged silently.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from daifuku.domain.campaign_funnel import UnitStatistics
from daifuku.domain.errors import LineRequestFailed
from daifuku.domain.frequency_cap import MessagingRules
from daifuku.domain.scenario_desk import (
    ScenarioCreateRequest,
    ScenarioDesk,
    ScenarioEditRequest,
    ScenarioEnrolRequest,
)
from daifuku.domain.scenario_step_engagement import engagement_of
from daifuku.domain.scenarios import Scenario, ScenarioStatus
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import shop_today, staff_desk
from functions.liff_api.staff_routes import body_as, caller, router, staff_route

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")


def scenario_desk() -> ScenarioDesk:
    wiring = current_wiring()
    repository = wiring.table.scenarios()
    return ScenarioDesk(
        records=repository,
        engine=wiring.scenario_engine(),
        segments=wiring.table.member_reader(),
        staff=wiring.table.staff,
        line=wiring.line(),
        clock=wiring.clock,
    )


def scenario_json(scenario: Scenario) -> dict[str, Any]:
    return scenario.model_dump(mode="json")


def audit(action: str, scenario_id: str, **detail: Any) -> None:
    staff_desk(router).audit(caller(), action, None, scenario_id=scenario_id, **detail)


@staff_route("GET", "/scenarios", owner_only=True)
@tracer.capture_method
def list_scenarios() -> dict[str, Any]:
    desk = scenario_desk()
    scenarios = sorted(desk.records.list_scenarios(), key=lambda s: s.created_at or s.scenario_id)
    return {
        "scenarios": [scenario_json(s) | {"results": desk.results(s)["totals"]} for s in scenarios],
        "quiet_hours": desk.records.quiet_hours().model_dump(),
    }


@staff_route("POST", "/scenarios", owner_only=True)
@tracer.capture_method
def create_scenario() -> tuple[dict[str, Any], int]:
    scenario, created = scenario_desk().create(body_as(ScenarioCreateRequest))
    if created:
        audit("scenario.create", scenario.scenario_id)
    return scenario_json(scenario), 201 if created else 200


@staff_route("GET", "/scenarios/<scenario_id>", owner_only=True)
@tracer.capture_method
def scenario_detail(scenario_id: str) -> dict[str, Any]:
    desk = scenario_desk()
    scenario = desk.scenario(scenario_id)
    return scenario_json(scenario) | {"results": with_engagement(scenario, desk.results(scenario))}


def with_engagement(scenario: Scenario, results: dict[str, Any]) -> dict[str, Any]:
    """Each step's results with its clicks and LINE's count of opens (scenario_step_engagement.py)."""
    wiring = current_wiring()
    sent = {step["step_id"]: step.get("sent", 0) for step in results["steps"]}
    today, clicks = shop_today(), wiring.table.campaign_funnel
    try:
        statistics: UnitStatistics | None = wiring.line()
        figures = engagement_of(scenario, sent, clicks, statistics, today)
    except LineRequestFailed as error:
        # LINE's statistics are a nicety: without them the steps show opens as not counted.
        logger.warning("unit statistics unavailable", extra={"status": error.status})
        figures = engagement_of(scenario, sent, clicks, None, today)
    by_step = {figure.step_id: figure.model_dump(exclude={"step_id"}) for figure in figures}
    return results | {"steps": [step | by_step.get(step["step_id"], {}) for step in results["steps"]]}


@staff_route("PUT", "/scenarios/<scenario_id>", owner_only=True)
@tracer.capture_method
def edit_scenario(scenario_id: str) -> dict[str, Any]:
    saved = scenario_desk().edit(scenario_id, body_as(ScenarioEditRequest))
    audit("scenario.edit", scenario_id, version=saved.version)
    return scenario_json(saved)


def _set_status(scenario_id: str, status: ScenarioStatus, action: str) -> dict[str, Any]:
    saved, counts = scenario_desk().set_status(scenario_id, status)
    audit(action, scenario_id, **counts)
    return scenario_json(saved) | {"resumed": counts}


@staff_route("POST", "/scenarios/<scenario_id>/pause", owner_only=True)
@tracer.capture_method
def pause_scenario(scenario_id: str) -> dict[str, Any]:
    return _set_status(scenario_id, ScenarioStatus.PAUSED, "scenario.pause")


@staff_route("POST", "/scenarios/<scenario_id>/resume", owner_only=True)
@tracer.capture_method
def resume_scenario(scenario_id: str) -> dict[str, Any]:
    return _set_status(scenario_id, ScenarioStatus.ACTIVE, "scenario.resume")


@staff_route("POST", "/scenarios/<scenario_id>/stop", owner_only=True)
@tracer.capture_method
def stop_scenario(scenario_id: str) -> dict[str, Any]:
    return _set_status(scenario_id, ScenarioStatus.STOPPED, "scenario.stop")


@staff_route("POST", "/scenarios/<scenario_id>/enrolments", owner_only=True)
@tracer.capture_method
def enrol_segment(scenario_id: str) -> dict[str, Any]:
    counts = scenario_desk().enrol_segment(scenario_id, body_as(ScenarioEnrolRequest).segment)
    audit("scenario.enrol", scenario_id, **counts)
    return counts


@staff_route("POST", "/scenarios/<scenario_id>/test-send", owner_only=True)
@tracer.capture_method
def test_send(scenario_id: str) -> dict[str, Any]:
    pushes = scenario_desk().test_send(scenario_id, caller())
    audit("scenario.test_send", scenario_id, pushes=pushes)
    return {"pushes": pushes}


@staff_route("GET", "/messaging-rules", owner_only=True)
@tracer.capture_method
def messaging_rules() -> dict[str, Any]:
    rules = current_wiring().table.frequency_cap().rules()
    return rules.model_dump(mode="json")


@staff_route("PUT", "/messaging-rules", owner_only=True)
@tracer.capture_method
def save_messaging_rules() -> dict[str, Any]:
    """The shop's send window (quiet hours) and weekly frequency cap."""
    rules = body_as(MessagingRules)
    current_wiring().table.frequency_cap().save_rules(rules)
    staff_desk(router).audit(
        caller(),
        "messaging_rules.save",
        None,
        max_pushes_per_7_days=rules.frequency_cap.max_pushes_per_7_days,
    )
    return rules.model_dump(mode="json")
