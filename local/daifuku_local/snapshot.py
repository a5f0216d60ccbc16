"""Keeping the local table between runs: a JSON snapshot written on stop and loaded on start."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

from daifuku_local.aws_resources import local_table


def _to_json(value: Any) -> Any:
    if isinstance(value, Decimal):
        return {"__decimal__": str(value)}
    if isinstance(value, set):
        return {"__set__": sorted(_to_json(v) for v in value)}
    if isinstance(value, dict):
        return {k: _to_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_to_json(v) for v in value]
    return value


def _from_json(value: Any) -> Any:
    if isinstance(value, dict):
        if "__decimal__" in value:
            return Decimal(value["__decimal__"])
        if "__set__" in value:
            return {_from_json(v) for v in value["__set__"]}
        return {k: _from_json(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    return value


def save_table_snapshot(endpoint_url: str, table_name: str, path: Path) -> int:
    """Write every item of the table to `path`; returns the item count."""
    table = local_table(endpoint_url, table_name)
    items: list[dict[str, Any]] = []
    scan: dict[str, Any] = {}
    while True:
        page = table.scan(**scan)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps([_to_json(item) for item in items], ensure_ascii=False, indent=1))
    return len(items)


def load_table_snapshot(endpoint_url: str, table_name: str, path: Path) -> int:
    """Put every item of a snapshot back into the table; returns the item count."""
    if not path.exists():
        return 0
    items = [_from_json(item) for item in json.loads(path.read_text())]
    with local_table(endpoint_url, table_name).batch_writer() as batch:
        for item in items:
            batch.put_item(Item=item)
    return len(items)
