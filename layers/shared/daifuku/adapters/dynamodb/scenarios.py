"""Scenarios in the table: definitions (versioned), enrolments, result counters, and the due items
the schedule reads.

Due items live in partitions per UTC day and shard (`SCENARIO_DUE#<day>#<shard>`), sorted by due
time: the schedule reads, per shard, only the range between its cursor and now, so an idle minute
costs the cursor and one empty Query per shard, however many members are enrolled.
"""

from __future__ import annotations

import zlib
from datetime import UTC, datetime, timedelta
from typing import Any

from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.coupons import CouponRepository
from daifuku.adapters.dynamodb.keys import (
    MESSAGING_RULES,
    SCENARIO,
    SCENARIO_SCHEDULE_CURSOR,
    member_key,
    scenario_due_key,
    scenario_due_partition,
    scenario_enrolment_key,
    scenario_key,
    scenario_results_key,
    scenario_step_results_key,
    sortable_utc,
    tag_key,
)
from daifuku.adapters.dynamodb.members import MemberRepository
from daifuku.adapters.dynamodb.shop import ShopConfigRepository
from daifuku.adapters.dynamodb.table import TableGateway, update_request
from daifuku.domain.scenario_engine import SCENARIO_COUNTERS, STEP_COUNTERS, StepOutcome
from daifuku.domain.scenarios import (
    DueStep,
    Enrolment,
    EnrolmentStatus,
    QuietHours,
    Scenario,
    ScenarioEditConflict,
    ScenarioStatus,
    StopReason,
)
from daifuku.models.member import Member
from daifuku.models.membership import Coupon
from daifuku.models.staff import CouponTemplateRecord

DUE_SHARDS = 4
# Due items written a little behind the schedule's cursor (a write racing a run) are still found.
LOOKBACK = timedelta(minutes=5)
# The first run (no cursor yet) looks back this far.
FIRST_LOOKBACK = timedelta(days=1)


def shard_of(user_id: str) -> int:
    return zlib.crc32(user_id.encode()) % DUE_SHARDS


