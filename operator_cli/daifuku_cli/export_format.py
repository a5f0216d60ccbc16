"""The export format: every kind of table item, its key pattern, its CSV file and its typed columns.

This registry is the one place that says what `daifuku export` writes and `daifuku import` reads.
An item no kind claims makes the export fail, listing its key pattern, and so does an attribute no
column declares or a value of a type its column does not declare: a new kind of item (or a new
attribute) cannot be left behind silently, and the round-trip test finds it.

A row is one item. Key fields (`{user_id}` in `USER#{user_id}`) are columns; a cell's text depends
on its column's type, so that import gives back exactly the values exported:

| type | cell |
| --- | --- |
| text | the text; `null` for NULL; a JSON string for "", `null`, and text starting with `"` = + - @ |
| number | the number as DynamoDB holds it (`12`, `1.5`) |
| bool | `true` or `false` |
| string_set, number_set | a JSON array, sorted |
| json | JSON: maps and lists, numbers exact, `null` |

An empty cell is an absent attribute, in every type. Pure functions: no boto3 here.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from typing import Any

from daifuku.adapters.dynamodb import keys
from daifuku.domain.scenario_engine import SCENARIO_COUNTERS, STEP_COUNTERS

SCHEMA_VERSION = 1
EXPORT_FORMAT = "daifuku-export"
MANIFEST_FILE = "manifest.json"
PERSONAL_FILE_KIND_COLUMN = "file"
# Excel in Japan opens a CSV as Shift_JIS unless it starts with a byte-order mark.
CSV_ENCODING = "utf-8-sig"


class ExportFormatError(Exception):
    """The table or the files hold something the registry cannot write or read back exactly."""


class ColumnType(StrEnum):
    TEXT = "text"
    NUMBER = "number"
    BOOL = "bool"
    STRING_SET = "string_set"
    NUMBER_SET = "number_set"
    JSON = "json"


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = ColumnType.TEXT
    # Written only to the operator's --personal-data file, never to the kind's own CSV.
    personal: bool = False
    # A key field that is not also stored as an attribute of the item.
    key_only: bool = False


def text(name: str, **options: Any) -> Column:
    return Column(name, ColumnType.TEXT, **options)


def number(name: str) -> Column:
    return Column(name, ColumnType.NUMBER)


def flag(name: str) -> Column:
    return Column(name, ColumnType.BOOL)


def key_only(name: str) -> Column:
    return Column(name, ColumnType.TEXT, key_only=True)


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


@dataclass(frozen=True)
class KeyTemplate:
    """`USER#{user_id}`: matches keys, reads their fields, and builds the key back from them."""

    template: str

    @property
    def fields(self) -> tuple[str, ...]:
        return tuple(_PLACEHOLDER.findall(self.template))

    @property
    def _pattern(self) -> re.Pattern[str]:
        parts = _PLACEHOLDER.split(self.template)
        regex = "".join(f"(?P<{part}>.+?)" if n % 2 else re.escape(part) for n, part in enumerate(parts))
        return re.compile(f"^{regex}$", re.DOTALL)

    def read(self, key: str) -> dict[str, str] | None:
        found = self._pattern.match(key)
        return dict(found.groupdict()) if found else None

    def build(self, fields: Mapping[str, str]) -> str:
        return _PLACEHOLDER.sub(lambda m: fields[m.group(1)], self.template)


@dataclass(frozen=True)
class ItemKind:
    """One kind of item: its key pattern, its CSV file and its columns (key fields first)."""

    name: str
    description: str
    pk: str
    sk: str
    columns: tuple[Column, ...] = ()
    # Transient items (webhook-event markers, rate allowances) are claimed, so they are not unknown,
    # but neither exported nor imported.
    transient: bool = False

    @property
    def file_name(self) -> str:
        return f"{self.name}.csv"

    @property
    def key_fields(self) -> tuple[str, ...]:
        return KeyTemplate(self.pk).fields + KeyTemplate(self.sk).fields

    @property
    def csv_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if not column.personal)

    @property
    def personal_columns(self) -> tuple[Column, ...]:
        return tuple(column for column in self.columns if column.personal)

    @property
    def identity(self) -> tuple[str, ...]:
        """The columns that tell this kind's rows apart in its own CSV (its non-personal key fields)."""
        personal = {column.name for column in self.personal_columns}
        return tuple(name for name in self.key_fields if name not in personal)

    def claims(self, item: Mapping[str, Any]) -> dict[str, str] | None:
        pk_fields = KeyTemplate(self.pk).read(str(item["pk"]))
        sk_fields = KeyTemplate(self.sk).read(str(item["sk"]))
        if pk_fields is None or sk_fields is None:
            return None
        return pk_fields | sk_fields

    def row_of(self, item: Mapping[str, Any]) -> dict[str, str]:
        """Every column's cell (personal ones too) for an item this kind claims."""
        key_values = self.claims(item)
        assert key_values is not None
        if KeyTemplate(self.pk).build(key_values) != item["pk"] or (
            KeyTemplate(self.sk).build(key_values) != item["sk"]
        ):
            raise ExportFormatError(f"{self.name}: the key {key_pattern(item)} cannot be rebuilt")
        declared = {column.name for column in self.columns if not column.key_only}
        undeclared = sorted(set(item) - declared - {"pk", "sk"})
        if undeclared:
            raise ExportFormatError(
                f"{self.name}: attributes no column declares: {', '.join(undeclared)} "
                f"(an item {key_pattern(item)}); add them to daifuku_cli/export_format.py"
            )
        row: dict[str, str] = {}
        for column in self.columns:
            if column.name in key_values:
                if not column.key_only and item.get(column.name) != key_values[column.name]:
                    raise ExportFormatError(
                        f"{self.name}: attribute {column.name} differs from the key {key_pattern(item)}"
                    )
                row[column.name] = encode_cell(key_values[column.name], ColumnType.TEXT)
            elif column.name in item:
                try:
                    row[column.name] = encode_cell(item[column.name], column.type)
                except ExportFormatError as error:
                    raise ExportFormatError(f"{self.name}.{column.name}: {error}") from None
            else:
                row[column.name] = ""
        return row

    def item_of(self, row: Mapping[str, str]) -> dict[str, Any]:
        """The item a row stands for (the inverse of row_of)."""
        key_values = {name: decode_cell(row.get(name, ""), ColumnType.TEXT) for name in self.key_fields}
        missing = [name for name, value in key_values.items() if not isinstance(value, str)]
        if missing:
            raise ExportFormatError(f"{self.name}: key column(s) left empty: {', '.join(missing)}")
        item: dict[str, Any] = {
            "pk": KeyTemplate(self.pk).build(key_values),
            "sk": KeyTemplate(self.sk).build(key_values),
        }
        for column in self.columns:
            if column.key_only:
                continue
            value = decode_cell(row.get(column.name, ""), column.type)
            if value is not ABSENT:
                item[column.name] = value
        return item


