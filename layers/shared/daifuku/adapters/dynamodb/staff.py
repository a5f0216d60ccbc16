"""Staff records: who is staff, and in which role (`owner` or `staff`)."""

from __future__ import annotations

from dataclasses import dataclass

from daifuku.adapters.dynamodb.keys import STAFF_PK, staff_key
from daifuku.adapters.dynamodb.table import TableGateway


@dataclass(frozen=True)
class StaffRepository:
    _gateway: TableGateway

    def staff_user_ids(self) -> list[str]:
        items = self._gateway.query_page(
            KeyConditionExpression="pk = :staff", ExpressionAttributeValues={":staff": STAFF_PK}
        )
        return [item["sk"] for item in items]

    def staff_role(self, user_id: str) -> str | None:
        """`owner` or `staff`; None for anyone else."""
        item = self._gateway.get(staff_key(user_id))
        return str(item["role"]) if item else None

    def is_staff(self, user_id: str) -> bool:
        return self.staff_role(user_id) is not None

    def add_staff(self, user_id: str, role: str) -> None:
        self._gateway.put({**staff_key(user_id), "role": role})
