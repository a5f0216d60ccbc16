"""The send pipeline and the monthly schedule that feeds it."""

from __future__ import annotations

import json

from infra_synthesis import Synthesized, actions

from infra.app import cdk_json_context

FOURTEEN_DAYS = 14 * 24 * 60 * 60


def send_queues(synthesized: Synthesized) -> tuple[str, dict, str, dict]:
    """(queue id, queue, dead-letter queue id, dead-letter queue) of the push worker."""
    _, queue_id, queue, dlq_id, dlq = synthesized.queue_of("segment_send")
    return queue_id, queue, dlq_id, dlq


def test_push_worker_reads_the_queue_at_bounded_concurrency(synthesized: Synthesized) -> None:
    queue_id, _, _, _ = send_queues(synthesized)
    worker_id, _ = synthesized.daifuku_functions()["segment_send"]
    mapping, _, _, _, _ = synthesized.queue_of("segment_send")

    assert mapping["Properties"] == {
        "BatchSize": 1,  # each worker paces itself: one send batch per invocation spreads them evenly
        "EventSourceArn": {"Fn::GetAtt": [queue_id, "Arn"]},
        "FunctionName": {"Ref": worker_id},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ScalingConfig": {"MaximumConcurrency": cdk_json_context()["daifuku:sendMaxConcurrency"]},
    }


def test_failing_jobs_end_in_a_dead_letter_queue_kept_14_days(synthesized: Synthesized) -> None:
    _, queue, _, dlq = send_queues(synthesized)
    assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == 5
    assert dlq["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS


def test_visibility_timeout_is_at_least_six_times_the_worker_timeout(synthesized: Synthesized) -> None:
    _, queue, _, _ = send_queues(synthesized)
    _, worker = synthesized.daifuku_functions()["segment_send"]
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * worker["Properties"]["Timeout"]


def test_both_queues_are_encrypted_and_refuse_plain_http(synthesized: Synthesized) -> None:
    queue_id, queue, dlq_id, dlq = send_queues(synthesized)
    for logical_id, body in ((queue_id, queue), (dlq_id, dlq)):
        assert body["Properties"]["SqsManagedSseEnabled"] is True
        policies = [
            policy["Properties"]
            for policy in synthesized.of_type("AWS::SQS::QueuePolicy").values()
            if {"Ref": logical_id} in policy["Properties"]["Queues"]
        ]
        denials = [
            statement
            for policy in policies
            for statement in policy["PolicyDocument"]["Statement"]
            if statement["Effect"] == "Deny"
            and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}
        ]
        assert denials, f"{logical_id} accepts requests without TLS"


def birth_month_schedules(synthesized: Synthesized) -> dict[str, dict]:
    """The recurring schedules, by their input's source (the monthly run, the daily catch-up)."""
    schedules = synthesized.of_type("AWS::Scheduler::Schedule").values()
    by_source = {json.loads(s["Properties"]["Target"]["Input"])["source"]: s["Properties"] for s in schedules}
    return {source: schedule for source, schedule in by_source.items() if source.startswith("birth-month")}


def test_birth_month_schedules_run_in_the_shop_time_zone(synthesized: Synthesized) -> None:
    context = cdk_json_context()
    schedules = birth_month_schedules(synthesized)
    assert set(schedules) == {"birth-month-schedule", "birth-month-catch-up"}
    assert schedules["birth-month-schedule"]["ScheduleExpression"] == context["daifuku:birthMonthSchedule"]
    assert (
        schedules["birth-month-catch-up"]["ScheduleExpression"]
        == context["daifuku:birthMonthCatchUpSchedule"]
    )
    for properties in schedules.values():
        assert properties["ScheduleExpressionTimezone"] == context["daifuku:shopTimezone"] == "Asia/Tokyo"
        assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}
        assert properties["Target"]["RetryPolicy"]["MaximumRetryAttempts"] > 0


def test_birth_month_schedules_pass_the_scheduled_time(synthesized: Synthesized) -> None:
    # A retried invocation gets the same time, so it plans the same month.
    function_id, _ = synthesized.daifuku_functions()["birthday_scheduler"]
    for properties in birth_month_schedules(synthesized).values():
        target = properties["Target"]
        assert json.loads(target["Input"])["fired_at"] == "<aws.scheduler.scheduled-time>"
        assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_schedule_role_may_only_invoke_the_birthday_scheduler(synthesized: Synthesized) -> None:
    schedule = birth_month_schedules(synthesized)["birth-month-schedule"]
    role_id = schedule["Target"]["RoleArn"]["Fn::GetAtt"][0]
    function_id, _ = synthesized.daifuku_functions()["birthday_scheduler"]

    statements = synthesized.statements_of_role(role_id)
    assert [actions(statement) for statement in statements] == [["lambda:InvokeFunction"]]
    function_arn = {"Fn::GetAtt": [function_id, "Arn"]}
    assert statements[0]["Resource"] == [function_arn, {"Fn::Join": ["", [function_arn, ":*"]]}]

    trust = synthesized.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [statement["Principal"] for statement in trust] == [{"Service": "scheduler.amazonaws.com"}]
    assert "aws:SourceAccount" in trust[0]["Condition"]["StringEquals"]


def test_campaign_schedules_may_only_invoke_the_planner_and_only_the_liff_api_creates_them(
    synthesized: Synthesized,
) -> None:
    planner_id, planner = synthesized.daifuku_functions()["segment_send.planner"]
    _, liff_api = synthesized.daifuku_functions()["liff_api"]
    variables = liff_api["Properties"]["Environment"]["Variables"]
    assert variables["DAIFUKU_CAMPAIGN_PLANNER_ARN"] == {"Fn::GetAtt": [planner_id, "Arn"]}
    role_id = variables["DAIFUKU_CAMPAIGN_SCHEDULER_ROLE_ARN"]["Fn::GetAtt"][0]
    statements = synthesized.statements_of_role(role_id)
    assert [actions(statement) for statement in statements] == [["lambda:InvokeFunction"]]
    planner_arn = {"Fn::GetAtt": [planner_id, "Arn"]}
    assert statements[0]["Resource"] == [planner_arn, {"Fn::Join": ["", [planner_arn, ":*"]]}]
    # Planning a large shop takes longer than a request: the planner has minutes, not seconds.
    assert planner["Properties"]["Timeout"] >= 60