# The cells

ABSENT: Any = type("Absent", (), {"__repr__": lambda self: "ABSENT"})()
# Text starting like this is written as a JSON string: `"` itself, and what Excel would run as a
# formula (a LINE display name is whatever the customer typed, "=HYPERLINK(…)" included).
QUOTED_TEXT_STARTS = ('"', "=", "+", "-", "@", "\t", "\r")


def encode_cell(value: Any, column_type: ColumnType) -> str:
    """The cell for `value` in a column of `column_type`; ExportFormatError for any other type."""
    if value is None:
        return "null"
    if column_type is ColumnType.TEXT and isinstance(value, str):
        if value in ("", "null") or value.startswith(QUOTED_TEXT_STARTS):
            return json.dumps(value, ensure_ascii=False)
        return value
    if column_type is ColumnType.NUMBER and isinstance(value, Decimal):
        return str(value)
    if column_type is ColumnType.BOOL and isinstance(value, bool):
        return "true" if value else "false"
    if column_type is ColumnType.STRING_SET and _set_of(value, str):
        return _json(sorted(value))
    if column_type is ColumnType.NUMBER_SET and _set_of(value, Decimal):
        return _json(sorted(value))
    if column_type is ColumnType.JSON and isinstance(value, dict | list | str | bool | Decimal):
        return _json(value)
    raise ExportFormatError(f"a {type(value).__name__} value in a {column_type} column")


def decode_cell(cell: str, column_type: ColumnType) -> Any:
    """The value a cell stands for; ABSENT for an empty cell."""
    if cell == "":
        return ABSENT
    if cell == "null":
        return None
    try:
        if column_type is ColumnType.TEXT:
            if cell.startswith('"'):
                decoded = json.loads(cell)
                if not isinstance(decoded, str):
                    raise ValueError("not a JSON string")
                return decoded
            return cell
        if column_type is ColumnType.NUMBER:
            return Decimal(cell)
        if column_type is ColumnType.BOOL:
            return {"true": True, "false": False}[cell]
        loaded = json.loads(cell, parse_float=Decimal, parse_int=Decimal)
        if column_type is ColumnType.STRING_SET:
            if not isinstance(loaded, list) or not all(isinstance(v, str) for v in loaded):
                raise ValueError("not a list of texts")
            return set(loaded)
        if column_type is ColumnType.NUMBER_SET:
            if not isinstance(loaded, list) or not all(isinstance(v, Decimal) for v in loaded):
                raise ValueError("not a list of numbers")
            return set(loaded)
        return loaded
    except (ValueError, KeyError, ArithmeticError) as error:
        raise ExportFormatError(f"{cell[:40]!r} is not a {column_type} cell ({error})") from None


def _set_of(value: Any, member_type: type) -> bool:
    return isinstance(value, set | frozenset) and all(isinstance(v, member_type) for v in value)


def _json(value: Any) -> str:
    return json.dumps(_jsonable(value), ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _jsonable(value: Any) -> Any:
    if isinstance(value, Decimal):
        if value == value.to_integral_value():
            return int(value)
        as_float = float(value)
        if Decimal(repr(as_float)) != value:
            raise ExportFormatError(f"the number {value} does not survive JSON")
        return as_float
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, str | bool) or value is None:
        return value
    raise ExportFormatError(f"a {type(value).__name__} inside a JSON column")


