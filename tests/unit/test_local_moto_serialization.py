"""The local moto writes DynamoDB item results as plain JSON: boto3 must read exactly what moto's own
model-driven serializer would have given it, for every item operation Daifuku uses."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import boto3
import pytest
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.responses import DynamoHandler, DynamoResult

from daifuku.table_schema import MEMBER_TABLE
from daifuku_local import upstream_patches

TABLE = "serialization-members"
MEMBER = {
    "pk": "USER#U1",
    "sk": "MEMBER",
    "user_id": "U1",
    "name": "佐藤さくら",
    "points": Decimal("120"),
    "ratio": Decimal("0.5"),
    "blocked": False,
    "tags": {"常連", "coffee"},
    "custom_fields": {"好きな豆": "深煎り", "empty": ""},
    "visits": [Decimal(1), "two", {"nested": True}],
    "nothing": None,
    "birth_month": "05",
    "store_id": "honten",
}


def item_operations() -> list[Any]:
    """Every item operation, with the options Daifuku passes (conditions, projections, paging…)."""
    resource = boto3.resource("dynamodb", region_name="ap-northeast-1")
    resource.create_table(**MEMBER_TABLE.create_table_request(TABLE))
    table = resource.Table(TABLE)
    client = table.meta.client
    answers: list[Any] = [
        table.put_item(Item=MEMBER, ReturnConsumedCapacity="TOTAL"),
        table.put_item(Item={**MEMBER, "points": Decimal(130)}, ReturnValues="ALL_OLD"),
        table.put_item(Item={"pk": "BLOB", "sk": "B", "data": b"\x00\x01binary"}),
        table.get_item(Key={"pk": "USER#U1", "sk": "MEMBER"}, ConsistentRead=True),
        table.get_item(Key={"pk": "BLOB", "sk": "B"}),
        table.get_item(Key={"pk": "USER#none", "sk": "MEMBER"}),
        table.get_item(
            Key={"pk": "USER#U1", "sk": "MEMBER"},
            ProjectionExpression="user_id, #b, tags",
            ExpressionAttributeNames={"#b": "blocked"},
        ),
        table.update_item(
            Key={"pk": "USER#U1", "sk": "MEMBER"},
            UpdateExpression="ADD points :ten SET last_visit_on = :day",
            ExpressionAttributeValues={":ten": 10, ":day": "2026-12-01"},
            ReturnValues="ALL_NEW",
        ),
        table.update_item(
            Key={"pk": "USER#U1", "sk": "MEMBER"},
            UpdateExpression="SET #rank = :gold",
            ExpressionAttributeNames={"#rank": "rank"},
            ExpressionAttributeValues={":gold": "gold"},
            ReturnValues="UPDATED_OLD",
        ),
    ]
    for n in range(5):
        table.put_item(Item={**MEMBER, "pk": f"USER#U{n + 2}", "user_id": f"U{n + 2}"})
    first_page = table.query(
        IndexName="birth_month_index",
        KeyConditionExpression="birth_month = :m",
        ExpressionAttributeValues={":m": "05"},
        Limit=2,
    )
    answers += [
        first_page,
        table.query(
            IndexName="birth_month_index",
            KeyConditionExpression="birth_month = :m",
            ExpressionAttributeValues={":m": "05"},
            ExclusiveStartKey=first_page["LastEvaluatedKey"],
            Select="COUNT",
        ),
        table.scan(FilterExpression="store_id = :s", ExpressionAttributeValues={":s": "honten"}),
        client.batch_get_item(
            RequestItems={
                TABLE: {
                    "Keys": [{"pk": f"USER#U{n}", "sk": "MEMBER"} for n in range(1, 8)],
                    "ConsistentRead": True,
                }
            }
        ),
        client.batch_get_item(  # the push worker's re-read of the flags: top-level attributes
            RequestItems={
                TABLE: {
                    "Keys": [{"pk": f"USER#U{n}", "sk": "MEMBER"} for n in range(1, 8)],
                    "ConsistentRead": True,
                    "ProjectionExpression": "user_id, #b, tags, nothing, absent",
                    "ExpressionAttributeNames": {"#b": "blocked"},
                }
            }
        ),
        table.get_item(  # nested paths and a list: moto's own projection
            Key={"pk": "USER#U1", "sk": "MEMBER"},
            ProjectionExpression="custom_fields.#bean, visits, ratio",
            ExpressionAttributeNames={"#bean": "好きな豆"},
        ),
        client.batch_write_item(
            RequestItems={
                TABLE: [
                    {"PutRequest": {"Item": {"pk": f"SEND#{n}", "sk": "S", "outcome": "sent"}}}
                    for n in range(25)
                ]
            }
        ),
        client.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {"pk": "T", "sk": "1", "n": 1}}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": {"pk": "USER#U1", "sk": "MEMBER"},
                        "UpdateExpression": "ADD points :one",
                        "ExpressionAttributeValues": {":one": 1},
                    }
                },
            ]
        ),
        client.transact_get_items(
            TransactItems=[{"Get": {"TableName": TABLE, "Key": {"pk": "USER#U1", "sk": "MEMBER"}}}]
        ),
        table.delete_item(Key={"pk": "USER#U2", "sk": "MEMBER"}, ReturnValues="ALL_OLD"),
    ]
    with pytest.raises(client.exceptions.ConditionalCheckFailedException) as refused:
        table.put_item(Item=MEMBER, ConditionExpression="attribute_not_exists(pk)")
    answers.append(refused.value.response["Error"])
    return [_without_metadata(answer) for answer in answers]


def _without_metadata(answer: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in answer.items() if key != "ResponseMetadata"}


@pytest.fixture
def aws_region(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "ap-northeast-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "local")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "local")


def test_item_results_written_as_json_read_the_same_as_moto_writes_them(monkeypatch, aws_region):
    with mock_aws():
        by_the_model = item_operations()
    monkeypatch.setattr(DynamoResult, "execute_result", upstream_patches._serialize_items_as_json)
    with mock_aws():
        as_json = item_operations()

    assert as_json == by_the_model
    assert by_the_model[3]["Item"]["name"] == "佐藤さくら"  # the comparison saw real items
    assert by_the_model[4]["Item"]["data"].value == b"\x00\x01binary"  # and a blob (the model's path)


def test_requests_read_as_json_and_projections_copied_answer_as_moto_does(monkeypatch, aws_region):
    with mock_aws():
        by_the_model = item_operations()
    monkeypatch.setattr(DynamoResult, "execute_result", upstream_patches._serialize_items_as_json)
    monkeypatch.setattr(DynamoHandler, "parse_parameters", upstream_patches._parse_item_operations_as_json)
    monkeypatch.setattr(Item, "project", upstream_patches._project_top_level_directly)
    with mock_aws():
        fast = item_operations()

    assert fast == by_the_model
    assert by_the_model[-7]["Responses"][TABLE][0] == {
        "user_id": "U1",
        "blocked": False,
        "tags": {"常連", "coffee"},
        "nothing": None,
    }  # the projection saw real items
    assert by_the_model[-6]["Item"]["custom_fields"] == {"好きな豆": "深煎り"}
