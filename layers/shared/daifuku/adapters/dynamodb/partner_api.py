"""The partner API's records: its keys (only their hashes), each key's calls per minute, and the
receipts that earned points (so a receipt does so once, by API or by QR)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from daifuku.adapters.dynamodb.keys import API_KEY_PK, api_key_key, api_rate_window_key, receipt_key, utc
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.api_keys import ApiKeyRecord, Scope
from daifuku.domain.partner_desk import ReceiptRecord
from daifuku.table_schema import MEMBER_TABLE


def _key_record(item: dict[str, Any]) -> ApiKeyRecord:
    def when(name: str) -> datetime | None:
        return datetime.fromisoformat(item[name]) if item.get(name) else None

    return ApiKeyRecord(
        key_id=item["sk"],
        name=item["name"],
        scopes=frozenset(Scope(s) for s in item.get("scopes", ()) if s in Scope._value2member_map_),
        key_hash=item["key_hash"],
        created_at=datetime.fromisoformat(item["created_at"]),
        created_by=item["created_by"],
        calls_per_minute=int(item["calls_per_minute"]),
        last_used_at=when("last_used_at"),
        revoked_at=when("revoked_at"),
    )


@dataclass(frozen=True)
class PartnerApiRepository:
    _gateway: TableGateway

    # Keys

    def save_api_key(self, record: ApiKeyRecord) -> None:
        self._gateway.put(
            {
                **api_key_key(record.key_id),
                "name": record.name,
                "scopes": sorted(scope.value for scope in record.scopes),
                "key_hash": record.key_hash,
                "created_at": utc(record.created_at),
                "created_by": record.created_by,
                "calls_per_minute": record.calls_per_minute,
            },
            if_absent=True,
        )

    def load_api_key(self, key_id: str) -> ApiKeyRecord | None:
        item = self._gateway.get(api_key_key(key_id))
        return _key_record(item) if item else None

    def api_keys(self) -> list[ApiKeyRecord]:
        items = self._gateway.query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": API_KEY_PK},
            ConsistentRead=True,
        )
        return [_key_record(item) for item in items]

    def revoke_api_key(self, key_id: str, at: datetime) -> bool:
        """False when there is no such key; a key revoked already keeps its first revocation time."""
        return self._gateway.update(
            api_key_key(key_id),
            "SET revoked_at = if_not_exists(revoked_at, :at)",
            condition="attribute_exists(pk)",
            values={":at": utc(at)},
        )

    def touch_api_key(self, key_id: str, at: datetime) -> None:
        # Conditional: a key revoked (or deleted) meanwhile is not brought back as a bare item.
        self._gateway.update(
            api_key_key(key_id),
            "SET last_used_at = :at",
            condition="attribute_exists(pk)",
            values={":at": utc(at)},
        )

    def count_call(self, key_id: str, window: int, limit: int, expires_at: int) -> bool:
        return self._gateway.update(
            api_rate_window_key(key_id, window),
            "ADD calls :one SET #ttl = :ttl",
            condition="attribute_not_exists(calls) OR calls < :limit",
            names={"#ttl": MEMBER_TABLE.ttl_attribute},
            values={":one": 1, ":limit": limit, ":ttl": expires_at},
        )

    # Receipts

    def claim_receipt(self, receipt: ReceiptRecord) -> ReceiptRecord | None:
        item = {
            **receipt_key(receipt.receipt_id),
            "receipt_id": receipt.receipt_id,
            "user_id": receipt.user_id,
            "amount_yen": receipt.amount_yen,
            "at": utc(receipt.at),
            "by": receipt.by,
            "via": receipt.via,
        }
        if receipt.store_id is not None:
            item["store_id"] = receipt.store_id
        stored = self._gateway.put_new_or_get(item)
        if stored is None:
            return None
        return ReceiptRecord(
            receipt_id=stored["receipt_id"],
            user_id=stored["user_id"],
            amount_yen=int(stored["amount_yen"]),
            store_id=stored.get("store_id"),
            at=datetime.fromisoformat(stored["at"]),
            by=stored["by"],
            via=stored["via"],
        )