# The registry: every kind of item in the table

MEMBER_PERSONAL = (
    text("name", personal=True),
    text("name_kana", personal=True),
    text("birthdate", personal=True),
    text("birth_month", personal=True),  # derived from the birthdate (the birth-month index)
    text("phone", personal=True),
    text("phone_last4", personal=True),  # derived from the phone (staff search)
    text("email", personal=True),
    text("gender", personal=True),
    Column("custom_fields", ColumnType.JSON, personal=True),
)

ITEM_KINDS: tuple[ItemKind, ...] = (
    ItemKind(
        "shop",
        "the shop's configuration (JSON)",
        pk=keys.SHOP.pk,
        sk=keys.SHOP.sk,
        columns=(Column("config", ColumnType.JSON),),
    ),
    ItemKind(
        "staff",
        "staff members and their role (who added them by invitation, when, and their LINE name then)",
        pk=keys.STAFF.pk,
        sk=keys.STAFF.sk,
        columns=(
            key_only("user_id"),
            text("role"),
            text("added_at"),
            text("added_by"),
            text("display_name"),
        ),
    ),
    ItemKind(
        "members",
        "every LINE user: friends, guests, registered members, deleted tombstones; flags, tags, points",
        pk=keys.MEMBER.pk,
        sk=keys.MEMBER.sk,
        columns=(
            text("user_id"),
            text("status"),
            text("member_no"),
            text("display_name"),
            text("picture_url"),
            text("status_message"),
            text("language"),
            flag("profile_pending"),
            text("first_followed_at"),
            text("followed_at"),
            flag("blocked"),
            text("blocked_at"),
            flag("is_unblocked"),
            number("follow_state_ms"),
            text("last_interaction_at"),
            text("last_interaction_kind"),
            text("member_since"),
            text("registered_at"),
            text("profile_updated_at"),
            text("legacy_claimed_at"),
            text("deleted_at"),
            flag("rich_menu_pending"),
            text("store_id"),
            Column("tags", ColumnType.STRING_SET),
            text("last_visit_on"),
            text("first_route"),  # inflow routes: the first touch, the latest and when
            text("latest_route"),
            text("latest_route_at"),
            number("points"),
            text("rank"),
            flag("do_not_send"),
            text("do_not_send_reason"),
            flag("complaint_hold"),
            text("complaint_hold_reason"),
            flag("registration_counted"),
            *MEMBER_PERSONAL,
        ),
    ),
    ItemKind(
        "tags",
        "one row per member and tag (the tag index)",
        pk=keys.TAG.pk,
        sk=keys.TAG.sk,
        columns=(text("user_id"), text("tag")),
    ),
    ItemKind(
        "coupons",
        "coupons members hold, used or not",
        pk=keys.COUPON.pk,
        sk=keys.COUPON.sk,
        columns=(
            key_only("user_id"),
            text("coupon_id"),
            text("title"),
            text("description"),
            text("issued_at"),
            text("expires_on"),
            text("used_at"),
            text("used_by"),
            text("reminded_at"),
            text("template_id"),
            text("discount_text"),
            text("image_url"),
            text("claimed_with"),
        ),
    ),
    ItemKind(
        "coupon_templates",
        "the coupons staff define (issued, claimed from the poster, bought with points)",
        pk=keys.COUPON_TEMPLATE.pk,
        sk=keys.COUPON_TEMPLATE.sk,
        columns=(
            text("template_id"),
            text("title"),
            text("description"),
            text("discount_text"),
            text("image_url"),
            number("valid_days"),
            number("points_cost"),
            text("created_at"),
        ),
    ),
    ItemKind(
        "visits",
        "visits recorded at the counter",
        pk=keys.VISIT.pk,
        sk=keys.VISIT.sk,
        columns=(
            key_only("user_id"),
            key_only("visited_key"),
            text("visit_id"),
            text("visited_at"),
            text("store_id"),
            number("points_added"),
            number("amount_yen"),
            text("by"),
        ),
    ),
    ItemKind(
        "points_ledger",
        "every change of a member's points (the member's points are their sum)",
        pk=keys.LEDGER_ENTRY.pk,
        sk=keys.LEDGER_ENTRY.sk,
        columns=(
            key_only("user_id"),
            text("entry_id"),
            text("kind"),
            number("delta"),
            text("at"),
            text("reason"),
            text("by"),
            text("request_fingerprint"),  # a digest of the request: a reused retry key is refused
        ),
    ),
    ItemKind(
        "memos",
        "staff memos about a member (the text is personal data: staff write what customers tell them)",
        pk=keys.MEMO.pk,
        sk=keys.MEMO.sk,
        columns=(
            key_only("user_id"),
            key_only("memo_key"),
            text("memo_id"),
            text("kind"),
            text("at"),
            text("by"),
            text("text", personal=True),
        ),
    ),
    ItemKind(
        "interactions",
        "messages and postbacks from members (the text is personal data)",
        pk=keys.INTERACTION.pk,
        sk=keys.INTERACTION.sk,
        columns=(
            key_only("user_id"),
            key_only("at"),
            text("webhook_event_id"),
            text("kind"),
            text("text", personal=True),
        ),
    ),
    ItemKind(
        "member_numbers",
        "every member number ever issued or imported, and who holds it",
        pk=keys.MEMBER_NUMBER.pk,
        sk=keys.MEMBER_NUMBER.sk,
        columns=(
            text("member_no"),
            text("user_id"),
            text("status"),
            text("issued_at"),
            text("imported_at"),
            text("claimed_at"),
            text("replaced_by"),
            text("deleted_at"),
        ),
    ),
    ItemKind(
        "member_number_counter",
        "the last member number issued (import continues the numbering from it), the numbers reserved "
        "and not yet completed, and spare numbers the next registrations take",
        pk=keys.MEMBER_NUMBER_COUNTER.pk,
        sk=keys.MEMBER_NUMBER_COUNTER.sk,
        columns=(
            number("last_sequence"),
            Column(keys.MEMBER_NUMBER_RESERVATIONS_ATTRIBUTE, ColumnType.JSON),
            Column(keys.MEMBER_NUMBER_SPARES_ATTRIBUTE, ColumnType.JSON),
        ),
    ),
    ItemKind(
        "legacy_members",
        "members imported from before Daifuku, not yet claimed (phone and birthdate are personal data)",
        pk=keys.LEGACY_MEMBER.pk,
        sk=keys.LEGACY_MEMBER.sk,
        columns=(
            text("member_no"),
            text("imported_at"),
            text("phone", personal=True),
            text("birthdate", personal=True),
            text("name", personal=True),
        ),
    ),
    ItemKind(
        "campaigns",
        "campaigns (their definition as JSON) and their progress counters",
        pk=keys.CAMPAIGN.pk,
        sk=keys.CAMPAIGN.sk,
        columns=(
            key_only("campaign_id"),
            Column("campaign", ColumnType.JSON),
            text("status_reason"),
            text("planned_at"),
            flag("used_scan"),
            number("message_cost"),
            number("planned"),
            number("batches_planned"),
            Column("finished_batches", ColumnType.NUMBER_SET),
            number("recipients_finished"),
            number("sent"),
            number("failed"),
            number("skipped_by_flag"),
            number("paused"),
            number("capped"),
            number("blocks_within_7_days"),
            number("visits_within_7_days"),  # the campaign funnel (domain/campaign_funnel.py)
            number("coupons_used"),
            number("winner_variant"),  # an A/B test's follow-up: the variant it sent
        ),
    ),
    ItemKind(
        "campaign_batches",
        "who was in each planned batch of a campaign",
        pk=keys.CAMPAIGN_BATCH.pk,
        sk=keys.CAMPAIGN_BATCH.sk,
        columns=(key_only("campaign_id"), key_only("batch_no"), Column("user_ids", ColumnType.JSON)),
    ),
    ItemKind(
        "campaign_sends",
        "what happened to each recipient of a campaign",
        pk=keys.CAMPAIGN_SEND.pk,
        sk=keys.CAMPAIGN_SEND.sk,
        columns=(
            key_only("campaign_id"),
            key_only("user_id"),
            text("user_id_sent"),
            number("batch_no"),
            text("outcome"),
            text("at"),
            text("blocked_after_at"),
            text("visited_after_at"),
        ),
    ),
    ItemKind(
        "campaign_holdouts",
        "an A/B test's recipients held for its winner",
        pk=keys.CAMPAIGN_HOLDOUT.pk,
        sk=keys.CAMPAIGN_HOLDOUT.sk,
        columns=(key_only("campaign_id"), key_only("chunk"), Column("user_ids", ColumnType.JSON)),
    ),
    ItemKind(
        "campaign_log",
        "campaigns by start time",
        pk=keys.CAMPAIGN_LOG.pk,
        sk=keys.CAMPAIGN_LOG.sk,
        columns=(key_only("started_at"), text("campaign_id")),
    ),
    ItemKind(
        "tracked_links",
        "the URLs sent as tracked links, by send, with their click tag",
        pk=keys.TRACKED_LINK.pk,
        sk=keys.TRACKED_LINK.sk,
        columns=(
            key_only("link_id"),
            text("url"),
            text("source"),
            text("click_tag"),
            text("click_scenario_id"),  # the scenario a first click starts
        ),
    ),
    ItemKind(
        "link_clicks",
        "each recipient's first click on a tracked link",
        pk=keys.LINK_CLICK.pk,
        sk=keys.LINK_CLICK.sk,
        columns=(key_only("link_id"), key_only("user_id"), text("user_id_clicked"), text("at")),
    ),
    ItemKind(
        "inflow_routes",
        "inflow routes (流入経路): name and what an entry does",
        pk=keys.ROUTE.pk,
        sk=keys.ROUTE.sk,
        columns=(
            key_only("route_id"),
            text("name"),
            text("tag"),
            text("coupon_template_id"),
            text("scenario_id"),  # the scenario an entry starts
            text("action_timing"),
            text("created_at"),
        ),
    ),
    ItemKind(
        "inflow_route_names",
        "inflow route names, each held by one route",
        pk=keys.ROUTE_NAME.pk,
        sk=keys.ROUTE_NAME.sk,
        columns=(key_only("name"), text("route_id")),
    ),
    ItemKind(
        "inflow_route_days",
        "each inflow route's figures per shop day",
        pk=keys.ROUTE_DAY.pk,
        sk=keys.ROUTE_DAY.sk,
        columns=(
            key_only("route_id"),
            key_only("day"),
            number("opens"),
            number("new_friends"),
            number("registrations"),
            number("first_visits"),
            number("second_visits"),
            number("blocks"),
        ),
    ),
    ItemKind(
        "inflow_route_visitors",
        "who entered through each inflow route: first and latest entry, entries",
        pk=keys.ROUTE_VISITOR.pk,
        sk=keys.ROUTE_VISITOR.sk,
        columns=(
            key_only("route_id"),
            key_only("user_id"),
            text("first_entered_at"),
            text("latest_entered_at"),
            number("entries"),
        ),
    ),
    ItemKind(
        "inflow_route_entries",
        "every entry of a user through an inflow route",
        pk=keys.ROUTE_ENTRY.pk,
        sk=keys.ROUTE_ENTRY.sk,
        columns=(key_only("user_id"), text("at"), text("route_id")),
    ),
    ItemKind(
        "audit",
        "what staff did: who, what, to which user id",
        pk=keys.AUDIT.pk,
        sk=keys.AUDIT.sk,
        columns=(
            key_only("audit_key"),
            key_only("audit_id"),
            text("at"),
            text("actor_user_id"),
            text("action"),
            text("target_user_id"),
            Column("detail", ColumnType.JSON),
        ),
    ),
    ItemKind(
        "daily_stats",
        "the dashboard's counts per day (shop time)",
        pk=keys.DAILY_STATS.pk,
        sk=keys.DAILY_STATS.sk,
        columns=(key_only("day"), number("friends_added"), number("blocks"), number("registrations")),
    ),
    ItemKind(
        "totals",
        "the dashboard's running totals",
        pk=keys.TOTALS.pk,
        sk=keys.TOTALS.sk,
        columns=(number("friends"), number("members"), number("blocked")),
    ),
    # Connect (設定 → 連携)
    ItemKind(
        "connect_forwarding",
        "where LINE's webhook requests are forwarded (the shop's other LINE tool), and the silent switch",
        pk=keys.CONNECT_FORWARDING.pk,
        sk=keys.CONNECT_FORWARDING.sk,
        columns=(Column("forwarding", ColumnType.JSON),),
    ),
    ItemKind(
        "event_endpoints",
        "the outgoing-event endpoints: URL, events, scope and signing secret (JSON)",
        pk=keys.EVENT_ENDPOINT.pk,
        sk=keys.EVENT_ENDPOINT.sk,
        columns=(key_only("endpoint_id"), Column("endpoint", ColumnType.JSON)),
    ),
    ItemKind(
        "connect_deliveries",
        "each attempt to deliver an outgoing event or a forwarded webhook (expire after 30 days)",
        pk=keys.DELIVERY_ATTEMPT.pk,
        sk=keys.DELIVERY_ATTEMPT.sk,
        transient=True,
    ),
    ItemKind(
        "api_keys",
        "the partner API's keys: name, scopes, calls per minute, created, last used, revoked (only the "
        "SHA-256 of each key: a restored shop's POS keeps its key)",
        pk=keys.API_KEY.pk,
        sk=keys.API_KEY.sk,
        columns=(
            key_only("key_id"),
            text("name"),
            Column("scopes", ColumnType.JSON),
            text("key_hash"),
            text("created_at"),
            text("created_by"),
            number("calls_per_minute"),
            text("last_used_at"),
            text("revoked_at"),
        ),
    ),
    ItemKind(
        "receipts",
        "POS receipts that earned points (whose, the amount, the store, which key, by API or QR)",
        pk=keys.RECEIPT.pk,
        sk=keys.RECEIPT.sk,
        columns=(
            text("receipt_id"),
            text("user_id"),
            number("amount_yen"),
            text("store_id"),
            text("at"),
            text("by"),
            text("via"),
        ),
    ),
    ItemKind(
        "scenarios",
        "scenarios (their definition as JSON), their status and version",
        pk=keys.SCENARIO.pk,
        sk=keys.SCENARIO.sk,
        columns=(
            key_only("scenario_id"),
            Column("scenario", ColumnType.JSON),
            number("version"),
            text("status"),
        ),
    ),
    ItemKind(
        "scenario_enrolments",
        "each member's way through each scenario: entry, next step and when, why it stopped",
        pk=keys.SCENARIO_ENROLMENT.pk,
        sk=keys.SCENARIO_ENROLMENT.sk,
        columns=(
            text("scenario_id"),
            text("user_id"),
            number("entry"),
            text("status"),
            text("enrolled_at"),
            text("next_step_id"),
            text("next_due"),
            text("wait_until"),
            text("done_step_id"),
            text("last_sent_step_id"),
            text("last_sent_at"),
            text("stop_reason"),
            text("ended_at"),
        ),
    ),
    ItemKind(
        "scenario_results",
        "each scenario's results: enrolled, finished, stopped by each condition",
        pk=keys.SCENARIO_RESULTS.pk,
        sk=keys.SCENARIO_RESULTS.sk,
        columns=(key_only("scenario_id"), *(number(name) for name in SCENARIO_COUNTERS)),
    ),
    ItemKind(
        "scenario_step_results",
        "each scenario step's results: sent, skipped, capped, failed, blocks within 7 days",
        pk=keys.SCENARIO_STEP_RESULTS.pk,
        sk=keys.SCENARIO_STEP_RESULTS.sk,
        columns=(
            key_only("scenario_id"),
            key_only("step_id"),
            *(number(name) for name in STEP_COUNTERS),
        ),
    ),
    ItemKind(
        "scenario_due_steps",
        "scenario steps waiting to be sent, by when they are due",
        pk=keys.SCENARIO_DUE.pk,
        sk=keys.SCENARIO_DUE.sk,
        columns=(
            key_only("day"),
            key_only("shard"),
            key_only("due"),
            key_only("scenario_id"),
            key_only("user_id"),
            key_only("entry"),
            text("step_id"),
        ),
    ),
    ItemKind(
        "scenario_schedule",
        "how far the scenario schedule has taken due steps",
        pk=keys.SCENARIO_SCHEDULE_CURSOR.pk,
        sk=keys.SCENARIO_SCHEDULE_CURSOR.sk,
        columns=(text("at"),),
    ),
    ItemKind(
        "messaging_rules",
        "the shop's send rules: quiet hours, the weekly frequency cap, and when steps waited for quota",
        pk=keys.MESSAGING_RULES.pk,
        sk=keys.MESSAGING_RULES.sk,
        columns=(
            Column("quiet_hours", ColumnType.JSON),
            Column("frequency_cap", ColumnType.JSON),
            text("quota_wait_since"),
            text("quota_wait_last"),
        ),
    ),
    ItemKind(
        "push_logs",
        "when each member was pushed to in the last 7 days (the frequency cap)",
        pk=keys.PUSH_LOG.pk,
        sk=keys.PUSH_LOG.sk,
        columns=(key_only("user_id"), Column("pushed_at", ColumnType.JSON)),
    ),
    ItemKind(
        "webhook_events",
        "processed webhook event ids, kept 7 days against LINE's redeliveries",
        pk=keys.WEBHOOK_EVENT.pk,
        sk=keys.WEBHOOK_EVENT.sk,
        transient=True,
    ),
    ItemKind(
        "staff_invitations",
        "one-time staff invitation links, valid 24 hours (expire after two days)",
        pk=keys.INVITATION.pk,
        sk=keys.INVITATION.sk,
        transient=True,
    ),
    # Conversations (the inbox and the auto-replies)
    ItemKind(
        "conversations",
        "each customer's conversation: latest message (its first words are personal data), unread count, "
        "needs reply",
        pk=keys.CONVERSATION.pk,
        sk=keys.CONVERSATION.sk,
        columns=(
            text("user_id"),
            text("last_message_at"),
            text("last_direction"),
            number("unread_count"),
            flag("needs_reply"),
            text("member_no"),
            number("expires_at"),
            text("inbox"),
            text("inbox_at"),
            text("last_message_preview", personal=True),
            text("display_name", personal=True),
            text("mark_as_read_token", personal=True),
        ),
    ),
    ItemKind(
        "messages",
        "messages both ways, kept for the shop's retention period (texts are personal data)",
        pk=keys.MESSAGE.pk,
        sk=keys.MESSAGE.sk,
        columns=(
            text("user_id"),
            text("at"),
            text("message_key"),
            text("webhook_event_id"),
            text("direction"),
            text("kind"),
            text("line_message_id"),
            text("sticker_package_id"),
            text("sticker_id"),
            text("image_key"),
            text("sent_by"),
            text("sent_by_label"),
            number("expires_at"),
            text("text", personal=True),
        ),
    ),
    ItemKind(
        "auto_reply_rules",
        "the owner's auto-reply rules",
        pk=keys.AUTO_REPLY_RULE.pk,
        sk=keys.AUTO_REPLY_RULE.sk,
        columns=(
            text("rule_id"),
            text("name"),
            text("match"),
            Column("keywords", ColumnType.JSON),
            number("priority"),
            text("answer"),
            text("text"),
            text("template_id"),
            text("liff_page"),
            text("url"),
            text("button_label"),
            text("add_tag"),
            text("scenario_id"),  # the scenario the rule enrols the member in
            flag("enabled"),
        ),
    ),
    ItemKind(
        "conversation_settings",
        "out-of-hours reply and message retention",
        pk=keys.CONVERSATION_SETTINGS.pk,
        sk=keys.CONVERSATION_SETTINGS.sk,
        columns=(Column("out_of_hours", ColumnType.JSON), number("retention_days"), number("rules_version")),
    ),
    ItemKind(
        "saved_replies",
        "the staff's saved replies (定型文)",
        pk=keys.SAVED_REPLY.pk,
        sk=keys.SAVED_REPLY.sk,
        columns=(text("saved_reply_id"), text("title"), text("text")),
    ),
    ItemKind(
        "inbox_alert_subscribers",
        "staff who asked for new-message alerts",
        pk=keys.INBOX_ALERT_SUBSCRIBER.pk,
        sk=keys.INBOX_ALERT_SUBSCRIBER.sk,
        columns=(text("user_id"),),
    ),
    ItemKind(
        "out_of_hours_replies",
        "the day's out-of-hours reply per customer (expires after two days)",
        pk=keys.OUT_OF_HOURS_SENT.pk,
        sk=keys.OUT_OF_HOURS_SENT.sk,
        transient=True,
    ),
    ItemKind(
        "inbox_alert_allowances",
        "new-message alerts sent per minute (expire after a day)",
        pk=keys.INBOX_ALERTS_SENT.pk,
        sk=keys.INBOX_ALERTS_SENT.sk,
        transient=True,
    ),
    ItemKind(
        "coupon_issues",
        "what each staff issue of a coupon asked for, against a reused issue id (expire after 7 days)",
        pk=keys.COUPON_ISSUE.pk,
        sk=keys.COUPON_ISSUE.sk,
        transient=True,
    ),
    ItemKind(
        "api_rate_windows",
        "partner API calls per key and minute (expire after two minutes)",
        pk=keys.API_RATE_WINDOW.pk,
        sk=keys.API_RATE_WINDOW.sk,
        transient=True,
    ),
    ItemKind(
        "staff_alert_allowances",
        "new-friend alerts sent per minute (expire after a day)",
        pk=keys.STAFF_ALERTS.pk,
        sk=keys.STAFF_ALERTS.sk,
        transient=True,
    ),
)