class ScenarioRepository:
    def __init__(self, gateway: TableGateway):
        self._gateway = gateway
        self._members = MemberRepository(gateway)
        self._coupons = CouponRepository(gateway)
        self.items_read = 0  # by take_due: the schedule's reads (bench/scenario.py)
        self.queries = 0

    # Definitions

    def load_scenario(self, scenario_id: str) -> Scenario | None:
        item = self._gateway.get(scenario_key(scenario_id))
        return _scenario(item) if item else None

    def list_scenarios(self) -> list[Scenario]:
        items = self._gateway.query(KeyConditionExpression=Key("pk").eq(SCENARIO.pk), ConsistentRead=True)
        return [_scenario(item) for item in items]

    def create_scenario(self, scenario: Scenario) -> bool:
        """False when a scenario has this id already."""
        return self._gateway.put(_scenario_item(scenario), if_absent=True)

    def save_scenario(self, scenario: Scenario, expected_version: int) -> Scenario:
        """Write `scenario` as version expected+1 if the stored one is still `expected_version`."""
        saved = scenario.model_copy(update={"version": expected_version + 1})
        try:
            self._gateway.client.put_item(
                TableName=self._gateway.name,
                Item=_scenario_item(saved),
                ConditionExpression="version = :expected",
                ExpressionAttributeValues={":expected": expected_version},
            )
        except self._gateway.condition_failed:
            current = self.load_scenario(scenario.scenario_id)
            raise ScenarioEditConflict(expected_version, current.version if current else 0) from None
        return saved

    # Enrolments

    def enrolment(self, scenario_id: str, user_id: str) -> Enrolment | None:
        item = self._gateway.get(scenario_enrolment_key(scenario_id, user_id))
        return Enrolment.model_validate(item) if item else None

    def enrolments(self, scenario_id: str) -> list[Enrolment]:
        items = self._gateway.query(
            KeyConditionExpression=Key("pk").eq(scenario_enrolment_key(scenario_id, "")["pk"])
            & Key("sk").begins_with("ENROL#"),
            ConsistentRead=True,
        )
        return [Enrolment.model_validate(item) for item in items]

    def start_enrolment(self, enrolment: Enrolment, previous_entry: int | None) -> bool:
        if previous_entry is None:
            condition: dict[str, Any] = {"ConditionExpression": "attribute_not_exists(pk)"}
        else:
            condition = {
                "ConditionExpression": "entry = :previous",
                "ExpressionAttributeValues": {":previous": previous_entry},
            }
        transaction = [
            {"Put": {"Item": _enrolment_item(enrolment), **condition}},
            self._due_put(enrolment, enrolment.enrolled_at),
            self._count(scenario_results_key(enrolment.scenario_id), "enrolled"),
        ]
        return self._gateway.transact(transaction) is None

    def move_on(
        self,
        enrolment: Enrolment,
        step_id: str,
        outcome: StepOutcome,
        following: Enrolment,
        now: datetime,
    ) -> bool:
        transaction = [
            {"Put": {"Item": _enrolment_item(following), **_still_at(enrolment, step_id)}},
            self._count(scenario_step_results_key(enrolment.scenario_id, step_id), outcome.value),
        ]
        if following.status is EnrolmentStatus.ACTIVE:
            transaction.append(self._due_put(following, now))
        elif following.status is EnrolmentStatus.FINISHED:
            transaction.append(self._count(scenario_results_key(enrolment.scenario_id), "finished"))
        elif following.stop_reason is not None:
            transaction.append(
                self._count(scenario_results_key(enrolment.scenario_id), f"stopped_{following.stop_reason}")
            )
        return self._gateway.transact(transaction, conflict_attempts=3) is None

    def wait(self, enrolment: Enrolment, until: datetime, outcome: StepOutcome) -> bool:
        assert enrolment.next_step_id is not None
        waiting = enrolment.model_copy(update={"wait_until": until})
        transaction = [
            {"Put": {"Item": _enrolment_item(waiting), **_still_at(enrolment, enrolment.next_step_id)}},
            self._due_put(waiting, until),
        ]
        if outcome in (StepOutcome.CAPPED, StepOutcome.WAITING):
            key = scenario_step_results_key(enrolment.scenario_id, enrolment.next_step_id)
            transaction.append(self._count(key, outcome.value))
        return self._gateway.transact(transaction, conflict_attempts=3) is None

    def stop(self, enrolment: Enrolment, reason: StopReason, at: datetime) -> bool:
        stopped = enrolment.model_copy(
            update={
                "status": EnrolmentStatus.STOPPED,
                "stop_reason": reason,
                "ended_at": at,
                "next_due": None,
                "wait_until": None,
            }
        )
        condition = {
            "ConditionExpression": "entry = :entry AND #status = :active",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": {":entry": enrolment.entry, ":active": EnrolmentStatus.ACTIVE.value},
        }
        transaction = [
            {"Put": {"Item": _enrolment_item(stopped), **condition}},
            self._count(scenario_results_key(enrolment.scenario_id), f"stopped_{reason.value}"),
        ]
        return self._gateway.transact(transaction, conflict_attempts=3) is None

    def count_block(self, scenario_id: str, step_id: str) -> None:
        self._gateway.update_retrying_conflicts(
            self._count(scenario_step_results_key(scenario_id, step_id), "blocks_within_7_days")["Update"]
        )

    # Results

    def results(self, scenario_id: str) -> tuple[dict[str, int], dict[str, dict[str, int]]]:
        """(the scenario's counters, each step's counters by step id)."""
        items = self._gateway.query(
            KeyConditionExpression=Key("pk").eq(scenario_results_key(scenario_id)["pk"])
            & Key("sk").begins_with("RESULTS"),
            ConsistentRead=True,
        )
        totals: dict[str, int] = dict.fromkeys(SCENARIO_COUNTERS, 0)
        steps: dict[str, dict[str, int]] = {}
        for item in items:
            counters = {k: int(v) for k, v in item.items() if k not in ("pk", "sk", "scenario_id", "step_id")}
            if item["sk"] == "RESULTS":
                totals.update(counters)
            else:
                steps[item["sk"].removeprefix("RESULTS#")] = {**dict.fromkeys(STEP_COUNTERS, 0), **counters}
        return totals, steps

    # The schedule

    def take_due(self, now: datetime) -> list[DueStep]:
        cursor_item = self._gateway.get(SCENARIO_SCHEDULE_CURSOR.key())
        self.items_read += 1
        # A cursor ahead of now: the local stack's clock was put back; read from now again.
        since = (
            min(datetime.fromisoformat(cursor_item["at"]), now) - LOOKBACK
            if cursor_item
            else now - FIRST_LOOKBACK
        )
        found: list[dict[str, Any]] = []
        day = since.astimezone(UTC).date()
        while day <= now.astimezone(UTC).date():
            for shard in range(DUE_SHARDS):
                self.queries += 1
                found.extend(
                    self._gateway.query(
                        KeyConditionExpression=Key("pk").eq(scenario_due_partition(day, shard))
                        & Key("sk").between(sortable_utc(since), sortable_utc(now) + "~"),
                        ConsistentRead=True,
                    )
                )
            day += timedelta(days=1)
        self.items_read += len(found)
        due = [_due_step(item) for item in found]
        with self._gateway.batch_writer() as batch:
            for item in found:
                batch.delete_item(Key={"pk": item["pk"], "sk": item["sk"]})
        self._gateway.put({**SCENARIO_SCHEDULE_CURSOR.key(), "at": now.astimezone(UTC).isoformat()})
        return due

    # What the worker reads of the shop and the member

    def member(self, user_id: str) -> Member | None:
        return self._members.find_member(user_id)

    def quiet_hours(self) -> QuietHours:
        item = self._gateway.get(MESSAGING_RULES.key(), consistent=False) or {}
        if "quiet_hours" not in item:
            return QuietHours()
        return QuietHours.model_validate(item["quiet_hours"])

    def note_quota_wait(self, at: datetime) -> bool:
        values = {":at": at.astimezone(UTC).isoformat()}
        began = self._gateway.update(
            MESSAGING_RULES.key(),
            "SET quota_wait_since = :at, quota_wait_last = :at",
            condition="attribute_not_exists(quota_wait_since)",
            values=values,
        )
        if not began:
            self._gateway.update(MESSAGING_RULES.key(), "SET quota_wait_last = :at", values=values)
        return began

    def quota_wait(self) -> dict[str, str] | None:
        """Since when (and till when last) scenario steps wait for the month's quota; None: they do not."""
        item = self._gateway.get(MESSAGING_RULES.key(), consistent=False) or {}
        if "quota_wait_since" not in item:
            return None
        return {"since": str(item["quota_wait_since"]), "last": str(item.get("quota_wait_last", ""))}

    def end_quota_wait(self) -> None:
        self._gateway.update(
            MESSAGING_RULES.key(),
            "REMOVE quota_wait_since, quota_wait_last",
            condition="attribute_exists(quota_wait_since)",
        )

    def set_scenario_tags(self, user_id: str, add: tuple[str, ...], remove: tuple[str, ...]) -> None:
        """A step's tag actions: the member's tag set and its TAG# items (the tag index); idempotent."""
        for tag in add:
            self._gateway.transact(
                [
                    {"Update": update_request(member_key(user_id), "ADD tags :tag", values={":tag": {tag}})},
                    {"Put": {"Item": {**tag_key(user_id, tag), "tag": tag, "user_id": user_id}}},
                ],
                conflict_attempts=3,
            )
        for tag in remove:
            self._gateway.transact(
                [
                    {
                        "Update": update_request(
                            member_key(user_id), "DELETE tags :tag", values={":tag": {tag}}
                        )
                    },
                    {"Delete": {"Key": tag_key(user_id, tag)}},
                ],
                conflict_attempts=3,
            )

    # A sent step's actions

    def load_coupon_template(self, template_id: str) -> CouponTemplateRecord | None:
        return self._coupons.load_template(template_id)

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        return self._coupons.grant_coupon(user_id, coupon)

    def rich_menu_ids(self) -> dict[str, str]:
        menus = ShopConfigRepository(self._gateway).load_shop_config().rich_menus
        kinds = ("pre_registration", "member", "guest_card")
        return {kind: menu_id for kind in kinds if (menu_id := getattr(menus, kind))}

    # Pieces of transactions

    def _due_put(self, enrolment: Enrolment, now: datetime) -> dict[str, Any]:
        assert enrolment.next_step_id is not None
        due = max(enrolment.send_due or now, now)
        key = scenario_due_key(
            due, shard_of(enrolment.user_id), enrolment.scenario_id, enrolment.user_id, enrolment.entry
        )
        return {"Put": {"Item": {**key, "step_id": enrolment.next_step_id}}}

    @staticmethod
    def _count(key: dict[str, str], counter: str) -> dict[str, Any]:
        return {
            "Update": update_request(
                key, "ADD #counter :one", names={"#counter": counter}, values={":one": 1}
            )
        }


