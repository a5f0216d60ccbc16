"""The deployed table and the tables the local stack and tests create come from one definition."""

from __future__ import annotations

import boto3
from infra_synthesis import Synthesized
from moto import mock_aws

from daifuku.table_schema import MEMBER_TABLE


def key_schemas(indexes: list[dict]) -> dict[str, list[dict]]:
    return {index["IndexName"]: index["KeySchema"] for index in indexes}


def test_table_made_from_the_schema_matches_the_synthesized_one(synthesized: Synthesized) -> None:
    # Given the table as the local stack creates it (in moto)
    with mock_aws():
        client = boto3.client(
            "dynamodb", region_name="ap-northeast-1", aws_access_key_id="t", aws_secret_access_key="t"
        )
        client.create_table(**MEMBER_TABLE.create_table_request("t"))
        local = client.describe_table(TableName="t")["Table"]

    # Then the deployed table has the same keys, attributes and indexes
    _, deployed = synthesized.only("AWS::DynamoDB::Table")
    properties = deployed["Properties"]
    assert properties["KeySchema"] == local["KeySchema"]
    assert sorted(properties["AttributeDefinitions"], key=str) == sorted(
        local["AttributeDefinitions"], key=str
    )
    assert key_schemas(properties["GlobalSecondaryIndexes"]) == key_schemas(local["GlobalSecondaryIndexes"])