EXPORTED_KINDS = tuple(kind for kind in ITEM_KINDS if not kind.transient)


def kind_of(item: Mapping[str, Any], kinds: Iterable[ItemKind] = ITEM_KINDS) -> ItemKind | None:
    """The one kind that claims the item; None for an item no kind claims."""
    claiming = [kind for kind in kinds if kind.claims(item) is not None]
    if len(claiming) > 1:
        names = ", ".join(kind.name for kind in claiming)
        raise ExportFormatError(f"{key_pattern(item)} is claimed by {names}: the registry overlaps")
    return claiming[0] if claiming else None


def key_pattern(item: Mapping[str, Any]) -> str:
    """`USER#… / POINTS#…`: an item's key with the variable parts elided, to name an unknown kind
    (and never print a key that holds personal data, like LEGACY_PHONE#<phone>)."""

    def shape(key: str) -> str:
        head, separator, _ = key.partition("#")
        return f"{head}#…" if separator else key if len(key) < 24 else "…"

    return f"{shape(str(item['pk']))} / {shape(str(item['sk']))}"


# The export, in memory

SortKey = tuple[str, str]


@dataclass
class ExportTables:
    """The rows of every exported kind, and what was claimed but left out (transient items)."""

    rows: dict[str, list[tuple[SortKey, dict[str, str]]]] = field(
        default_factory=lambda: {kind.name: [] for kind in EXPORTED_KINDS}
    )
    transient: Counter[str] = field(default_factory=Counter)
    unknown: Counter[str] = field(default_factory=Counter)

    def add(self, item: Mapping[str, Any]) -> None:
        kind = kind_of(item)
        if kind is None:
            pattern = key_pattern(item)
            self.unknown[pattern] += 1
        elif kind.transient:
            self.transient[kind.name] += 1
        else:
            self.rows[kind.name].append(((str(item["pk"]), str(item["sk"])), kind.row_of(item)))

    def check_complete(self) -> None:
        """ExportFormatError listing the unknown key patterns, or rows the personal file cannot tell apart."""
        for kind in EXPORTED_KINDS:
            if kind.personal_columns:
                seen = Counter(tuple(row[n] for n in kind.identity) for _, row in self.rows[kind.name])
                twice = [" / ".join(identity) for identity, count in seen.items() if count > 1]
                if twice:
                    raise ExportFormatError(f"{kind.name}: rows share their identity: {', '.join(twice[:5])}")
        if self.unknown:
            listed = "\n".join(
                f"  {pattern}: {count} item(s)" for pattern, count in sorted(self.unknown.items())
            )
            raise ExportFormatError(
                "items no kind in daifuku_cli/export_format.py claims (nothing was written):\n" + listed
            )


