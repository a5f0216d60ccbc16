"""The scenario schedule in the synthesized template: every minute, invoking only the scenario
scheduler, which may put batches on the send queue and never reads LINE's credentials."""

from __future__ import annotations

import json

from infra_synthesis import Synthesized, actions


def scenario_schedule(synthesized: Synthesized) -> dict:
    schedules = synthesized.of_type("AWS::Scheduler::Schedule").values()
    (schedule,) = [
        s["Properties"]
        for s in schedules
        if json.loads(s["Properties"]["Target"]["Input"])["source"] == "scenario-schedule"
    ]
    return schedule


def test_the_scenario_schedule_runs_every_minute_and_may_only_invoke_its_function(synthesized: Synthesized):
    schedule = scenario_schedule(synthesized)
    assert schedule["ScheduleExpression"] == "rate(1 minute)"
    assert schedule["FlexibleTimeWindow"] == {"Mode": "OFF"}
    function_id, function = synthesized.daifuku_functions()["scenario_scheduler"]
    assert schedule["Target"]["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}
    role_id = schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]
    statements = synthesized.statements_of_role(role_id)
    assert [actions(statement) for statement in statements] == [["lambda:InvokeFunction"]]
    function_arn = {"Fn::GetAtt": [function_id, "Arn"]}
    assert statements[0]["Resource"] == [function_arn, {"Fn::Join": ["", [function_arn, ":*"]]}]
    # A minute's run ends before the next one starts.
    assert function["Properties"]["Timeout"] < 60
