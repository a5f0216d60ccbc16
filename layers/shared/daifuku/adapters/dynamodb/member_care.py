"""What staff keep about a member at the counter: visits, memos, tags and flags."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.keys import (
    MEMO_SK_PREFIX,
    VISIT_SK_PREFIX,
    member_key,
    memo_key,
    tag_key,
    user_partition,
)
from daifuku.adapters.dynamodb.table import TableGateway, update_request
from daifuku.models.member import MembershipStatus
from daifuku.models.staff import MemoView, StaffFlag, VisitView


@dataclass(frozen=True)
class MemberCareRepository:
    _gateway: TableGateway

    def recent_visits(self, user_id: str, limit: int) -> list[VisitView]:
        return [VisitView.model_validate(item) for item in self._latest(user_id, VISIT_SK_PREFIX, limit)]

    def recent_memos(self, user_id: str, limit: int) -> list[MemoView]:
        return [MemoView.model_validate(item) for item in self._latest(user_id, MEMO_SK_PREFIX, limit)]

    def add_memo(self, user_id: str, memo: MemoView) -> None:
        self._gateway.put({**memo_key(user_id, memo.at, memo.memo_id), **memo.model_dump(mode="json")})

    def replace_tags(self, user_id: str, before: frozenset[str], after: frozenset[str]) -> bool:
        """Member tags and TAG# items together; False when the tags changed since `before` was read."""
        if before == after:
            return True
        values: dict[str, Any] = {":deleted": MembershipStatus.DELETED.value}
        condition = "attribute_exists(member_no) AND #status <> :deleted AND "
        if before:
            condition += "tags = :before"
            values[":before"] = set(before)
        else:
            condition += "attribute_not_exists(tags)"
        if after:
            update = "SET tags = :after"
            values[":after"] = set(after)
        else:
            update = "REMOVE tags"
        transaction: list[dict[str, Any]] = [
            {"Update": update_request(member_key(user_id), update, condition, {"#status": "status"}, values)},
            *(
                {"Put": {"Item": {**tag_key(user_id, tag), "tag": tag, "user_id": user_id}}}
                for tag in sorted(after - before)
            ),
            *({"Delete": {"Key": tag_key(user_id, tag)}} for tag in sorted(before - after)),
        ]
        return self._gateway.transact(transaction) is None

    def set_flag(self, user_id: str, flag: StaffFlag, on: bool, reason: str | None) -> bool:
        """False when there is no such user."""
        values: dict[str, Any] = {":on": on}
        if reason:
            update = "SET #flag = :on, #reason = :reason"
            values[":reason"] = reason
        else:
            update = "SET #flag = :on REMOVE #reason"
        return self._gateway.update(
            member_key(user_id),
            update,
            condition="attribute_exists(pk)",
            names={"#flag": flag.value, "#reason": f"{flag.value}_reason"},
            values=values,
        )

    def _latest(self, user_id: str, prefix: str, limit: int) -> list[dict[str, Any]]:
        return self._gateway.query_page(
            KeyConditionExpression=Key("pk").eq(user_partition(user_id)) & Key("sk").begins_with(prefix),
            ScanIndexForward=False,
            Limit=limit,
            ConsistentRead=True,
        )
