"""The send pipeline and the monthly schedule that feeds it."""

from __future__ import annotations

import json

from infra_synthesis import Synthesized, actions

from infra.app import cdk_json_context

FOURTEEN_DAYS = 14 * 24 * 60 * 60


def send_queues(synthesized: Synthesized) -> tuple[str, dict, str, dict]:
    """(queue id, queue, dead-letter queue id, dead-letter queue)."""
    queues = synthesized.of_type("AWS::SQS::Queue")
    queue_id = next(name for name, queue in queues.items() if "RedrivePolicy" in queue["Properties"])
    dlq_id = queues[queue_id]["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
    return queue_id, queues[queue_id], dlq_id, queues[dlq_id]


def test_push_worker_reads_the_queue_at_bounded_concurrency(synthesized: Synthesized) -> None:
    queue_id, _, _, _ = send_queues(synthesized)
    worker_id, _ = synthesized.daifuku_functions()["segment_send"]
    _, mapping = synthesized.only("AWS::Lambda::EventSourceMapping")

    assert mapping["Properties"] == {
        "BatchSize": 10,
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


def test_birth_month_schedule_runs_in_the_shop_time_zone(synthesized: Synthesized) -> None:
    context = cdk_json_context()
    _, schedule = synthesized.only("AWS::Scheduler::Schedule")
    properties = schedule["Properties"]
    assert properties["ScheduleExpression"] == context["daifuku:birthMonthSchedule"]
    assert properties["ScheduleExpressionTimezone"] == context["daifuku:shopTimezone"] == "Asia/Tokyo"
    assert properties["FlexibleTimeWindow"] == {"Mode": "OFF"}
    assert properties["Target"]["RetryPolicy"]["MaximumRetryAttempts"] > 0


def test_birth_month_schedule_passes_the_scheduled_time(synthesized: Synthesized) -> None:
    # A retried invocation gets the same time, so it plans the same month.
    _, schedule = synthesized.only("AWS::Scheduler::Schedule")
    target = schedule["Properties"]["Target"]
    assert json.loads(target["Input"])["fired_at"] == "<aws.scheduler.scheduled-time>"
    function_id, _ = synthesized.daifuku_functions()["birthday_scheduler"]
    assert target["Arn"] == {"Fn::GetAtt": [function_id, "Arn"]}


def test_schedule_role_may_only_invoke_the_birthday_scheduler(synthesized: Synthesized) -> None:
    _, schedule = synthesized.only("AWS::Scheduler::Schedule")
    role_id = schedule["Properties"]["Target"]["RoleArn"]["Fn::GetAtt"][0]
    function_id, _ = synthesized.daifuku_functions()["birthday_scheduler"]

    statements = synthesized.statements_of_role(role_id)
    assert [actions(statement) for statement in statements] == [["lambda:InvokeFunction"]]
    function_arn = {"Fn::GetAtt": [function_id, "Arn"]}
    assert statements[0]["Resource"] == [function_arn, {"Fn::Join": ["", [function_arn, ":*"]]}]

    trust = synthesized.resources[role_id]["Properties"]["AssumeRolePolicyDocument"]["Statement"]
    assert [statement["Principal"] for statement in trust] == [{"Service": "scheduler.amazonaws.com"}]
    assert "aws:SourceAccount" in trust[0]["Condition"]["StringEquals"]