@dataclass(frozen=True)
class CsvFile:
    name: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]

    def to_bytes(self) -> bytes:
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, lineterminator="\r\n")
        writer.writerow(self.columns)
        writer.writerows(self.rows)
        return buffer.getvalue().encode(CSV_ENCODING)

    def sha256(self) -> str:
        return hashlib.sha256(self.to_bytes()).hexdigest()


def kind_files(tables: ExportTables) -> list[CsvFile]:
    """One CSV per exported kind (a header alone when it has no rows), rows in key order."""
    files = []
    for kind in EXPORTED_KINDS:
        names = tuple(column.name for column in kind.csv_columns)
        ordered = sorted(tables.rows[kind.name], key=lambda entry: entry[0])
        files.append(
            CsvFile(kind.file_name, names, tuple(tuple(row[n] for n in names) for _, row in ordered))
        )
    return files


def personal_columns() -> tuple[str, ...]:
    """The personal-data file's columns: which file, the row's identity there, the personal fields."""
    identity: dict[str, None] = {}
    personal: dict[str, None] = {}
    for kind in EXPORTED_KINDS:
        if kind.personal_columns:
            identity.update(dict.fromkeys(kind.identity))
            personal.update(dict.fromkeys(column.name for column in kind.personal_columns))
    return (PERSONAL_FILE_KIND_COLUMN, *identity, *personal)


