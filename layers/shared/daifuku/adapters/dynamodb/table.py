"""The one gateway to the DynamoDB table: every repository holds one and none talks to boto3 itself.

It talks to DynamoDB through the low-level client, not boto3's resource layer: building the resource
(its model and generated classes) cost a cold start about 15% more CPU than the client alone. Plain
Python values go in and come out all the same: boto3's own DynamoDB transformation (TypeSerializer/
TypeDeserializer and the condition builder, as the resource uses them) is registered on the gateway's
client, so the repositories never see DynamoDB's typed values.

The client is created on first use from the session the wiring shares (nothing connects at import
time), or taken from a boto3 resource or Table the caller holds (tests, the local stack, the operator
CLI). DynamoDB's failed conditions come back as domain answers (`False`, cancellation reasons), never
as exceptions the callers must know the class of.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import AbstractContextManager
from typing import Any

from daifuku.table_schema import SecondaryIndex

Item = dict[str, Any]
TransactItem = dict[str, Any]
_KNOWN_CANCELLATIONS = frozenset({"None", "ConditionalCheckFailed", "TransactionConflict"})
CONDITION_FAILED = "ConditionalCheckFailed"


def on_index(index: SecondaryIndex, value: str) -> dict[str, Any]:
    """A Query's index and key condition: the items whose `index` partition key is `value` (index
    and attribute names come from daifuku.table_schema, never restated)."""
    from boto3.dynamodb.conditions import Key  # boto3 loads with the first request's client, not the wiring

    return {"IndexName": index.name, "KeyConditionExpression": Key(index.partition_key.name).eq(value)}


def python_values_client(session: Any) -> Any:
    """A low-level DynamoDB client of `session` (a boto3 Session) that takes and returns plain Python
    values and accepts boto3's condition objects, through the handlers boto3's resource registers on
    its own client (boto3.dynamodb.transform)."""
    from boto3.dynamodb.transform import TransformationInjector, copy_dynamodb_params

    client = session.client("dynamodb")
    injector = TransformationInjector()
    events = client.meta.events
    events.register(
        "provide-client-params.dynamodb", copy_dynamodb_params, unique_id="dynamodb-create-params-copy"
    )
    events.register(
        "before-parameter-build.dynamodb",
        injector.inject_condition_expressions,
        unique_id="dynamodb-condition-expression",
    )
    events.register(
        "before-parameter-build.dynamodb",
        injector.inject_attribute_value_input,
        unique_id="dynamodb-attr-value-input",
    )
    events.register(
        "after-call.dynamodb", injector.inject_attribute_value_output, unique_id="dynamodb-attr-value-output"
    )
    return client


class TableGateway:
    """The table, its client, pagination, conditional writes and transactions."""

    def __init__(self, table_name: str, resource: Any = None, *, session: Any = None):
        """`resource`: a boto3 DynamoDB resource whose client to use; else a client of `session` (a
        boto3 Session; the default session when None), built on first use."""
        self._table_name = table_name
        self._resource = resource
        self._session = session
        self._client: Any = None

    @classmethod
    def of(cls, table: Any) -> TableGateway:
        """A gateway around a boto3 Table the caller already holds (tests, operator commands)."""
        gateway = cls(table.name)
        gateway._client = table.meta.client
        return gateway

    @property
    def name(self) -> str:
        return self._table_name

    @property
    def client(self) -> Any:
        """The DynamoDB client, plain Python values in and out."""
        if self._client is None:
            if self._resource is not None:
                # A resource's client carries the same transformation (the resource registered it).
                self._client = self._resource.meta.client
            else:
                if self._session is None:
                    import boto3

                    self._session = boto3.session.Session()
                self._client = python_values_client(self._session)
        return self._client

    def _call(self, operation: str, **request: Any) -> dict[str, Any]:
        """One of DynamoDB's operations on this table."""
        answer: dict[str, Any] = getattr(self.client, operation)(TableName=self._table_name, **request)
        return answer

    @property
    def condition_failed(self) -> type[Exception]:
        exception: type[Exception] = self.client.exceptions.ConditionalCheckFailedException
        return exception

    # Single items

    def get(self, key: dict[str, str], *, consistent: bool = True) -> Item | None:
        item: Item | None = self._call("get_item", Key=key, ConsistentRead=consistent).get("Item")
        return item

    def put_new_or_get(self, item: Item) -> Item | None:
        """Write a new item; when one has its key already, leave it and return it (a retried create)."""
        if self.put(item, if_absent=True):
            return None
        existing = self.get({"pk": item["pk"], "sk": item["sk"]})
        if existing is None:
            raise LookupError(f"{item['pk']} {item['sk']} vanished after refusing a write")
        return existing

    def put(self, item: Item, *, if_absent: bool = False) -> bool:
        """Write the item; with `if_absent`, only when no item has its key (False then)."""
        if not if_absent:
            self._call("put_item", Item=item)
            return True
        try:
            self._call("put_item", Item=item, ConditionExpression="attribute_not_exists(pk)")
        except self.condition_failed:
            return False
        return True

    def delete(self, key: dict[str, str]) -> bool:
        """Delete the item; whether there was one."""
        return bool(self._call("delete_item", Key=key, ReturnValues="ALL_OLD").get("Attributes"))

    def update(self, key: dict[str, str], expression: str, **parts: Any) -> bool:
        """One UpdateItem (`parts`: condition, names, values as in `update_request`); False, nothing
        written, when its condition does not hold."""
        return self._update(update_request(key, expression, **parts)) is not None

    def update_returning(self, key: dict[str, str], expression: str, **parts: Any) -> Item | None:
        """One UpdateItem returning the whole item as written; None when its condition does not hold."""
        return self._update(update_request(key, expression, **parts) | {"ReturnValues": "ALL_NEW"})

    def _update(self, request: dict[str, Any]) -> Item | None:
        try:
            written: Item = self._call("update_item", **request).get("Attributes", {})
        except self.condition_failed:
            return None
        return written

    def batch_writer(self) -> AbstractContextManager[Any]:
        """Buffered puts and deletes (BatchWriteItem), the same key twice keeping the last."""
        from boto3.dynamodb.table import BatchWriter

        return BatchWriter(self.name, self.client, overwrite_by_pkeys=["pk", "sk"])

    def batch_get(self, keys: list[dict[str, str]], **options: Any) -> Iterator[Item]:
        """The items of `keys` that exist (strongly consistent), 100 keys a request."""
        for start in range(0, len(keys), 100):
            request = {self.name: {"Keys": keys[start : start + 100], "ConsistentRead": True, **options}}
            while request:
                answer = self.client.batch_get_item(RequestItems=request)
                yield from answer["Responses"].get(self.name, [])
                request = answer.get("UnprocessedKeys") or {}

    # Many items

    def query_pages(self, **query: Any) -> Iterator[dict[str, Any]]:
        """Every page of a Query (a Scan with `scan=True`), following LastEvaluatedKey."""
        return self._pages(self._operation("query"), query)

    def scan_pages(self, **scan: Any) -> Iterator[dict[str, Any]]:
        return self._pages(self._operation("scan"), scan)

    def query(self, **query: Any) -> Iterator[Item]:
        """Every item a Query finds, across pages."""
        for page in self.query_pages(**query):
            yield from page["Items"]

    def query_page(self, **query: Any) -> list[Item]:
        """The first page only: with `Limit`, the newest or oldest few."""
        items: list[Item] = self._call("query", **query)["Items"]
        return items

    def scan(self, **scan: Any) -> Iterator[Item]:
        for page in self.scan_pages(**scan):
            yield from page["Items"]

    def _operation(self, operation: str) -> Any:
        return lambda **request: self._call(operation, **request)

    @staticmethod
    def _pages(read: Any, request: dict[str, Any]) -> Iterator[dict[str, Any]]:
        request = dict(request)
        while True:
            page: dict[str, Any] = read(**request)
            yield page
            if "LastEvaluatedKey" not in page:
                return
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # Transactions

    def transact(self, items: list[TransactItem], conflict_attempts: int = 1) -> list[dict[str, Any]] | None:
        """Run a TransactWriteItems; None when it committed, else the per-item cancellation reasons.

        Cancelled only because another transaction held an item (TransactionConflict, no condition
        failed), it is tried again, up to `conflict_attempts` times in all, with a short pause.
        The client converts Python values to DynamoDB's types (but leaves the Items in cancellation
        reasons typed).
        """
        requests = [
            {operation: {**request, "TableName": self.name}}
            for entry in items
            for operation, request in entry.items()
        ]
        client = self.client
        for attempt in range(conflict_attempts):
            try:
                client.transact_write_items(TransactItems=requests)
            except client.exceptions.TransactionCanceledException as error:
                reasons: list[dict[str, Any]] = error.response.get("CancellationReasons") or []
                codes = {reason.get("Code") for reason in reasons}
                if len(reasons) != len(items) or not codes <= _KNOWN_CANCELLATIONS:
                    raise
                if CONDITION_FAILED in codes or attempt + 1 == conflict_attempts:
                    return reasons
                time.sleep(0.02 * (attempt + 1))
            else:
                return None
        raise ValueError("conflict_attempts must be at least 1")

    def update_retrying_conflicts(self, update: dict[str, Any], attempts: int = 3) -> None:
        """An unconditional UpdateItem that a transaction holding the item briefly refuses; tried
        again a few times, then left (for counters that are not worth failing a request over)."""
        for attempt in range(attempts):
            try:
                self._call("update_item", **update)
                return
            except self.client.exceptions.TransactionConflictException:
                time.sleep(0.02 * (attempt + 1))


def codes(reasons: list[dict[str, Any]]) -> list[str | None]:
    """The cancellation codes of a transaction's items, in order."""
    return [reason.get("Code") for reason in reasons]


def condition_failed(reason: dict[str, Any]) -> bool:
    return reason.get("Code") == CONDITION_FAILED


def update_request(
    key: dict[str, str],
    expression: str,
    condition: str | None = None,
    names: dict[str, str] | None = None,
    values: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An UpdateItem's arguments (also a transaction's `Update` entry, without the table name)."""
    request: dict[str, Any] = {"Key": key, "UpdateExpression": expression}
    if condition:
        request["ConditionExpression"] = condition
    if names:
        request["ExpressionAttributeNames"] = names
    if values:
        request["ExpressionAttributeValues"] = values
    return request
