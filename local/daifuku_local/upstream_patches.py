"""Every patch the local stack makes to third-party internals, behind an exact version check.

The local stack replaces a few functions inside moto (the local DynamoDB) and Powertools (the
handlers' router). Internals change without notice between releases, so `pyproject.toml` pins both
exactly, and importing this module refuses, before anything is imported from their internals let
alone patched, any other installed version: the process exits printing one line that says which.
Upgrading either means re-reading each patch below against the new upstream code, then moving the
pin and `PINNED_VERSIONS` together. Local only: nothing deployed imports this module.

Correctness. moto's DynamoDB backend is not thread-safe and its server is threaded: two conditional
writes can both pass their checks, and a transaction that fails restores a whole-table snapshot,
wiping what another request wrote meanwhile. That is fixed without patching: `moto_server.py` puts
one lock in front of moto's WSGI app for DynamoDB requests, so each is applied whole, as DynamoDB
applies it (Daifuku's member numbering relies on it). Powertools keeps the request being resolved
on the router class; the local stack runs concurrent invocations as threads of one process, so
`isolate_concurrent_invocations` makes that state per thread (no lock could: the handlers wait on
DynamoDB and LINE, and one invocation at a time would serialise the whole local API).

Speed. Serialised, every DynamoDB request's cost is everyone's wait; the campaign benchmark
(`bench/campaign.py`, 20,000 members) is what the moto patches below were measured with. Each one
says which upstream function it replaces and what it saves.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable

# What the patches below were written against: the exact versions pinned in pyproject.toml.
PINNED_VERSIONS = {"moto": "5.2.5", "aws-lambda-powertools": "3.37.0"}


class UnsupportedUpstreamVersion(SystemExit):
    """Another version than the pinned one is installed: the process stops with this one line."""


def _installed_version(distribution: str) -> str | None:
    try:
        return importlib.metadata.version(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None


def pinned_version_problem(installed: Callable[[str], str | None] = _installed_version) -> str | None:
    """One line saying which patched distribution is not at its pinned version, or None if all are."""
    for distribution, pinned in PINNED_VERSIONS.items():
        found = installed(distribution)
        if found != pinned:
            return (
                f"daifuku_local: the local stack patches {distribution} {pinned}'s internals, "
                f"but {distribution} {found or '(none)'} is installed; "
                "run `uv sync` to install the pinned version."
            )
    return None


def require_pinned_versions(installed: Callable[[str], str | None] = _installed_version) -> None:
    """Refuse (exit with one line, no traceback) unless every patched distribution is at its pin."""
    problem = pinned_version_problem(installed)
    if problem is not None:
        raise UnsupportedUpstreamVersion(problem)


# Before any of their internals are imported: another version may not even have the same modules.
require_pinned_versions()

# ruff: noqa: E402 (the imports below are what the check above guards)
import copy
import functools
import json
import threading
from abc import ABCMeta
from typing import Any

import moto.core.responses as moto_core_responses
import moto.dynamodb.models as moto_dynamodb_models
from moto.core.responses import ActionContext
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import TransactionCanceledException
from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.models.dynamo_type import Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.parsing.ast_nodes import DepthFirstTraverser, UpdateExpression
from moto.dynamodb.parsing.expressions import UpdateExpressionParser
from moto.dynamodb.parsing.validators import ActionCountValidator, OverlappingPathsValidator
from moto.dynamodb.responses import DynamoHandler, DynamoResult
from moto.moto_server.werkzeug_app import DomainDispatcherApplication

# moto: the upstream functions, kept so that every patch can hand back what it does not decide.
_upstream_transact_write_items = DynamoDBBackend.transact_write_items
_upstream_execute_result = DynamoResult.execute_result
_upstream_project = Item.project
_upstream_parse_parameters = DynamoHandler.parse_parameters
_upstream_method_names_from_class = moto_core_responses.method_names_from_class
_upstream_traverse = DepthFirstTraverser.traverse
_upstream_make_update_expression = UpdateExpressionParser.make
_upstream_get_backend_for_host = DomainDispatcherApplication.get_backend_for_host
_upstream_query = Table.query

# Attribute types whose value is a string, a number string, a bool or a list of strings: copied as is.
SCALAR_TYPES = frozenset({"S", "N", "BOOL", "NULL", "SS", "NS"})
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


@functools.wraps(_upstream_transact_write_items)
def _transact_write_items_checking_first(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """Replaces `moto.dynamodb.models.DynamoDBBackend.transact_write_items`.

    Upstream deep-copies every table a transaction touches, then restores the copies if it fails:
    serialised, that whole-table snapshot is everyone's wait (many registrations competing for the
    member-number counter). A transaction whose conditions fail is answered from a check of its
    conditions alone, as DynamoDB answers it (every condition against the state before, nothing
    written). One whose conditions pass snapshots only the items it writes (upstream's deep copy of
    `moto.dynamodb.models.copy` is swapped for one that skips tables while it runs): requests are
    applied one at a time, so restoring those items undoes it. Anything unusual goes to upstream.
    """
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
        _upstream_transact_write_items(self, transact_items)
        return
    moto_dynamodb_models.copy = _CopyWithoutTableSnapshots  # type: ignore[assignment]
    try:
        _upstream_transact_write_items(self, transact_items)
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


@functools.wraps(_upstream_execute_result)
def _serialize_items_as_json(self: DynamoResult, context: ActionContext) -> Any:
    """Replaces `moto.dynamodb.responses.DynamoResult.execute_result` for item operations.

    Upstream writes every result through botocore's model-driven serializer, about 70% of a request's
    time while planning a 20,000-member campaign. Item operations' results are already DynamoDB JSON
    (dicts of {"S": …}, {"N": "…"}), so json.dumps writes them; anything json cannot write (bytes,
    datetimes), and every other operation, goes to upstream.
    """
    if context.operation_model.name not in ITEM_OPERATIONS:
        return _upstream_execute_result(self, context)
    try:
        body = json.dumps(_without_nones(self.result), separators=(",", ":"))
    except TypeError:  # bytes, datetimes…: the model knows how to write them
        return _upstream_execute_result(self, context)
    return 200, {"Content-Type": "application/x-amz-json-1.0"}, body


@functools.wraps(_upstream_parse_parameters)
def _parse_item_operations_as_json(self: DynamoHandler, request: Any) -> None:
    """Replaces `moto.dynamodb.responses.DynamoHandler.parse_parameters` for item operations.

    Upstream parses every body through the model (14% of moto's time while sending). Unless the body
    holds a binary value (which the model decodes from base64), json.loads reads it; the model's one
    other effect here, dropping null members, is done too.
    """
    body = request.data
    if self._get_action() in ITEM_OPERATIONS and b'"B"' not in body and b'"BS"' not in body:
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None
        if isinstance(parsed, dict):
            self.params = _without_nones(parsed)
            return
    _upstream_parse_parameters(self, request)


@functools.wraps(_upstream_project)
def _project_top_level_directly(self: Item, projection_expressions: list[list[str]]) -> Item:
    """Replaces `moto.dynamodb.models.dynamo_type.Item.project` for top-level scalar paths.

    Upstream converts the whole item to plain JSON and back once per projected attribute; the push
    worker's send-time re-read of 500 members' flags projects only top-level scalars, which are copied.
    """
    if not all(len(path) == 1 for path in projection_expressions):
        return _upstream_project(self, projection_expressions)
    found = [self.attrs[path[0]] for path in projection_expressions if path[0] in self.attrs]
    if not all(value.type in SCALAR_TYPES for value in found):
        return _upstream_project(self, projection_expressions)
    return Item(
        hash_key=self.hash_key,
        range_key=self.range_key,
        attrs={
            path[0]: self.attrs[path[0]].to_json() for path in projection_expressions if path[0] in self.attrs
        },
    )


@functools.wraps(DepthFirstTraverser.nodes_to_be_processed)
def _nodes_to_be_processed_once(self: DepthFirstTraverser) -> tuple[type, ...]:
    """Replaces `moto.dynamodb.parsing.ast_nodes.DepthFirstTraverser.nodes_to_be_processed`.

    Its docstring says "cached", but upstream builds the processor's map and a tuple of its keys
    for every node of every update expression it walks (ten walks per expression). A processor's
    map depends only on the processor, so the tuple is built once per processor.
    """
    nodes: tuple[type, ...] | None = self.__dict__.get("_daifuku_nodes")
    if nodes is None:
        nodes = self.__dict__["_daifuku_nodes"] = tuple(self._processing_map())
    return nodes


@functools.wraps(_upstream_traverse)
def _check_whole_expression_once(self: DepthFirstTraverser, node: Any) -> Any:
    """Replaces `DepthFirstTraverser.traverse` for the two checks over a whole update expression
    (`ActionCountValidator`: one SET/REMOVE/ADD clause each; `OverlappingPathsValidator`: no path
    written twice).

    Every node of moto's update-expression tree is an `UpdateExpression`, so upstream runs the
    check, which collects the clauses under the node, at every node: quadratic in the expression's
    length (a registration's SET of eleven attributes walks the tree hundreds of times). What a
    node below the root collects is a part of what the root collects, and neither check can fail
    on a part of a list it passes on, so checking the root decides: a root that passes is answered
    at once; one that fails goes to upstream's walk, which raises exactly upstream's error.
    """
    if type(node) is UpdateExpression:
        check = self._processing_map()[UpdateExpression]
        try:
            check(node)
        except Exception:
            return _upstream_traverse(self, node)
        return node
    return _upstream_traverse(self, node)


@functools.lru_cache(maxsize=1024)
def _parsed_update_expression(expression: str) -> Any:
    return _upstream_make_update_expression(expression)


def _make_update_expression_once(parser: type[UpdateExpressionParser], expression: str) -> Any:
    """Replaces the classmethod `moto.dynamodb.parsing.expressions.UpdateExpressionParser.make`.

    Upstream tokenises and parses an update expression twice per UpdateItem (the response handler
    checks its placeholders, the backend applies it) and once more per Update in a transaction.
    Daifuku writes the same few expressions over and over (the values are placeholders), so each
    string's tree is parsed once. Sharing the tree is safe: the callers only read it, and
    `UpdateExpressionValidator` deep-copies it before resolving values into it. An expression that
    does not parse raises upstream's error every time (errors are not cached).
    """
    if parser is not UpdateExpressionParser:
        return _upstream_make_update_expression.__func__(parser, expression)  # type: ignore[attr-defined]
    return _parsed_update_expression(expression)


@functools.wraps(_upstream_get_backend_for_host)
def _backend_for_host_once(self: DomainDispatcherApplication, host: str | None) -> Any:
    """Replaces `moto.moto_server.werkzeug_app.DomainDispatcherApplication.get_backend_for_host`.

    Upstream lists moto's package directory (a stat per service) and then tries every service's
    URL patterns, for every request: about 0.6 ms of moto's 3 ms per DynamoDB request here. The
    answer depends only on the host (the directory and the patterns do not change while the
    server runs), so each host's backend is looked up once; a host with no backend is asked again
    every time, as upstream does (it prints a hint for an unknown amazonaws.com host).
    """
    known: dict[str | None, Any] = self.__dict__.setdefault("_daifuku_backends", {})
    if host in known:
        return known[host]
    backend = _upstream_get_backend_for_host(self, host)
    if backend:
        known[host] = backend
    return backend


def _query_reading_one_partition(self: Table, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
    """Replaces `moto.dynamodb.models.table.Table.query` for queries of the table itself (not an index).

    Upstream's base-table query takes `all_items()`, which sorts every item of the table, then keeps
    those of the asked partition: each Query costs the whole table (a 40,000-item table, about a
    third of a second). Only the partition's items can match, so upstream runs with `all_items`
    answering those alone, sorted as upstream sorts them; the rest of upstream's query (range
    conditions, paging, filters, projections) is unchanged. Safe because moto's DynamoDB requests
    run one at a time (`moto_server.OneDynamoDbRequestAtATime`). Index queries go to upstream as is.
    """
    index_name = kwargs.get("index_name", args[6] if len(args) > 6 else None)
    if index_name or not self.range_key_attr or hash_key is None:
        return _upstream_query(self, hash_key, *args, **kwargs)
    partition = self.items.get(hash_key) or {}
    self.all_items = lambda: sorted(partition.values(), key=lambda item: item.range_key)  # type: ignore[method-assign]
    try:
        return _upstream_query(self, hash_key, *args, **kwargs)
    finally:
        del self.all_items


def apply_moto_patches() -> None:
    """Failed transactions decided up front, item requests and results read and written as JSON,
    handler method names and each host's backend looked up once, top-level projections copied,
    update expressions parsed once and their clauses checked once, a table's Query reading only
    its partition (in moto's server process)."""
    DynamoDBBackend.transact_write_items = _transact_write_items_checking_first  # type: ignore[method-assign]
    DynamoResult.execute_result = _serialize_items_as_json  # type: ignore[method-assign]
    Item.project = _project_top_level_directly  # type: ignore[method-assign]
    DepthFirstTraverser.nodes_to_be_processed = _nodes_to_be_processed_once  # type: ignore[method-assign]
    ActionCountValidator.traverse = _check_whole_expression_once  # type: ignore[method-assign]
    DomainDispatcherApplication.get_backend_for_host = _backend_for_host_once  # type: ignore[method-assign]
    Table.query = _query_reading_one_partition  # type: ignore[method-assign]
    UpdateExpressionParser.make = classmethod(_make_update_expression_once)  # type: ignore[method-assign,assignment]
    OverlappingPathsValidator.traverse = _check_whole_expression_once  # type: ignore[method-assign]
    DynamoHandler.parse_parameters = _parse_item_operations_as_json  # type: ignore[method-assign]
    # Replaces `moto.core.responses.method_names_from_class`: upstream runs `inspect.getmembers` on
    # the handler class for every request; classes do not change, so the names are cached.
    moto_core_responses.method_names_from_class = functools.cache(  # type: ignore[assignment]
        _upstream_method_names_from_class
    )


# Powertools: `aws_lambda_powertools.event_handler.api_gateway.BaseRouter`'s per-request state
# (`current_event`, `lambda_context`, and the resolver's `context` and middleware stack frames),
# which upstream keeps on the router class and instance, with a fresh container for each thread.
_PER_INVOCATION: dict[str, Callable[[], Any] | None] = {
    "current_event": None,
    "lambda_context": None,
    "context": dict,
    "processed_stack_frames": list,
}


class _PerThread:
    """A data descriptor whose value is kept per thread (and per router instance for containers)."""

    def __init__(self, name: str, fresh: Callable[[], Any] | None):
        self._name = name
        self._fresh = fresh
        self._local = threading.local()

    def _values(self) -> dict[int, Any]:
        if not hasattr(self._local, "values"):
            self._local.values = {}
        values: dict[int, Any] = self._local.values
        return values

    def __get__(self, router: Any, owner: type | None = None) -> Any:
        values = self._values()
        key = id(router) if self._fresh is not None else 0
        if key not in values:
            if self._fresh is None:
                raise AttributeError(self._name)
            values[key] = self._fresh()
        return values[key]

    def __set__(self, router: Any, value: Any) -> None:
        self._values()[id(router) if self._fresh is not None else 0] = value


class _RouterMeta(ABCMeta):
    """`BaseRouter.current_event = event` (how Powertools sets it) stores the value for this thread."""

    def __setattr__(cls, name: str, value: Any) -> None:
        descriptor = cls.__dict__.get(name)
        if isinstance(descriptor, _PerThread):
            descriptor.__set__(None, value)
        else:
            super().__setattr__(name, value)


_isolated = False
_isolation_lock = threading.Lock()


def isolate_concurrent_invocations() -> None:
    """Make Powertools' per-request state per thread, so that each thread is its own Lambda
    execution environment as far as the handlers can tell (idempotent).

    Replaces the class attributes `current_event`, `lambda_context`, `context` and
    `processed_stack_frames` of `aws_lambda_powertools.event_handler.api_gateway.BaseRouter` with
    per-thread descriptors, and its metaclass (`abc.ABCMeta`) with one that routes class-level
    assignment to them: two concurrent requests would otherwise read each other's event (one
    customer's token with another's body).
    """
    global _isolated
    with _isolation_lock:
        if _isolated:
            return
        from aws_lambda_powertools.event_handler.api_gateway import BaseRouter

        for name, fresh in _PER_INVOCATION.items():
            type.__setattr__(BaseRouter, name, _PerThread(name, fresh))
        BaseRouter.__class__ = _RouterMeta
        _isolated = True