def _due_step(item: dict[str, Any]) -> DueStep:
    """The due step an item stands for (its sort key says when, which scenario, who, which entry)."""
    due, scenario_id, user_id, entry = str(item["sk"]).split("#")
    return DueStep(
        scenario_id=scenario_id,
        user_id=user_id,
        entry=int(entry),
        step_id=str(item["step_id"]),
        due=datetime.strptime(due, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=UTC),
    )


def _still_at(enrolment: Enrolment, step_id: str) -> dict[str, Any]:
    """The condition that the stored enrolment is this entry, active, at `step_id`."""
    return {
        "ConditionExpression": "entry = :entry AND #status = :active AND next_step_id = :step",
        "ExpressionAttributeNames": {"#status": "status"},
        "ExpressionAttributeValues": {
            ":entry": enrolment.entry,
            ":active": EnrolmentStatus.ACTIVE.value,
            ":step": step_id,
        },
    }


def _enrolment_item(enrolment: Enrolment) -> dict[str, Any]:
    fields = {k: v for k, v in enrolment.model_dump(mode="json").items() if v is not None}
    return {**scenario_enrolment_key(enrolment.scenario_id, enrolment.user_id), **fields}


def _scenario_item(scenario: Scenario) -> dict[str, Any]:
    return {
        **scenario_key(scenario.scenario_id),
        "scenario": scenario.model_dump(mode="json", exclude={"version", "status"}),
        "version": scenario.version,
        "status": scenario.status.value,
    }


def _scenario(item: dict[str, Any]) -> Scenario:
    return Scenario.model_validate(
        {**item["scenario"], "version": int(item["version"]), "status": ScenarioStatus(item["status"])}
    )
