"""The queues' polling switches in the synthesized template: whoever enqueues may switch the worker's
event source mapping of that queue (and is told which one); the minute schedule may also read both
queues' backlogs; nobody may switch any other mapping."""

from __future__ import annotations

import json

from infra_synthesis import Synthesized, actions

SWITCH = {"lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"}


def mapping_id(synthesized: Synthesized, worker: str) -> str:
    mapping, *_ = synthesized.queue_of(worker)
    (logical_id,) = [
        i for i, m in synthesized.of_type("AWS::Lambda::EventSourceMapping").items() if m is mapping
    ]
    return logical_id


def switchable_by(synthesized: Synthesized, function: str) -> set[str]:
    """The mappings (logical ids) `function` may switch."""
    found = set()
    for statement in synthesized.statements_of_role(synthesized.role_of(function)):
        if SWITCH & set(actions(statement)):
            assert set(actions(statement)) == SWITCH
            found |= {ref for ref in synthesized.resources if ref in json.dumps(statement["Resource"])}
    return {ref for ref in found if synthesized.resources[ref]["Type"] == "AWS::Lambda::EventSourceMapping"}


def environment(synthesized: Synthesized, function: str) -> dict:
    _, resource = synthesized.daifuku_functions()[function]
    return resource["Properties"]["Environment"]["Variables"]


def test_producers_may_start_only_their_queues_polling_and_know_its_mapping(synthesized: Synthesized):
    send, connect = mapping_id(synthesized, "segment_send"), mapping_id(synthesized, "connect_delivery")
    for producer in ("segment_send.planner", "birthday_scheduler"):
        assert switchable_by(synthesized, producer) == {send}
        assert environment(synthesized, producer)["DAIFUKU_SEND_QUEUE_POLLING_ID"] == {"Ref": send}
    for producer in ("webhook", "liff_api", "partner_api"):
        assert switchable_by(synthesized, producer) == {connect}
        assert environment(synthesized, producer)["DAIFUKU_CONNECT_QUEUE_POLLING_ID"] == {"Ref": connect}
    for worker in ("segment_send", "connect_delivery", "link_redirect", "rich_menu_painter"):
        assert switchable_by(synthesized, worker) == set()


def test_the_minute_schedule_settles_both_queues(synthesized: Synthesized):
    send, connect = mapping_id(synthesized, "segment_send"), mapping_id(synthesized, "connect_delivery")
    assert switchable_by(synthesized, "scenario_scheduler") == {send, connect}
    variables = environment(synthesized, "scenario_scheduler")
    assert variables["DAIFUKU_SEND_QUEUE_POLLING_ID"] == {"Ref": send}
    assert variables["DAIFUKU_CONNECT_QUEUE_POLLING_ID"] == {"Ref": connect}
    readers = [
        statement
        for statement in synthesized.statements_of_role(synthesized.role_of("scenario_scheduler"))
        if "sqs:GetQueueAttributes" in actions(statement)
    ]
    read = json.dumps([statement["Resource"] for statement in readers])
    for worker in ("segment_send", "connect_delivery"):
        _, queue_id, *_ = synthesized.queue_of(worker)
        assert queue_id in read