def personal_file(tables: ExportTables, name: str) -> CsvFile:
    """Every row's personal cells (rows with none are left out), keyed by file and identity."""
    columns = personal_columns()
    rows = []
    for kind in EXPORTED_KINDS:
        if not kind.personal_columns:
            continue
        for _, row in sorted(tables.rows[kind.name], key=lambda entry: entry[0]):
            cells = {column.name: row[column.name] for column in kind.personal_columns}
            if not any(cells.values()):
                continue
            line = {PERSONAL_FILE_KIND_COLUMN: kind.file_name, **{n: row[n] for n in kind.identity}, **cells}
            rows.append(tuple(line.get(column, "") for column in columns))
    return CsvFile(name, columns, tuple(rows))


def left_out_columns() -> dict[str, list[str]]:
    """Per file, the personal columns an export without --personal-data leaves out."""
    return {
        kind.file_name: [column.name for column in kind.personal_columns]
        for kind in EXPORTED_KINDS
        if kind.personal_columns
    }


# Reading an export back


@dataclass(frozen=True)
class CsvRows:
    columns: tuple[str, ...]
    rows: tuple[dict[str, str], ...]


def read_csv_bytes(data: bytes, name: str) -> CsvRows:
    """Rows of an exported CSV (UTF-8, with or without the byte-order mark)."""
    try:
        decoded = data.decode(CSV_ENCODING)
    except UnicodeDecodeError as error:
        raise ExportFormatError(f"{name} is not UTF-8 ({error})") from None
    reader = csv.reader(io.StringIO(decoded, newline=""))
    try:
        header = tuple(next(reader))
    except StopIteration:
        raise ExportFormatError(f"{name} is empty: it has no header") from None
    rows = []
    for line in reader:
        if len(line) != len(header):
            raise ExportFormatError(
                f"{name} line {reader.line_num}: {len(line)} cells, {len(header)} columns"
            )
        rows.append(dict(zip(header, line, strict=True)))
    return CsvRows(header, tuple(rows))


