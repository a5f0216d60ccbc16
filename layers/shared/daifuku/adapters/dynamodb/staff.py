"""Staff records: who is staff, and in which role (`owner` or `staff`), and the invitations that add
them. The rules (who may change what, the last owner) are in daifuku.domain.staff_team; this module
turns them into conditional writes and transactions."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from daifuku.adapters.dynamodb.keys import STAFF_PK, invitation_key, staff_key, utc
from daifuku.adapters.dynamodb.table import TableGateway, condition_failed, update_request
from daifuku.domain.staff_team import AcceptOutcome, Outcome, StaffRecord
from daifuku.models.staff_team import Invitation
from daifuku.table_schema import MEMBER_TABLE

# An invitation's item outlives its link by a day (DynamoDB's TTL deletes it later still).
INVITATION_KEPT_FOR = timedelta(days=1)
IS_OWNER = "#role = :owner"
CONFLICT_ATTEMPTS = 5


@dataclass(frozen=True)
class StaffRepository:
    _gateway: TableGateway

    def staff_user_ids(self) -> list[str]:
        items = self._gateway.query_page(
            KeyConditionExpression="pk = :staff", ExpressionAttributeValues={":staff": STAFF_PK}
        )
        return [item["sk"] for item in items]

    def staff_records(self) -> list[StaffRecord]:
        """Everyone on the staff, read consistently (the last-owner rule chooses from it)."""
        items = self._gateway.query(
            KeyConditionExpression="pk = :staff",
            ExpressionAttributeValues={":staff": STAFF_PK},
            ConsistentRead=True,
        )
        return [
            StaffRecord(
                user_id=item["sk"],
                role=item["role"],
                added_at=datetime.fromisoformat(item["added_at"]) if item.get("added_at") else None,
                display_name=item.get("display_name"),
            )
            for item in items
        ]

    def staff_role(self, user_id: str) -> str | None:
        """`owner` or `staff`; None for anyone else."""
        item = self._gateway.get(staff_key(user_id))
        return str(item["role"]) if item else None

    def is_staff(self, user_id: str) -> bool:
        return self.staff_role(user_id) is not None

    def add_staff(self, user_id: str, role: str) -> None:
        """The operator's first owner (`daifuku setup --owner-user-id`), and the local demo shop."""
        self._gateway.put({**staff_key(user_id), "role": role})

    # Invitations

    def save_invitation(self, invitation: Invitation) -> None:
        kept_until = int((invitation.valid_until + INVITATION_KEPT_FOR).timestamp())
        fields = invitation.model_dump(mode="json", exclude_none=True)
        key = invitation_key(invitation.invitation_id)
        self._gateway.put({**key, **fields, MEMBER_TABLE.ttl_attribute: kept_until})

    def load_invitation(self, invitation_id: str) -> Invitation | None:
        item = self._gateway.get(invitation_key(invitation_id))
        return Invitation.model_validate(item) if item else None

    def accept_invitation(
        self, invitation: Invitation, user_id: str, at: datetime, display_name: str | None
    ) -> AcceptOutcome:
        use = update_request(
            invitation_key(invitation.invitation_id),
            "SET used_by = :user, used_at = :at",
            "attribute_exists(pk) AND attribute_not_exists(used_at)",
            values={":user": user_id, ":at": utc(at)},
        )
        staff: dict[str, Any] = {
            **staff_key(user_id),
            "role": invitation.role,
            "added_at": utc(at),
            "added_by": invitation.invited_by,
        }
        if display_name:
            staff["display_name"] = display_name
        reasons = self._gateway.transact(
            [
                {"Update": use},
                {"Put": {"Item": staff, "ConditionExpression": "attribute_not_exists(pk)"}},
                {"ConditionCheck": self._owner_check(invitation.invited_by)},
            ],
            conflict_attempts=CONFLICT_ATTEMPTS,
        )
        if reasons is None:
            return AcceptOutcome.ACCEPTED
        failed = [condition_failed(reason) for reason in reasons]
        if failed[1]:
            return AcceptOutcome.ALREADY_STAFF
        if failed[0]:
            return AcceptOutcome.USED
        if failed[2]:
            return AcceptOutcome.INVITER_GONE
        return AcceptOutcome.USED  # it kept conflicting: another acceptance of the same link is under way

    # Role changes and removals, each while another owner stays one

    def set_role(self, user_id: str, role: str, *, expected: str, keeper: str) -> Outcome:
        change = update_request(
            staff_key(user_id),
            "SET #role = :role",
            "#role = :expected",
            names={"#role": "role"},
            values={":role": role, ":expected": expected},
        )
        return self._with_keeper({"Update": change}, keeper)

    def remove_staff(self, user_id: str, *, expected: str, keeper: str) -> Outcome:
        removal = {
            "Key": staff_key(user_id),
            "ConditionExpression": "#role = :expected",
            "ExpressionAttributeNames": {"#role": "role"},
            "ExpressionAttributeValues": {":expected": expected},
        }
        return self._with_keeper({"Delete": removal}, keeper)

    def _with_keeper(self, change: dict[str, Any], keeper: str) -> Outcome:
        if (change.get("Update") or change["Delete"])["Key"] == staff_key(keeper):
            raise ValueError("the keeper must be another staff member than the one changed")
        reasons = self._gateway.transact(
            [change, {"ConditionCheck": self._owner_check(keeper)}], conflict_attempts=CONFLICT_ATTEMPTS
        )
        if reasons is None:
            return Outcome.DONE
        if condition_failed(reasons[1]):
            return Outcome.KEEPER_GONE
        return Outcome.CHANGED

    @staticmethod
    def _owner_check(user_id: str) -> dict[str, Any]:
        return {
            "Key": staff_key(user_id),
            "ConditionExpression": IS_OWNER,
            "ExpressionAttributeNames": {"#role": "role"},
            "ExpressionAttributeValues": {":owner": "owner"},
        }
