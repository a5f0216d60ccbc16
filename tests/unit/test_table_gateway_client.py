"""The table gateway on DynamoDB's low-level client: plain Python values in and out, boto3's condition
objects accepted, as the resource layer took them, and one client per gateway, built on first use."""

from __future__ import annotations

from decimal import Decimal

import boto3
import pytest
from boto3.dynamodb.conditions import Attr, Key
from moto import mock_aws

from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.table_schema import MEMBER_TABLE

REGION = "ap-northeast-1"


@pytest.fixture
def gateway(monkeypatch: pytest.MonkeyPatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        session = boto3.session.Session(region_name=REGION)
        session.client("dynamodb").create_table(**MEMBER_TABLE.create_table_request("members"))
        yield TableGateway("members", session=session)


def test_items_go_in_and_come_out_as_python_values(gateway: TableGateway) -> None:
    item = {"pk": "USER#U1", "sk": "MEMBER", "points": 12, "tags": ["vip"], "profile": {"kana": "ダイフク"}}
    assert gateway.put(item, if_absent=True) is True
    assert gateway.put(item, if_absent=True) is False  # a second create is refused, not raised
    assert gateway.get({"pk": "USER#U1", "sk": "MEMBER"}) == {**item, "points": Decimal(12)}


def test_conditions_and_updates_take_boto3_condition_objects(gateway: TableGateway) -> None:
    for n in range(3):
        gateway.put({"pk": "LOG", "sk": f"2026-01-0{n + 1}", "kind": "visit" if n else "follow"})
    found = list(
        gateway.query(
            KeyConditionExpression=Key("pk").eq("LOG") & Key("sk").begins_with("2026-01"),
            FilterExpression=Attr("kind").eq("visit"),
        )
    )
    assert [item["sk"] for item in found] == ["2026-01-02", "2026-01-03"]
    written = gateway.update_returning(
        {"pk": "LOG", "sk": "2026-01-01"},
        "SET kind = :k",
        condition="kind = :was",
        values={":k": "x", ":was": "follow"},
    )
    assert written is not None and written["kind"] == "x"
    assert (
        gateway.update(
            {"pk": "LOG", "sk": "2026-01-01"},
            "SET kind = :k",
            condition="kind = :was",
            values={":k": "y", ":was": "follow"},
        )
        is False
    )


def test_batches_and_transactions_take_python_values(gateway: TableGateway) -> None:
    with gateway.batch_writer() as batch:
        for n in range(30):
            batch.put_item(Item={"pk": "BATCH", "sk": f"{n:02d}", "n": n})
    keys = [{"pk": "BATCH", "sk": f"{n:02d}"} for n in range(30)]
    assert sorted(int(item["n"]) for item in gateway.batch_get(keys)) == list(range(30))
    refused = gateway.transact(
        [
            {"Put": {"Item": {"pk": "T", "sk": "1", "n": 1}}},
            {"Put": {"Item": {"pk": "BATCH", "sk": "00"}, "ConditionExpression": "attribute_not_exists(pk)"}},
        ]
    )
    assert refused is not None and [reason.get("Code") for reason in refused][1] == "ConditionalCheckFailed"
    assert gateway.transact([{"Put": {"Item": {"pk": "T", "sk": "1", "n": 1}}}]) is None
    assert gateway.get({"pk": "T", "sk": "1"}) == {"pk": "T", "sk": "1", "n": Decimal(1)}
