"""The export format: typed cells that read back exactly, one kind per item, loud failures."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest

from daifuku_cli.export_format import (
    ABSENT,
    EXPORTED_KINDS,
    ITEM_KINDS,
    ColumnType,
    CsvRows,
    ExportFormatError,
    ExportTables,
    encode_cell,
    items_from_files,
    kind_files,
    kind_of,
    personal_file,
    read_csv_bytes,
)

USER = "U" + "a" * 32


@pytest.mark.parametrize(
    ("value", "column_type", "cell"),
    [
        ("山田 花子", ColumnType.TEXT, "山田 花子"),
        ("", ColumnType.TEXT, '""'),
        ("null", ColumnType.TEXT, '"null"'),
        ('"引用"から', ColumnType.TEXT, '"\\"引用\\"から"'),
        ("1行目\n2行目", ColumnType.TEXT, "1行目\n2行目"),
        ('=HYPERLINK("http://x")', ColumnType.TEXT, '"=HYPERLINK(\\"http://x\\")"'),  # never a formula
        ("-", ColumnType.TEXT, '"-"'),
        (None, ColumnType.TEXT, "null"),
        (Decimal("12"), ColumnType.NUMBER, "12"),
        (Decimal("-1.5"), ColumnType.NUMBER, "-1.5"),
        (True, ColumnType.BOOL, "true"),
        (False, ColumnType.BOOL, "false"),
        ({"常連", "vip"}, ColumnType.STRING_SET, '["vip","常連"]'),
        ({Decimal(3), Decimal(1)}, ColumnType.NUMBER_SET, "[1,3]"),
        (
            {"custom_text_1": "コーヒー", "n": Decimal("2.5")},
            ColumnType.JSON,
            '{"custom_text_1":"コーヒー","n":2.5}',
        ),
        ({"a": [None, True, Decimal(7)]}, ColumnType.JSON, '{"a":[null,true,7]}'),
    ],
)
def test_every_cell_type_reads_back_as_the_value_it_was(value, column_type, cell):
    from daifuku_cli.export_format import decode_cell

    assert encode_cell(value, column_type) == cell
    assert decode_cell(cell, column_type) == value


def test_an_empty_cell_is_an_absent_attribute_in_every_type():
    from daifuku_cli.export_format import decode_cell

    assert all(decode_cell("", column_type) is ABSENT for column_type in ColumnType)


def test_a_value_of_an_undeclared_type_fails_the_export():
    with pytest.raises(ExportFormatError):
        encode_cell(Decimal(1), ColumnType.TEXT)
    with pytest.raises(ExportFormatError):
        encode_cell({"tag"}, ColumnType.JSON)


def member_item(**attributes):
    return {"pk": f"USER#{USER}", "sk": "MEMBER", "user_id": USER, **attributes}


def test_every_item_is_claimed_by_exactly_one_kind():
    samples = [
        member_item(),
        {"pk": f"USER#{USER}", "sk": "TAG#常連", "user_id": USER, "tag": "常連"},
        {"pk": f"USER#{USER}", "sk": "COUPON#welcome"},
        {"pk": "CAMPAIGN#c1", "sk": "CAMPAIGN"},
        {"pk": "CAMPAIGN#c1", "sk": "SEND#" + USER},
        {"pk": "CAMPAIGN_LOG", "sk": "2026-01-01T00:00:00+00:00#c1"},
        {"pk": f"USER#{USER}", "sk": "VISIT#2026-12-01T10:00:00+00:00#v1"},
        {"pk": f"USER#{USER}", "sk": "POINTS#visit-v1"},
        {"pk": f"USER#{USER}", "sk": "MEMO#2026-12-01T10:00:00+00:00#m1"},
        {"pk": "COUPON_TEMPLATE", "sk": "cake"},
        {"pk": "AUDIT", "sk": "2026-12-01T10:00:00+00:00#a1"},
        {"pk": "STATS#DAY", "sk": "2026-12-01"},
        {"pk": "STATS", "sk": "TOTALS"},
        {"pk": "WEBHOOK_EVENT#01H", "sk": "WEBHOOK_EVENT"},
    ]
    names = [kind_of(item).name for item in samples]
    assert names == [
        "members",
        "tags",
        "coupons",
        "campaigns",
        "campaign_sends",
        "campaign_log",
        "visits",
        "points_ledger",
        "memos",
        "coupon_templates",
        "audit",
        "daily_stats",
        "totals",
        "webhook_events",
    ]
    assert len({kind.name for kind in ITEM_KINDS}) == len(ITEM_KINDS)


def test_an_item_no_kind_claims_fails_the_export_naming_its_key_pattern():
    tables = ExportTables()
    tables.add(member_item())
    tables.add({"pk": "POINTS_LEDGER#U1", "sk": "ENTRY#1"})
    tables.add({"pk": "POINTS_LEDGER#U2", "sk": "ENTRY#9"})
    with pytest.raises(ExportFormatError) as failure:
        tables.check_complete()
    assert "POINTS_LEDGER#… / ENTRY#…: 2 item(s)" in str(failure.value)


def test_an_attribute_no_column_declares_fails_the_export():
    with pytest.raises(ExportFormatError, match="favourite_cake"):
        ExportTables().add(member_item(favourite_cake="大福"))


def test_transient_items_are_counted_not_exported():
    tables = ExportTables()
    tables.add({"pk": "WEBHOOK_EVENT#01H", "sk": "WEBHOOK_EVENT", "state": "done", "expires_at": Decimal(1)})
    tables.add({"pk": "STAFF_ALERTS#2026-01-01T10:00", "sk": "COUNT", "sent": Decimal(1)})
    assert tables.transient == {"webhook_events": 1, "staff_alert_allowances": 1}
    assert all(not rows for rows in tables.rows.values())


def test_files_then_items_give_back_the_same_items_with_personal_data_apart():
    items = [
        member_item(
            status="registered",
            member_no="000012",
            name="山田 花子",
            phone="09012345678",
            phone_last4="5678",
            birthdate="1990-05-01",
            birth_month="05",
            custom_fields={"custom_text_1": "ラテ"},
            tags={"常連"},
            points=Decimal(30),
            blocked=False,
            picture_url=None,
            status_message="",
        ),
        {
            "pk": "LEGACY_PHONE#08011112222",
            "sk": "LEGACY#000003",
            "member_no": "000003",
            "phone": "08011112222",
            "birthdate": "1970-01-02",
            "imported_at": "2026-01-01T00:00:00+00:00",
        },
        {"pk": "COUNTER#member_no", "sk": "COUNTER", "last_sequence": Decimal(12)},
    ]
    tables = ExportTables()
    for item in items:
        tables.add(item)
    tables.check_complete()
    files = {f.name: read_csv_bytes(f.to_bytes(), f.name) for f in kind_files(tables)}
    personal = personal_file(tables, "personal.csv")
    members = files["members.csv"]
    assert not {"name", "phone", "birthdate", "email", "custom_fields"} & set(members.columns)
    assert not any("山田" in cell or "0901234" in cell for row in members.rows for cell in row.values())
    assert personal.to_bytes().startswith(b"\xef\xbb\xbf")

    back, notes = items_from_files(files, read_csv_bytes(personal.to_bytes(), "personal.csv"))
    assert notes == []
    assert sorted((i for k in back.values() for i in k), key=lambda i: (i["pk"], i["sk"])) == sorted(
        items, key=lambda i: (i["pk"], i["sk"])
    )

    without_personal, notes = items_from_files(files, None)
    assert "name" not in without_personal["members"][0]
    assert without_personal.get("legacy_members", []) == []
    assert notes == [
        "legacy_members.csv: 1 row(s) not imported: their key (phone) is in the personal-data file"
    ]


def test_a_file_with_other_columns_is_refused():
    files = {kind.file_name: CsvRows(tuple(c.name for c in kind.csv_columns), ()) for kind in EXPORTED_KINDS}
    files["tags.csv"] = CsvRows(("user_id", "tag", "colour"), ())
    with pytest.raises(ExportFormatError, match=r"tags\.csv has the columns"):
        items_from_files(files, None)


def documented_keys() -> list[tuple[str, str, str]]:
    """(what, pk, sk) of every row of the key tables in the adapters' docstrings, `<…>` filled in."""
    from daifuku.adapters.dynamodb import keys

    rows = []
    for doc in (keys.__doc__ or "",):
        for line in doc.splitlines():
            cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
            if len(cells) == 3 and cells[1] not in ("pk", "---"):
                pk, sk = (re.sub(r"<[^>]+>", "x1", cell) for cell in cells[1:])
                rows.append((cells[0], pk, sk))
    return rows


def test_every_kind_of_item_the_adapters_document_is_claimed_by_the_registry():
    documented = documented_keys()
    assert len(documented) >= 20  # the key tables were found
    unclaimed = [what for what, pk, sk in documented if kind_of({"pk": pk, "sk": sk}) is None]
    assert unclaimed == [], "add these to daifuku_cli/export_format.py (or mark them transient)"


@pytest.mark.parametrize("kind", ITEM_KINDS, ids=lambda kind: kind.name)
def test_each_kind_declares_its_key_fields_as_columns_once(kind):
    names = [column.name for column in kind.columns]
    assert len(names) == len(set(names))
    if not kind.transient:
        assert set(kind.key_fields) <= set(names)
    assert {column.name for column in kind.columns if column.key_only} <= set(kind.key_fields)
