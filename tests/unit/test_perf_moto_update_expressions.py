"""The local moto checks an update expression's clauses once at its root, parses each expression
string once and finds each host's backend once: every update, valid or refused, must answer exactly
as moto's own code answers it, and every host must reach the backend moto's own lookup finds."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator
from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

from daifuku.table_schema import MEMBER_TABLE
from daifuku_local import upstream_patches

TABLE = "update-expression-members"
KEY = {"pk": "USER#U1", "sk": "MEMBER"}

# (UpdateExpression, ExpressionAttributeNames, ExpressionAttributeValues): what Daifuku writes, and
# what DynamoDB refuses (each refusal is a different check of moto's validator or parser).
UPDATES: list[tuple[str, dict[str, str], dict[str, Any]]] = [
    (
        "SET user_id = :u, member_no = :n, #status = :s, #name = :name, registered_at = :at "
        "REMOVE deleted_at, #kana",
        {"#status": "status", "#name": "name", "#kana": "name_kana"},
        {":u": "U1", ":n": "000001", ":s": "registered", ":name": "佐藤さくら", ":at": "2026-12-06"},
    ),
    (
        "SET #last = if_not_exists(#last, :zero) + :one, "
        "#reserved.#user = if_not_exists(#last, :zero) + :one",
        {"#last": "last_sequence", "#reserved": "reservations", "#user": "U1"},
        {":zero": 0, ":one": 1},
    ),
    ("ADD points :ten SET last_visit_on = :day", {}, {":ten": 10, ":day": "2026-12-01"}),
    ("SET tags = list_append(if_not_exists(tags, :empty), :t)", {}, {":empty": [], ":t": ["常連"]}),
    ("REMOVE tags[0], tags[1]", {}, {}),
    ("SET a = :one SET b = :one", {}, {":one": 1}),  # two SET clauses
    ("SET a = :one REMOVE b REMOVE c", {}, {":one": 1}),  # two REMOVE clauses
    ("SET custom.a = :one, custom = :m", {}, {":one": 1, ":m": {}}),  # overlapping paths
    ("SET #n = :one, #n = :two", {"#n": "points"}, {":one": 1, ":two": 2}),  # the same path twice
    ("SET #a = :one, #b = :two", {"#a": "x", "#b": "x"}, {":one": 1, ":two": 2}),  # two names, one path
    ("SET pk = :one", {}, {":one": "USER#U2"}),  # a key attribute
    ("SET a = :missing", {}, {}),  # a value placeholder without a value
    ("SET a = = :one", {}, {":one": 1}),  # does not parse
    ("ADD points :word", {}, {":word": "ten"}),  # a type mismatch
]


def run_updates() -> list[Any]:
    """Each update twice (the second time the parsed expression is reused), with what it answered."""
    resource = boto3.resource("dynamodb", region_name="ap-northeast-1")
    resource.create_table(**MEMBER_TABLE.create_table_request(TABLE))
    table = resource.Table(TABLE)
    table.put_item(
        Item={**KEY, "points": Decimal(1), "tags": ["a", "b", "c"], "custom": {"a": 0}, "reservations": {}}
    )
    answers: list[Any] = []
    for expression, names, values in UPDATES * 2:
        request: dict[str, Any] = {"Key": KEY, "UpdateExpression": expression, "ReturnValues": "ALL_NEW"}
        if names:
            request["ExpressionAttributeNames"] = names
        if values:
            request["ExpressionAttributeValues"] = values
        try:
            answers.append(table.update_item(**request)["Attributes"])
        except ClientError as error:
            answers.append(error.response["Error"])
    return answers


@pytest.fixture
def aws_region(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")


def test_update_expressions_checked_at_the_root_and_parsed_once_answer_as_moto_does(monkeypatch, aws_region):
    with mock_aws():
        by_moto = run_updates()
    monkeypatch.setattr(
        DepthFirstTraverser, "nodes_to_be_processed", upstream_patches._nodes_to_be_processed_once
    )
    monkeypatch.setattr(ActionCountValidator, "traverse", upstream_patches._check_whole_expression_once)
    monkeypatch.setattr(OverlappingPathsValidator, "traverse", upstream_patches._check_whole_expression_once)
    monkeypatch.setattr(
        UpdateExpressionParser, "make", classmethod(upstream_patches._make_update_expression_once)
    )
    with mock_aws():
        patched = run_updates()

    assert patched == by_moto
    refusals = [answer for answer in by_moto if "Code" in answer]
    assert len(refusals) == 2 * 9  # every refusal above was refused, twice
    assert by_moto[0]["name"] == "佐藤さくら" and by_moto[1]["reservations"] == {"U1": 1}  # real writes


HOSTS = [
    "dynamodb.ap-northeast-1.amazonaws.com",
    "sqs.ap-northeast-1.amazonaws.com",
    "ssm.ap-northeast-1.amazonaws.com",
    "scheduler.ap-northeast-1.amazonaws.com",
    "lambda.ap-northeast-1.amazonaws.com",
    "dynamodb",
    "moto_api",
    None,
    "unknown.example.com",
]


def test_each_host_reaches_the_backend_moto_finds_for_it_asked_once_or_many_times():
    upstream = DomainDispatcherApplication(create_backend_app)
    patched = DomainDispatcherApplication(create_backend_app)

    expected = [upstream.get_backend_for_host(host) for host in HOSTS]
    answers = [upstream_patches._backend_for_host_once(patched, host) for host in HOSTS * 3]

    assert answers == expected * 3
    assert expected[0] == "dynamodb" and expected[-1] is None
