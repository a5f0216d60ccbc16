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

Serialised, every request's framework cost is everyone's wait too (the push workers make ~28
requests a 500-recipient batch). So moto's handler method names, which it looked up with
`inspect.getmembers` on every request, are cached (classes do not change); an item operation's
request body is read with json.loads instead of moto's model-driven parser (14% of moto's time while
sending) unless it holds a binary value, which the parser decodes from base64 (the parser's one other
effect here, dropping null members, is done too); a projection of top-level scalar attributes (the
worker's send-time re-read of 500 members' flags) copies them instead of converting the whole item
to plain JSON once per attribute and back; and without a log file (tests, benchmarks) no access-log
line is formatted per request.

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
import logging
import os
import threading
from typing import Any

import moto.core.responses as moto_core_responses
import moto.dynamodb.models as moto_dynamodb_models
from moto.core.responses import ActionContext
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.server import main

_dynamodb_lock = threading.Lock()
_unsafe_call_action = DynamoHandler.call_action
_transact_write_items = DynamoDBBackend.transact_write_items
_serialize_with_the_model = DynamoResult.execute_result
_project_through_json = Item.project
_parse_with_the_model = DynamoHandler.parse_parameters
# Attribute types whose value is a string, a number string, a bool or a list of strings: copied as is.
SCALAR_TYPES = frozenset({"S", "N", "BOOL", "NULL", "SS", "NS"})
# Set by MotoServerProcess when moto's output goes nowhere: no access log line per request.
QUIET_ENVIRONMENT_VARIABLE = "DAIFUKU_MOTO_QUIET"
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


@functools.wraps(_parse_with_the_model)
def _parse_item_operations_as_json(self: DynamoHandler, request: Any) -> None:
    body = request.data
    if self._get_action() in ITEM_OPERATIONS and b'"B"' not in body and b'"BS"' not in body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            self.params = _without_nones(parsed)
            return
    _parse_with_the_model(self, request)


@functools.wraps(_project_through_json)
def _project_top_level_directly(self: Item, projection_expressions: list[list[str]]) -> Item:
    """moto's projection, without its JSON round trip when every path is a top-level scalar attribute."""
    if not all(len(path) == 1 for path in projection_expressions):
        return _project_through_json(self, projection_expressions)
    found = [self.attrs[path[0]] for path in projection_expressions if path[0] in self.attrs]
    if not all(value.type in SCALAR_TYPES for value in found):
        return _project_through_json(self, projection_expressions)
    return Item(
        hash_key=self.hash_key,
        range_key=self.range_key,
        attrs={
            path[0]: self.attrs[path[0]].to_json() for path in projection_expressions if path[0] in self.attrs
        },
    )


def apply_local_fixes() -> None:
    """Requests one at a time, failed transactions decided up front, item requests and results
    read and written as JSON, handler method names looked up once, top-level projections copied."""
    DynamoHandler.call_action = _one_at_a_time  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items_checking_first  # type: ignore[method-assign]
    DynamoResult.execute_result = _serialize_items_as_json  # type: ignore[method-assign]
    Item.project = _project_top_level_directly  # type: ignore[method-assign]
    DynamoHandler.parse_parameters = _parse_item_operations_as_json  # type: ignore[method-assign]
    moto_core_responses.method_names_from_class = functools.cache(  # type: ignore[assignment]
        moto_core_responses.method_names_from_class
    )
    if os.environ.get(QUIET_ENVIRONMENT_VARIABLE):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)


if __name__ == "__main__":
    apply_local_fixes()
    main()
