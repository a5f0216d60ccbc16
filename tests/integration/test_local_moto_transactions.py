"""The local moto's transactions: all their writes or none, as DynamoDB's (daifuku_local.moto_server)."""

from __future__ import annotations

import uuid

import pytest

pytestmark = pytest.mark.slow


def transact(member_table, items: list[dict]) -> None:
    member_table.meta.client.transact_write_items(
        TransactItems=[
            {operation: {**request, "TableName": member_table.name} for operation, request in item.items()}
            for item in items
        ]
    )


@pytest.fixture
def run(member_table):
    """A scratch partition TXTEST#<run>, removed afterwards: it is no shop data (the export test)."""
    run = uuid.uuid4().hex
    yield run
    items = member_table.query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": f"TXTEST#{run}"}
    )["Items"]
    for item in items:
        member_table.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})


def test_a_transaction_refused_after_its_first_writes_leaves_every_item_as_it_was(member_table, run):
    member_table.put_item(Item={"pk": f"TXTEST#{run}", "sk": "kept", "n": "text"})
    with pytest.raises(member_table.meta.client.exceptions.ClientError):
        transact(
            member_table,
            [
                {"Put": {"Item": {"pk": f"TXTEST#{run}", "sk": "new"}}},
                {
                    "Update": {
                        "Key": {"pk": f"TXTEST#{run}", "sk": "changed"},
                        "UpdateExpression": "SET v = :v",
                        "ExpressionAttributeValues": {":v": 1},
                    }
                },
                {  # adding a number to a string: refused only once the writes above were made
                    "Update": {
                        "Key": {"pk": f"TXTEST#{run}", "sk": "kept"},
                        "UpdateExpression": "SET n = n + :one",
                        "ExpressionAttributeValues": {":one": 1},
                    }
                },
            ],
        )
    items = member_table.query(
        KeyConditionExpression="pk = :pk", ExpressionAttributeValues={":pk": f"TXTEST#{run}"}
    )["Items"]
    assert items == [{"pk": f"TXTEST#{run}", "sk": "kept", "n": "text"}]


def test_a_transaction_whose_condition_fails_writes_nothing_and_one_that_passes_writes_all(member_table, run):
    claim = {
        "Put": {
            "Item": {"pk": f"TXTEST#{run}", "sk": "claim"},
            "ConditionExpression": "attribute_not_exists(pk)",
        }
    }
    change = {
        "Update": {
            "Key": {"pk": f"TXTEST#{run}", "sk": "count"},
            "UpdateExpression": "ADD n :one",
            "ExpressionAttributeValues": {":one": 1},
        }
    }
    transact(member_table, [claim, change])
    with pytest.raises(member_table.meta.client.exceptions.TransactionCanceledException):
        transact(member_table, [claim, change])
    count = member_table.get_item(Key={"pk": f"TXTEST#{run}", "sk": "count"})["Item"]
    assert count["n"] == 1