def items_from_files(
    files: Mapping[str, CsvRows], personal: CsvRows | None
) -> tuple[dict[str, list[dict[str, Any]]], list[str]]:
    """The items of every kind, with the personal cells put back; and notes on what could not be.

    ExportFormatError for a file whose columns are not this version's, a cell that does not read back,
    or personal data for a row its file does not have."""
    rows: dict[str, list[dict[str, str]]] = {}
    for kind in EXPORTED_KINDS:
        found = files.get(kind.file_name)
        if found is None:
            raise ExportFormatError(f"{kind.file_name} is missing")
        expected = tuple(column.name for column in kind.csv_columns)
        if found.columns != expected:
            raise ExportFormatError(
                f"{kind.file_name} has the columns {', '.join(found.columns)}; this version of Daifuku "
                f"reads {', '.join(expected)}"
            )
        rows[kind.name] = [dict(row) for row in found.rows]
    notes: list[str] = []
    if personal is not None:
        if personal.columns != personal_columns():
            raise ExportFormatError("the personal-data file's columns are not this version's")
        _merge_personal(rows, personal)
    items: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for kind in EXPORTED_KINDS:
        needs_personal_key = [n for n in kind.key_fields if n in {c.name for c in kind.personal_columns}]
        for row in rows[kind.name]:
            if needs_personal_key and not all(row.get(n) for n in needs_personal_key):
                continue
            try:
                items[kind.name].append(kind.item_of(row))
            except ExportFormatError as error:
                raise ExportFormatError(f"{kind.file_name}: {error}") from None
        skipped = len(rows[kind.name]) - len(items[kind.name])
        if skipped:
            notes.append(
                f"{kind.file_name}: {skipped} row(s) not imported: their key "
                f"({', '.join(needs_personal_key)}) is in the personal-data file"
            )
    return dict(items), notes


def _merge_personal(rows: dict[str, list[dict[str, str]]], personal: CsvRows) -> None:
    by_file = {kind.file_name: kind for kind in EXPORTED_KINDS if kind.personal_columns}
    indexes = {
        kind.name: {tuple(row[n] for n in kind.identity): row for row in rows[kind.name]}
        for kind in by_file.values()
    }
    for number_, line in enumerate(personal.rows, start=2):
        kind = by_file.get(line[PERSONAL_FILE_KIND_COLUMN])
        if kind is None:
            raise ExportFormatError(
                f"personal-data line {number_}: no file {line[PERSONAL_FILE_KIND_COLUMN]!r}"
            )
        target = indexes[kind.name].get(tuple(line[n] for n in kind.identity))
        if target is None:
            raise ExportFormatError(f"personal-data line {number_}: no such row in {kind.file_name}")
        for column in kind.personal_columns:
            target[column.name] = line[column.name]
