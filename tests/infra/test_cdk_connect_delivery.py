"""The connect queue, its DLQ and the delivery worker, on the synthesized template."""

from __future__ import annotations

import json

import pytest
from infra_synthesis import Synthesized, synthesize

from infra.connect_queue_policy import CONNECT_MAX_CONCURRENCY, CONNECT_MAX_RECEIVE_COUNT

FOURTEEN_DAYS = 14 * 24 * 60 * 60


def test_the_delivery_worker_takes_one_message_at_a_time_and_reports_each_failure(
    synthesized: Synthesized,
) -> None:
    mapping, queue_id, _, _, _ = synthesized.queue_of("connect_delivery")
    worker_id, _ = synthesized.daifuku_functions()["connect_delivery"]
    assert mapping["Properties"] == {
        "BatchSize": 1,  # a slow receiver holds back only its own message
        "EventSourceArn": {"Fn::GetAtt": [queue_id, "Arn"]},
        "FunctionName": {"Ref": worker_id},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "ScalingConfig": {"MaximumConcurrency": CONNECT_MAX_CONCURRENCY},
    }


def test_undeliverable_messages_end_in_a_dead_letter_queue_kept_14_days(synthesized: Synthesized) -> None:
    _, _, queue, _, dlq = synthesized.queue_of("connect_delivery")
    _, worker = synthesized.daifuku_functions()["connect_delivery"]
    assert queue["Properties"]["RedrivePolicy"]["maxReceiveCount"] == CONNECT_MAX_RECEIVE_COUNT
    assert dlq["Properties"]["MessageRetentionPeriod"] == FOURTEEN_DAYS
    assert queue["Properties"]["VisibilityTimeout"] >= 6 * worker["Properties"]["Timeout"]
    assert queue["Properties"]["SqsManagedSseEnabled"] is True


def test_the_webhook_and_the_api_send_to_the_queue_and_only_the_worker_reads_it(
    synthesized: Synthesized,
) -> None:
    _, queue_id, _, _, _ = synthesized.queue_of("connect_delivery")
    queue_url = {"Ref": queue_id}
    functions = synthesized.daifuku_functions()
    for name in ("webhook", "liff_api", "connect_delivery"):
        variables = functions[name][1]["Properties"]["Environment"]["Variables"]
        assert variables["DAIFUKU_CONNECT_QUEUE_URL"] == queue_url, name
    for name in ("webhook", "liff_api"):
        assert "sqs:SendMessage" in synthesized.actions_of_role(synthesized.role_of(name))
        assert "sqs:ReceiveMessage" not in synthesized.actions_of_role(synthesized.role_of(name))
    worker_actions = synthesized.actions_of_role(synthesized.role_of("connect_delivery"))
    assert {"sqs:ReceiveMessage", "sqs:ChangeMessageVisibility", "sqs:DeleteMessage"} <= worker_actions


def test_a_named_shop_is_its_own_stack_with_its_own_names(tmp_path) -> None:
    # `daifuku deploy --shop ume` passes the shop in the context: everything named is the shop's own
    shop = synthesize(tmp_path, {"daifuku:shop": "ume"})
    assert shop.stack.stack_name == "Daifuku-ume"
    text = json.dumps(shop.template_json)
    assert ":parameter/daifuku/Daifuku-ume/line/*" in text
    assert "Daifuku-ume-campaigns" in text and "Daifuku-ume-api" in text
    assert "/daifuku/Daifuku/line" not in text


def test_a_shop_name_that_cannot_name_a_stack_stops_synthesis(tmp_path) -> None:
    with pytest.raises(ValueError, match="cannot name a shop"):
        synthesize(tmp_path, {"daifuku:shop": "Ume Shop"})
