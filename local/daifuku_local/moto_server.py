"""`python -m daifuku_local.moto_server`: moto's server, with DynamoDB requests applied one at a time.

moto's DynamoDB backend is not thread-safe, and its server is threaded: TransactWriteItems snapshots
each table, checks, writes, and on a failed condition restores the snapshot, wiping whatever another
request wrote meanwhile; two conditional writes can both pass their checks. Real DynamoDB applies
each request atomically, and Daifuku's member numbering relies on it (200 concurrent registrations
must give 200 distinct numbers). Serialising DynamoDB requests restores that guarantee locally.

Serialised, every request's cost is everyone's wait, and most of a DynamoDB request's time went to
moto's model-driven response serializer (about 70% while planning a 20,000-member campaign). The
item operations' results are already DynamoDB JSON (dicts of {"S": …}, {"N": "…"}), so they are
written with json.dumps; anything json cannot write, and every other operation, goes to moto's own.

Serialised, moto's whole-table snapshot per transaction becomes everyone's wait. So a transaction
whose conditions fail (the common case when many compete for the member-number counter) is answered
from a check of its conditions alone, without the snapshot, as DynamoDB answers it: every condition
evaluated against the state before the transaction, nothing written. And one whose conditions pass
snapshots only the items it writes, not the whole table: serialised, nothing else changes them
meanwhile, so restoring those items undoes the transaction (DynamoDB's cost is per item, not per table).
"""

from __future__ import annotations

import copy
import functools
import json
import threading
from typing import Any

import moto.dynamodb.models as moto_dynamodb_models
from moto.core.responses import ActionContext
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.server import main

_dynamodb_lock = threading.Lock()
_unsafe_call_action = DynamoHandler.call_action
_transact_write_items = DynamoDBBackend.transact_write_items
_serialize_with_the_model = DynamoResult.execute_result
# Whose results are items, keys and counts only: no timestamps, blobs or fields outside the shape.
ITEM_OPERATIONS = frozenset(
    {
        "GetItem",
        "BatchGetItem",
        "Query",
        "Scan",
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "TransactGetItems",
    }
)


@functools.wraps(_unsafe_call_action)
def _one_at_a_time(self: DynamoHandler) -> Any:
    with _dynamodb_lock:
        return _unsafe_call_action(self)


def _item_key(table: Any, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    if operation != "Put":
        return dict(request["Key"])
    key = {table.hash_key_attr: request["Item"][table.hash_key_attr]}
    if table.range_key_attr is not None:
        key[table.range_key_attr] = request["Item"][table.range_key_attr]
    return key


class _CopyWithoutTableSnapshots:
    """The `copy` module as moto's transaction sees it: tables are not copied (their items are, by us)."""

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _failed_conditions(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[Any] | None:
    """moto's cancellation reasons when any condition fails, else None (nothing decided here)."""
    reasons: list[Any] = []
    for entry in transact_items:
        ((operation, request),) = entry.items()
        table = backend.get_table(request["TableName"])
        key = _item_key(table, operation, request)
        condition = request.get("ConditionExpression")
        if condition is None:
            reasons.append((None, None, None))
            continue
        current = backend.get_item(request["TableName"], key)
        expression = get_filter_expression(
            condition, request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
        )
        if expression.expr(current):
            reasons.append((None, None, None))
        else:
            old = None
            if request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD" and current:
                old = current.to_json()["Attributes"]
            reasons.append(("ConditionalCheckFailed", "The conditional request failed", old))
    return reasons if any(code is not None for code, _, _ in reasons) else None


@functools.wraps(_transact_write_items)
def _transact_write_items_checking_first(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    try:
        reasons = _failed_conditions(self, transact_items)
    except Exception:  # anything unusual (validation errors…): moto's own code decides and answers
        reasons = None
    if reasons is not None:
        raise TransactionCanceledException(reasons)
    try:
        touched = []
        for entry in transact_items:
            ((operation, request),) = entry.items()
            table = self.get_table(request["TableName"])
            key = _item_key(table, operation, request)
            before = self.get_item(request["TableName"], key)
            touched.append((request["TableName"], key, before.to_json()["Attributes"] if before else None))
    except Exception:  # anything unusual: moto's own code, with its whole-table snapshots, decides
        _transact_write_items(self, transact_items)
        return
    moto_dynamodb_models.copy = _CopyWithoutTableSnapshots  # type: ignore[assignment]
    try:
        _transact_write_items(self, transact_items)
    except Exception:
        for table_name, key, before in reversed(touched):
            if before is None:
                self.delete_item(table_name, key)
            else:
                self.put_item(table_name, before)
        raise
    finally:
        moto_dynamodb_models.copy = copy  # type: ignore[assignment]


def _without_nones(value: Any) -> Any:
    """The result as the serializer writes it: members that are None are left out."""
    if isinstance(value, dict):
        return {key: _without_nones(item) for key, item in value.items() if item is not None}
    if isinstance(value, list):
        return [_without_nones(item) for item in value]
    return value


@functools.wraps(_serialize_with_the_model)
def _serialize_items_as_json(self: DynamoResult, context: ActionContext) -> Any:
    if context.operation_model.name not in ITEM_OPERATIONS:
        return _serialize_with_the_model(self, context)
    try:
        body = json.dumps(_without_nones(self.result), separators=(",", ":"))
    except TypeError:  # bytes, datetimes…: the model knows how to write them
        return _serialize_with_the_model(self, context)
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, body


def apply_local_fixes() -> None:
    """Requests one at a time, failed transactions decided up front, item results written as JSON."""
    DynamoHandler.call_action = _one_at_a_time  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items_checking_first  # type: ignore[method-assign]
    DynamoResult.execute_result = _serialize_items_as_json  # type: ignore[method-assign]


if __name__ == "__main__":
    apply_local_fixes()
    main()
