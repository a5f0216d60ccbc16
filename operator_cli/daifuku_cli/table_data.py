"""The member table as `daifuku export` and `daifuku import` read and write it: whole-table scans,
batch writes, and the legacy import's conditional writes. Everything boto3 of those commands is here."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.keys import (
    MEMBER_NUMBER_COUNTER_ATTRIBUTE,
    MEMBER_NUMBER_COUNTER_KEY,
    legacy_member_key,
    legacy_phone_partition,
    member_number_key,
)
from daifuku.adapters.dynamodb.shop import ShopConfigRepository
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.models.shop import MemberNumberFormat
from daifuku_cli.legacy_csv import LegacyRow

Progress = Callable[[int], None]


class TableData:
    def __init__(self, table: Any):
        self.table = table

    @property
    def _client(self) -> Any:
        return self.table.meta.client

    def items(self, progress: Progress | None = None) -> Iterator[dict[str, Any]]:
        """Every item, strongly consistent; `progress` hears the running count after each page."""
        scan: dict[str, Any] = {"ConsistentRead": True}
        seen = 0
        while True:
            page = self.table.scan(**scan)
            yield from page["Items"]
            seen += len(page["Items"])
            if progress:
                progress(seen)
            if "LastEvaluatedKey" not in page:
                return
            scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def put_all(self, items: Iterable[dict[str, Any]], progress: Progress | None = None) -> int:
        """Write the items in batches of 25; `progress` hears the running count every 1,000."""
        written = 0
        with self.table.batch_writer(overwrite_by_pkeys=["pk", "sk"]) as writer:
            for item in items:
                writer.put_item(Item=item)
                written += 1
                if progress and written % 1000 == 0:
                    progress(written)
        return written

    # The legacy import

    def member_number_format(self) -> MemberNumberFormat:
        return ShopConfigRepository(TableGateway.of(self.table)).load_shop_config().member_number_format

    def member_number_items(self, member_nos: Iterable[str]) -> dict[str, dict[str, Any] | None]:
        wanted = list(dict.fromkeys(member_nos))
        found: dict[str, dict[str, Any] | None] = dict.fromkeys(wanted)
        for start in range(0, len(wanted), 100):
            request = {
                self.table.name: {
                    "Keys": [member_number_key(n) for n in wanted[start : start + 100]],
                    "ConsistentRead": True,
                }
            }
            while request:
                answer = self._client.batch_get_item(RequestItems=request)
                for item in answer["Responses"].get(self.table.name, []):
                    found[str(item["member_no"])] = item
                request = answer.get("UnprocessedKeys") or {}
        return found

    def legacy_items_by_phone(self, phones: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        return {
            phone: self.table.query(
                KeyConditionExpression=Key("pk").eq(legacy_phone_partition(phone)), ConsistentRead=True
            )["Items"]
            for phone in dict.fromkeys(phones)
        }

    def import_legacy_member(self, row: LegacyRow, at: datetime) -> bool:
        """The claimable member and its taken number, together or not at all; False when the number was
        taken meanwhile (a registration issued it between the check and this write)."""
        imported_at = at.isoformat()
        legacy: dict[str, Any] = {
            **legacy_member_key(row.phone, row.member_no),
            "member_no": row.member_no,
            "phone": row.phone,
            "birthdate": row.birthdate.isoformat(),
            "imported_at": imported_at,
        }
        if row.name:
            legacy["name"] = row.name
        number = {
            **member_number_key(row.member_no),
            "member_no": row.member_no,
            "status": "imported",
            "imported_at": imported_at,
        }
        try:
            self._client.transact_write_items(
                TransactItems=[
                    {
                        "Put": {
                            "TableName": self.table.name,
                            "Item": item,
                            "ConditionExpression": "attribute_not_exists(pk)",
                        }
                    }
                    for item in (legacy, number)
                ]
            )
        except self._client.exceptions.TransactionCanceledException:
            return False
        return True

    def raise_member_number_counter(self, sequence: int) -> bool:
        """Move the counter up to `sequence` (never down); False when it already stood there or above."""
        try:
            self.table.update_item(
                Key=MEMBER_NUMBER_COUNTER_KEY,
                UpdateExpression="SET #last = :sequence",
                ConditionExpression="attribute_not_exists(#last) OR #last < :sequence",
                ExpressionAttributeNames={"#last": MEMBER_NUMBER_COUNTER_ATTRIBUTE},
                ExpressionAttributeValues={":sequence": sequence},
            )
        except self._client.exceptions.ConditionalCheckFailedException:
            return False
        return True
