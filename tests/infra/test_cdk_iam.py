"""Least privilege: what each function may do, and no wildcard actions anywhere."""

from __future__ import annotations

import re

from infra_synthesis import Synthesized, actions

# "*", or a whole service ("dynamodb:*"). Prefix wildcards such as CDK's "s3:GetObject*" name a few actions.
WILDCARD_ACTION = re.compile(r"^(\*|[a-z0-9-]+:\*)$")
POLICY_DOCUMENTS = {
    "AWS::IAM::Policy": "PolicyDocument",
    "AWS::IAM::ManagedPolicy": "PolicyDocument",
    "AWS::S3::BucketPolicy": "PolicyDocument",
    "AWS::SQS::QueuePolicy": "PolicyDocument",
}
CREDENTIALS_READ = {"ssm:GetParameter", "ssm:GetParameters", "kms:Decrypt"}
SEND = {"sqs:SendMessage"}
RECEIVE = {"sqs:ReceiveMessage", "sqs:DeleteMessage", "sqs:ChangeMessageVisibility"}


def allow_statements(synthesized: Synthesized) -> list[tuple[str, dict]]:
    """Every Allow statement of every identity and resource policy, with its resource's logical id."""
    found = []
    for resource_type, key in POLICY_DOCUMENTS.items():
        for logical_id, resource in synthesized.of_type(resource_type).items():
            for statement in resource["Properties"][key]["Statement"]:
                if statement["Effect"] == "Allow":
                    found.append((logical_id, statement))
    for logical_id, role in synthesized.of_type("AWS::IAM::Role").items():
        for policy in role["Properties"].get("Policies", []):
            found += [
                (logical_id, s) for s in policy["PolicyDocument"]["Statement"] if s["Effect"] == "Allow"
            ]
    return found


def test_no_policy_allows_every_action_or_a_whole_service(synthesized: Synthesized) -> None:
    statements = allow_statements(synthesized)
    assert len(statements) > 10  # the walk found the policies
    wildcards = [
        (logical_id, action)
        for logical_id, statement in statements
        for action in actions(statement)
        if WILDCARD_ACTION.match(action)
    ]
    assert wildcards == []


def test_each_function_role_has_only_what_its_function_needs(synthesized: Synthesized) -> None:
    granted = {
        name: synthesized.actions_of_role(synthesized.role_of(name))
        for name in synthesized.daifuku_functions()
    }

    # Everyone keeps the ledger
    for name, function_actions in granted.items():
        assert {"dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query"} <= function_actions, name
    # Only those that call LINE read its credentials (the planner checks the month's message quota;
    # the tracked links' redirect derives its signing key from the channel secret)
    callers_of_line = {
        "link_redirect",
        "webhook",
        "liff_api",
        "segment_send",
        "birthday_scheduler",
        "segment_send.planner",
        "rich_menu_painter",
        "partner_api",  # the card and receipt keys come from the channel secret; rank-up messages
    }
    assert {name for name, a in granted.items() if a >= CREDENTIALS_READ} == callers_of_line
    assert {name for name, a in granted.items() if a & CREDENTIALS_READ} == callers_of_line
    # Only the planners (campaigns, birth month, scenarios) send jobs, only the push worker receives
    # them; the webhook and the APIs (LIFF, partner) raise outgoing events (and forward webhooks) on
    # the connect queue, which only its worker receives
    _, send_queue, _, _, _ = synthesized.queue_of("segment_send")
    _, connect_queue, _, _, _ = synthesized.queue_of("connect_delivery")
    assert senders_to(synthesized, send_queue) == {
        "birthday_scheduler",
        "segment_send.planner",
        "scenario_scheduler",
    }
    assert senders_to(synthesized, connect_queue) == {"webhook", "liff_api", "partner_api"}
    assert {name for name, a in granted.items() if a & SEND} == {
        "birthday_scheduler",
        "segment_send.planner",
        "scenario_scheduler",
        "webhook",
        "liff_api",
        "partner_api",
    }
    assert {name for name, a in granted.items() if a & RECEIVE} == {"segment_send", "connect_delivery"}
    # Only the LIFF API (the staff console) schedules campaigns, and hands Scheduler its role
    schedulers = {name for name, a in granted.items() if a & {"scheduler:CreateSchedule", "iam:PassRole"}}
    assert schedulers == {"liff_api"}
    # Only the LIFF API (the owner's settings) asks the rich menu painter for a repaint
    assert {name for name, a in granted.items() if "lambda:InvokeFunction" in a} == {"liff_api"}
    # Logs go to the function's own log group, not to every log group
    for name, (_, function) in synthesized.daifuku_functions().items():
        own_log_group = function["Properties"]["LoggingConfig"]["LogGroup"]["Ref"]
        statements = synthesized.statements_of_role(synthesized.role_of(name))
        log_statements = [s for s in statements if "logs:PutLogEvents" in actions(s)]
        assert [s["Resource"] for s in log_statements] == [{"Fn::GetAtt": [own_log_group, "Arn"]}], name


def test_no_role_uses_an_aws_managed_policy(synthesized: Synthesized) -> None:
    # AWSLambdaBasicExecutionRole, for one, lets a function write to every log group of the account.
    roles = synthesized.of_type("AWS::IAM::Role")
    assert len(roles) >= 6  # four functions, the schedule, the pages deployment
    assert {
        logical_id for logical_id, role in roles.items() if "ManagedPolicyArns" in role["Properties"]
    } == set()


def senders_to(synthesized: Synthesized, queue_id: str) -> set[str]:
    """The functions whose role may send messages to the queue."""
    arn = {"Fn::GetAtt": [queue_id, "Arn"]}
    return {
        name
        for name in synthesized.daifuku_functions()
        for statement in synthesized.statements_of_role(synthesized.role_of(name))
        if SEND & set(actions(statement)) and statement["Resource"] == arn
    }


def test_the_credentials_are_read_from_the_stacks_own_parameter_path_only(synthesized: Synthesized) -> None:
    for name in synthesized.daifuku_functions():
        statements = synthesized.statements_of_role(synthesized.role_of(name))
        reads = [s for s in statements if "ssm:GetParameter" in actions(s)]
        if name in ("connect_delivery", "scenario_scheduler"):  # never call LINE: no credentials at all
            assert reads == [], name
            continue
        assert len(reads) == 1, name
        (parameter_read,) = reads
        assert set(actions(parameter_read)) == {"ssm:GetParameter", "ssm:GetParameters"}
        assert parameter_read["Resource"]["Fn::Join"][1][-1] == ":parameter/daifuku/Daifuku/line/*"
        (decrypt,) = [s for s in statements if "kms:Decrypt" in actions(s)]
        # Only through SSM, only with the account's aws/ssm key
        assert decrypt["Condition"]["ForAnyValue:StringEquals"] == {"kms:ResourceAliases": "alias/aws/ssm"}
        assert set(decrypt["Condition"]["StringEquals"]) == {"kms:ViaService"}
        assert not any(a.startswith("secretsmanager:") for s in statements for a in actions(s)), name
