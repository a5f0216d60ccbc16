"""Members: the member item, its number (issued once, never reissued), registration, the claim of an
imported pre-Daifuku number, and erasure of personal data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from daifuku.adapters.dynamodb.keys import (
    MEMBER_NUMBER_COUNTER_ATTRIBUTE,
    MEMBER_NUMBER_COUNTER_KEY,
    MEMBER_SK,
    legacy_member_key,
    legacy_phone_partition,
    member_key,
    member_number_key,
    user_partition,
    utc,
)
from daifuku.adapters.dynamodb.keys import (
    MEMBER_NUMBER_RESERVATIONS_ATTRIBUTE as RESERVATIONS,
)
from daifuku.adapters.dynamodb.keys import (
    MEMBER_NUMBER_SPARES_ATTRIBUTE as SPARES,
)
from daifuku.adapters.dynamodb.table import TableGateway, condition_failed, update_request
from daifuku.domain.member_numbers import IssueOutcome, NumberIssue
from daifuku.domain.registration import RegisteredProfile
from daifuku.models.member import Member, MembershipStatus
from daifuku.models.membership import LegacyMember, MembershipRecord

STATUS = {"#status": "status"}
# What a member item keeps when its personal data is erased: the number (never reissued), and the
# webhook's ordering of follow/unfollow events.
KEPT_BY_TOMBSTONE = ("member_no", "follow_state_ms", "blocked", "rich_menu_pending")


@dataclass(frozen=True)
class MemberRepository:
    """The member card's records; DynamoDB's conditions become domain answers here."""

    _gateway: TableGateway

    def find_member(self, user_id: str) -> Member | None:
        item = self._gateway.get(member_key(user_id))
        return Member.model_validate(item) if item else None

    def find_membership(self, user_id: str) -> MembershipRecord | None:
        item = self._gateway.get(member_key(user_id))
        return MembershipRecord.model_validate(item) if item else None

    def find_member_by_number(self, member_no: str) -> MembershipRecord | None:
        owner = self._gateway.get(member_number_key(member_no))
        if not owner or not owner.get("user_id"):
            return None
        return self.find_membership(owner["user_id"])

    def user_ids_with_status(self, statuses: set[MembershipStatus]) -> list[str]:
        """Every member in one of these states: a scan, for operator commands (never on a request path)."""
        members = self._gateway.scan(
            FilterExpression="sk = :member AND #status IN ("
            + ", ".join(f":s{i}" for i in range(len(statuses)))
            + ")",
            ExpressionAttributeNames=STATUS,
            ExpressionAttributeValues={
                ":member": MEMBER_SK,
                **{f":s{i}": status.value for i, status in enumerate(sorted(statuses))},
            },
            ProjectionExpression="user_id",
        )
        return [str(item["user_id"]) for item in members]

    # Numbers

    def read_member_number_counter(self) -> int | None:
        """The last sequence reserved or issued (None: no number yet; 設定 then allows a format change)."""
        item = self._gateway.get(MEMBER_NUMBER_COUNTER_KEY)
        value = item.get(MEMBER_NUMBER_COUNTER_ATTRIBUTE) if item else None
        return int(value) if value is not None else None

    def reserve_member_number(self, user_id: str, first_number: int) -> int:
        """Counter + 1 and the reservation in one UpdateItem, or a spare (see domain.member_numbers)."""
        names = {"#last": MEMBER_NUMBER_COUNTER_ATTRIBUTE, "#reserved": RESERVATIONS, "#user": user_id}
        # Every operand of a SET reads the item as it was before the update: both are the new value.
        next_sequence = "if_not_exists(#last, :before_first) + :one"
        map_created = False
        while True:
            try:
                written = self._gateway.client.update_item(
                    TableName=self._gateway.name,
                    Key=MEMBER_NUMBER_COUNTER_KEY,
                    UpdateExpression=f"SET #last = {next_sequence}, #reserved.#user = {next_sequence}",
                    ConditionExpression="attribute_not_exists(#reserved.#user) AND "
                    "(attribute_not_exists(#spares) OR size(#spares) = :zero)",
                    ExpressionAttributeNames=names | {"#spares": SPARES},
                    ExpressionAttributeValues={":before_first": first_number - 1, ":one": 1, ":zero": 0},
                    # Only what changed: not the whole map of other customers' reservations.
                    ReturnValues="UPDATED_NEW",
                    ReturnValuesOnConditionCheckFailure="ALL_OLD",
                )["Attributes"]
            except self._gateway.condition_failed as refused:
                # Typed JSON: {"M": {user: {"N": "41"}}}.
                old: dict[str, Any] = getattr(refused, "response", {}).get("Item", {})
                held = old.get(RESERVATIONS, {}).get("M", {}).get(user_id)
                if held is not None:  # a double tap or a second phone reserved first: theirs is ours
                    return int(held["N"])
                spare = self._gateway.update_returning(
                    MEMBER_NUMBER_COUNTER_KEY,
                    "SET #reserved.#user = #spares[0] REMOVE #spares[0]",
                    condition="attribute_not_exists(#reserved.#user) AND size(#spares) > :zero",
                    names=names | {"#spares": SPARES},
                    values={":zero": 0},
                )
                if spare is not None:
                    return int(spare[RESERVATIONS][user_id])
                continue
            except self._gateway.client.exceptions.ClientError as error:
                if error.response["Error"]["Code"] != "ValidationException" or map_created:
                    raise
                # The counter item has no reservations map yet (the first number, or an older table).
                self._gateway.update(
                    MEMBER_NUMBER_COUNTER_KEY,
                    "SET #reserved = if_not_exists(#reserved, :none)",
                    names={"#reserved": RESERVATIONS},
                    values={":none": {}},
                )
                map_created = True
                continue
            sequence = int(written[RESERVATIONS][user_id])
            if sequence >= first_number:
                return sequence
            # The shop raised its first number after issuing some: the counter jumps up to it once.
            self._gateway.update(
                MEMBER_NUMBER_COUNTER_KEY,
                "SET #last = :before_first",
                condition="#last < :before_first",
                names={"#last": MEMBER_NUMBER_COUNTER_ATTRIBUTE},
                values={":before_first": first_number - 1},
            )
            return self.move_member_number_reservation(user_id, sequence)

    def give_back_member_number(self, user_id: str, sequence: int) -> None:
        self._gateway.update(
            MEMBER_NUMBER_COUNTER_KEY,
            "SET #spares = list_append(if_not_exists(#spares, :none), :sequence) REMOVE #reserved.#user",
            condition="#reserved.#user = :held",
            names={"#reserved": RESERVATIONS, "#user": user_id, "#spares": SPARES},
            values={":none": [], ":sequence": [sequence], ":held": sequence},
        )

    def move_member_number_reservation(self, user_id: str, sequence: int) -> int:
        names = {"#last": MEMBER_NUMBER_COUNTER_ATTRIBUTE, "#reserved": RESERVATIONS, "#user": user_id}
        written = self._gateway.update_returning(
            MEMBER_NUMBER_COUNTER_KEY,
            "SET #last = #last + :one, #reserved.#user = #last + :one",
            condition="#reserved.#user = :sequence",
            names=names,
            values={":one": 1, ":sequence": sequence},
        )
        if written is None:  # another call of this user moved it already
            return self.member_number_reservations()[user_id]
        return int(written[RESERVATIONS][user_id])

    def release_member_number_reservation(self, user_id: str, sequence: int) -> None:
        self._gateway.update(
            MEMBER_NUMBER_COUNTER_KEY,
            "REMOVE #reserved.#user",
            condition="#reserved.#user = :sequence",
            names={"#reserved": RESERVATIONS, "#user": user_id},
            values={":sequence": sequence},
        )

    def member_number_reservations(self) -> dict[str, int]:
        item = self._gateway.get(MEMBER_NUMBER_COUNTER_KEY) or {}
        return {user_id: int(sequence) for user_id, sequence in item.get(RESERVATIONS, {}).items()}

    def complete_member_number(self, issue: NumberIssue) -> IssueOutcome:
        """The number item and the member item in one transaction: only this user's items."""
        at = utc(issue.at)
        names = dict(STATUS)
        values: dict[str, Any] = {
            ":user_id": issue.user_id,
            ":member_no": issue.member_no,
            ":status": issue.status.value,
            ":at": at,
            ":deleted": MembershipStatus.DELETED.value,
        }
        assignments = [
            "user_id = :user_id",
            "member_no = :member_no",
            "#status = :status",
            "member_since = :at",
        ]
        removals = ["deleted_at"]
        if issue.profile is not None:
            profile_set, profile_remove = registration_assignments(issue.profile, names, values)
            assignments += [*profile_set, "registered_at = :at"]
            removals += profile_remove
        number = {
            **member_number_key(issue.member_no),
            "member_no": issue.member_no,
            "user_id": issue.user_id,
            "status": "active",
            "issued_at": at,
        }
        member = update_request(
            member_key(issue.user_id),
            f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
            "attribute_not_exists(member_no) OR #status = :deleted",
            names,
            values,
        )
        reasons = self._gateway.transact(
            [
                {"Put": {"Item": number, "ConditionExpression": "attribute_not_exists(pk)"}},
                {"Update": member | {"ReturnValuesOnConditionCheckFailure": "ALL_OLD"}},
            ],
            conflict_attempts=3,
        )
        if reasons is None:
            return IssueOutcome.ISSUED
        number_reason, member_reason = reasons
        if condition_failed(member_reason):
            held = member_reason.get("Item", {}).get("member_no", {}).get("S")
            return IssueOutcome.ALREADY_NUMBERED if held == issue.member_no else IssueOutcome.HOLDS_ANOTHER
        if condition_failed(number_reason):
            return IssueOutcome.NUMBER_TAKEN
        return IssueOutcome.CONFLICT

    # Registration

    def save_registration(self, user_id: str, profile: RegisteredProfile, at: datetime) -> bool:
        values: dict[str, Any] = {
            ":registered": MembershipStatus.REGISTERED.value,
            ":deleted": MembershipStatus.DELETED.value,
            ":at": utc(at),
        }
        names = dict(STATUS)
        assignments, removals = registration_assignments(profile, names, values)
        assignments += [
            "#status = :registered",
            "registered_at = if_not_exists(registered_at, :at)",
            "profile_updated_at = :at",
        ]
        expression = f"SET {', '.join(assignments)}" + (f" REMOVE {', '.join(removals)}" if removals else "")
        return self._gateway.update(
            member_key(user_id),
            expression,
            condition="attribute_exists(member_no) AND #status <> :deleted",
            names=names,
            values=values,
        )

    def mark_rich_menu_pending(self, user_id: str, pending: bool) -> None:
        self._gateway.update(
            member_key(user_id),
            "SET rich_menu_pending = :true" if pending else "REMOVE rich_menu_pending",
            condition="attribute_exists(pk)",
            values={":true": True} if pending else None,
        )

    # Members imported from before Daifuku

    def find_legacy_members(self, phone: str) -> list[LegacyMember]:
        items = self._gateway.query_page(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": legacy_phone_partition(phone)},
            ConsistentRead=True,
        )
        return [LegacyMember.model_validate(item) for item in items]

    def claim_legacy_number(
        self,
        user_id: str,
        legacy: LegacyMember,
        profile: RegisteredProfile,
        replacing_member_no: str | None,
        at: datetime,
    ) -> bool:
        values: dict[str, Any] = {
            ":user_id": user_id,
            ":member_no": legacy.member_no,
            ":registered": MembershipStatus.REGISTERED.value,
            ":at": utc(at),
        }
        names = dict(STATUS)
        assignments, removals = registration_assignments(profile, names, values)
        assignments += [
            "user_id = :user_id",
            "member_no = :member_no",
            "#status = :registered",
            "member_since = :at",
            "registered_at = :at",
            "legacy_claimed_at = :at",
        ]
        removals.append("deleted_at")
        if replacing_member_no is None:
            member_condition = "attribute_not_exists(member_no) OR #status = :deleted"
            values[":deleted"] = MembershipStatus.DELETED.value
        else:
            member_condition = "member_no = :replacing AND #status = :guest"
            values[":replacing"] = replacing_member_no
            values[":guest"] = MembershipStatus.GUEST.value
        transaction: list[dict[str, Any]] = [
            {
                # The imported record held the phone and birthdate only to prove the claim: it goes.
                "Delete": {
                    "Key": legacy_member_key(legacy.phone, legacy.member_no),
                    "ConditionExpression": "attribute_exists(pk) AND birthdate = :birthdate",
                    "ExpressionAttributeValues": {":birthdate": legacy.birthdate.isoformat()},
                }
            },
            {
                "Update": update_request(
                    member_number_key(legacy.member_no),
                    "SET member_no = :member_no, user_id = :user_id, #status = :active, claimed_at = :at",
                    "attribute_not_exists(user_id)",
                    STATUS,
                    {
                        ":member_no": legacy.member_no,
                        ":user_id": user_id,
                        ":active": "active",
                        ":at": utc(at),
                    },
                )
            },
            {
                "Update": update_request(
                    member_key(user_id),
                    f"SET {', '.join(assignments)} REMOVE {', '.join(removals)}",
                    member_condition,
                    names,
                    values,
                )
            },
        ]
        if replacing_member_no is not None:
            # The guest number stays taken (never reissued), pointing to its replacement.
            retire = update_request(
                member_number_key(replacing_member_no),
                "SET #status = :retired, replaced_by = :member_no REMOVE user_id",
                "user_id = :user_id",
                STATUS,
                {":retired": "retired", ":member_no": legacy.member_no, ":user_id": user_id},
            )
            transaction.append({"Update": retire})
        return self._gateway.transact(transaction) is None

    # Erasure

    def erase_personal_data(self, user_id: str, at: datetime) -> MembershipRecord | None:
        """The member item becomes a tombstone; every other item of the user (coupons, tags, messages)
        is deleted; the number's uniqueness item stays, marked deleted and no longer pointing to them."""
        item = self._gateway.get(member_key(user_id))
        if item is None:
            return None
        tombstone: dict[str, Any] = {
            **member_key(user_id),
            "user_id": user_id,
            "status": MembershipStatus.DELETED.value,
            "deleted_at": utc(at),
        }
        tombstone |= {kept: item[kept] for kept in KEPT_BY_TOMBSTONE if kept in item}
        self._gateway.put(tombstone)
        keys = self._gateway.query(
            KeyConditionExpression="pk = :pk",
            ExpressionAttributeValues={":pk": user_partition(user_id)},
            ProjectionExpression="pk, sk",
        )
        with self._gateway.batch_writer() as batch:
            for key in keys:
                if key["sk"] != MEMBER_SK:
                    batch.delete_item(Key={"pk": key["pk"], "sk": key["sk"]})
        member_no = item.get("member_no")
        if member_no:
            # Already retired (a replaced guest number) when the condition fails: nothing to undo.
            self._gateway.update(
                member_number_key(member_no),
                "SET #status = :deleted, deleted_at = :at REMOVE user_id",
                condition="user_id = :user_id",
                names=STATUS,
                values={":deleted": MembershipStatus.DELETED.value, ":at": utc(at), ":user_id": user_id},
            )
        return MembershipRecord.model_validate(tombstone)


def registration_assignments(
    profile: RegisteredProfile, names: dict[str, str], values: dict[str, Any]
) -> tuple[list[str], list[str]]:
    """SET assignments for the profile's fields (and the index keys derived from them), and the
    optional fields to REMOVE because the profile leaves them blank. Every attribute goes through a
    name placeholder: `name` is one of DynamoDB's reserved words."""
    fields: dict[str, Any] = {
        "name": profile.name,
        "name_kana": profile.name_kana,
        "birthdate": profile.birthdate.isoformat() if profile.birthdate else None,
        "birth_month": profile.birth_month,
        "phone": profile.phone,
        "phone_last4": profile.phone_last4,
        "store_id": profile.store_id,
        "gender": profile.gender,
        "email": profile.email,
        "custom_fields": profile.custom_fields,
    }
    assignments, removals = [], []
    for name, value in fields.items():
        names[f"#profile_{name}"] = name
        if value is None:
            removals.append(f"#profile_{name}")
        else:
            values[f":profile_{name}"] = value
            assignments.append(f"#profile_{name} = :profile_{name}")
    return assignments, removals
