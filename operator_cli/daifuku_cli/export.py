"""`daifuku export`: the shop's whole table as CSV files (UTF-8 with BOM, for Excel) and a manifest.

Personal data (names, phones, birthdates, emails, custom fields, message and memo texts) goes only to the
file named with --personal-data; without it, it is left out, and the manifest says which columns were.

`--for-excel FILE.xlsx` writes the owner's 顧客一覧 instead: one workbook, one row per customer with
their personal fields joined in, Japanese headers, the shop's local times, numbers and phones as text.
It is for reading, not for `daifuku import`.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from daifuku_cli.export_format import (
    EXPORT_FORMAT,
    EXPORTED_KINDS,
    ITEM_KINDS,
    MANIFEST_FILE,
    SCHEMA_VERSION,
    CsvFile,
    ExportFormatError,
    ExportTables,
    kind_files,
    left_out_columns,
    personal_file,
)
from daifuku_cli.failures import UsageError
from daifuku_cli.messages import _
from daifuku_cli.table_data import TableData
from daifuku_cli.target import Target, add_target_arguments, resolve_target

DEFAULT_SHOP_TIMEZONE = "Asia/Tokyo"


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "export",
        help="write every member, friend, tag, coupon, campaign… as CSV files plus a manifest",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_arguments(parser)
    what = parser.add_mutually_exclusive_group(required=True)
    what.add_argument("--out", type=Path, metavar="DIR", help="directory to write (created)")
    what.add_argument(
        "--for-excel",
        type=excel_path,
        metavar="FILE.xlsx",
        help="instead, the owner's customer list (顧客一覧) as one Excel workbook, personal data included",
    )
    parser.add_argument(
        "--personal-data",
        type=Path,
        metavar="FILE",
        help="also write the personal data to this CSV file (keep it somewhere safe)",
    )
    parser.add_argument(
        "--timezone",
        type=shop_timezone,
        default=ZoneInfo(DEFAULT_SHOP_TIMEZONE),
        help=f"with --for-excel: the shop's time zone for the times (default {DEFAULT_SHOP_TIMEZONE})",
    )
    parser.set_defaults(run=run_export)


def excel_path(value: str) -> Path:
    if not value.lower().endswith(".xlsx"):
        raise argparse.ArgumentTypeError(_("{value!r} must end in .xlsx").format(value=value))
    return Path(value)


def shop_timezone(value: str) -> ZoneInfo:
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a time zone: use a name like Asia/Tokyo").format(value=value)
        ) from None


def run_export(arguments: argparse.Namespace) -> int:
    if arguments.for_excel is not None:
        if arguments.personal_data is not None:
            raise UsageError(
                _("--personal-data goes with --out: the workbook holds the personal data itself.")
            )
        return export_customer_list(resolve_target(arguments), arguments.for_excel, arguments.timezone)
    data = TableData(resolve_target(arguments).table())
    try:
        manifest = export_table(data, arguments.out, arguments.personal_data)
    except ExportFormatError as error:
        raise ExportFormatError(
            _("Export failed, nothing was written: {error}").format(error=error)
        ) from None
    print(
        _("Wrote {count} files and {manifest} to {out}").format(
            count=len(manifest["files"]), manifest=MANIFEST_FILE, out=arguments.out
        )
    )
    return 0


def export_customer_list(target: Target, path: Path, timezone: ZoneInfo) -> int:
    """The 顧客一覧 workbook, built as the staff console's download builds it."""
    from daifuku.adapters.dynamodb.repositories import Repositories
    from daifuku.adapters.xlsx_workbook import workbook_bytes
    from daifuku.domain.customer_list import customer_list

    repositories = Repositories.for_table(target.table_name, target.resource("dynamodb"))
    customers = customer_list(
        repositories.member_reader().every_member(), repositories.shop_config.load_shop_config(), timezone
    )
    content = workbook_bytes(customers)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    print(
        _("Wrote {path}: {count} customer(s). It holds personal data: keep it somewhere safe.").format(
            path=path, count=len(customers.rows)
        )
    )
    return 0


def export_table(data: TableData, out: Path, personal_path: Path | None) -> dict[str, Any]:
    """Scan, check every item against the registry, then write; nothing is written when a check fails."""
    tables = ExportTables()
    exported_at = datetime.now(UTC).isoformat(timespec="seconds")
    for item in data.items(progress=_scan_progress):
        tables.add(item)
    print(file=sys.stderr)
    tables.check_complete()
    files = kind_files(tables)
    personal = personal_file(tables, personal_path.name) if personal_path else None
    out.mkdir(parents=True, exist_ok=True)
    for csv_file in files:
        (out / csv_file.name).write_bytes(csv_file.to_bytes())
        print(f"  {csv_file.name:<32} {len(csv_file.rows):>8} rows")
    if personal is not None and personal_path is not None:
        personal_path.parent.mkdir(parents=True, exist_ok=True)
        personal_path.write_bytes(personal.to_bytes())
        print(f"  {personal_path!s:<32} {len(personal.rows):>8} rows of personal data")
    for name, count in sorted(tables.transient.items()):
        print(f"  not exported (transient): {count} {name}")
    manifest = build_manifest(files, personal, exported_at)
    (out / MANIFEST_FILE).write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8"
    )
    return manifest


def build_manifest(files: list[CsvFile], personal: CsvFile | None, exported_at: str) -> dict[str, Any]:
    descriptions = {kind.file_name: kind.description for kind in EXPORTED_KINDS}
    manifest: dict[str, Any] = {
        "format": EXPORT_FORMAT,
        "schema_version": SCHEMA_VERSION,
        "exported_at": exported_at,
        "files": [_file_entry(csv_file, descriptions.get(csv_file.name, "")) for csv_file in files],
        # Named, not counted: a re-export of an import must give the same manifest.
        "excluded_transient": {kind.name: kind.description for kind in ITEM_KINDS if kind.transient},
    }
    if personal is None:
        manifest["personal_data"] = {"included": False, "left_out_columns": left_out_columns()}
    else:
        manifest["personal_data"] = {"included": True, **_file_entry(personal, "personal data")}
    return manifest


def _file_entry(csv_file: CsvFile, description: str) -> dict[str, Any]:
    return {
        "file": csv_file.name,
        "description": description,
        "rows": len(csv_file.rows),
        "sha256": csv_file.sha256(),
        "columns": list(csv_file.columns),
    }


def _scan_progress(seen: int) -> None:
    print(f"\r  read {seen:,} items", end="", file=sys.stderr, flush=True)
