"""`daifuku import`: an export back into a new, empty stack (--from), or the shop's members from
before Daifuku (--legacy), whose numbers customers then claim when they register.

--from refuses a table that already holds shop data: merging two shops' numbers, counters and
campaigns cannot be made exact. Import into a freshly deployed stack, before `daifuku setup`
(setup can run again afterwards).

--legacy checks every row first and imports nothing when any row is bad, unless --skip-invalid.
Running it again with the same file changes nothing.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from collections import Counter
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from daifuku_cli.export_format import (
    EXPORT_FORMAT,
    EXPORTED_KINDS,
    MANIFEST_FILE,
    SCHEMA_VERSION,
    CsvRows,
    ExportFormatError,
    items_from_files,
    kind_of,
    read_csv_bytes,
)
from daifuku_cli.legacy_csv import check_against_table, read_legacy_members
from daifuku_cli.messages import _
from daifuku_cli.table_data import TableData
from daifuku_cli.target import add_target_arguments, resolve_target

SHOP_TIMEZONE = ZoneInfo("Asia/Tokyo")


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "import",
        help="import an export into an empty stack, or legacy members from a CSV",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    add_target_arguments(parser)
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--from", dest="from_dir", type=Path, metavar="DIR", help="a `daifuku export` directory"
    )
    source.add_argument(
        "--legacy",
        type=Path,
        metavar="FILE.csv",
        help="members from before Daifuku: member_no, name, phone, birthdate (UTF-8 or Shift_JIS)",
    )
    parser.add_argument(
        "--personal-data", type=Path, metavar="FILE", help="with --from: the export's personal-data file"
    )
    parser.add_argument(
        "--accept-edited",
        action="store_true",
        help="with --from: import files whose checksum differs from the manifest's (edited by hand)",
    )
    parser.add_argument(
        "--skip-invalid", action="store_true", help="with --legacy: import the good rows, skip the bad ones"
    )
    parser.set_defaults(run=run_import)


def run_import(arguments: argparse.Namespace) -> int:
    data = TableData(resolve_target(arguments).table())
    if arguments.legacy:
        return import_legacy(data, arguments.legacy, arguments.skip_invalid)
    try:
        return import_export(data, arguments.from_dir, arguments.personal_data, arguments.accept_edited)
    except ExportFormatError as error:
        raise ExportFormatError(
            _("Import failed, nothing was written: {error}").format(error=error)
        ) from None


# --from: an export, back


def import_export(data: TableData, directory: Path, personal_path: Path | None, accept_edited: bool) -> int:
    try:
        manifest = json.loads((directory / MANIFEST_FILE).read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise ExportFormatError(f"{directory / MANIFEST_FILE} cannot be read: {error}") from None
    if manifest.get("format") != EXPORT_FORMAT or manifest.get("schema_version") != SCHEMA_VERSION:
        raise ExportFormatError(
            f"{directory / MANIFEST_FILE} is not a schema-{SCHEMA_VERSION} Daifuku export "
            f"(format {manifest.get('format')!r}, schema {manifest.get('schema_version')!r})"
        )
    checksums = {entry["file"]: entry["sha256"] for entry in manifest["files"]}
    files = {
        kind.file_name: _read_checked(
            directory / kind.file_name, checksums.get(kind.file_name), accept_edited
        )
        for kind in EXPORTED_KINDS
    }
    personal_entry = manifest.get("personal_data", {})
    personal = None
    if personal_path is not None:
        personal = _read_checked(personal_path, personal_entry.get("sha256"), accept_edited)
    elif personal_entry.get("included"):
        print(
            f"Note: this export has personal data ({personal_entry['file']}); without --personal-data "
            "members are imported without names, phones or birthdates.",
            file=sys.stderr,
        )
    items, notes = items_from_files(files, personal)
    for note in notes:
        print(f"Note: {note}", file=sys.stderr)

    present = _shop_data_present(data)
    if present:
        listed = ", ".join(f"{name} ({count})" for name, count in present.most_common())
        print(
            f"Refused: the table already holds shop data: {listed}. Import into a freshly deployed "
            "stack, before `daifuku setup`.",
            file=sys.stderr,
        )
        return 2
    total = 0
    for kind in EXPORTED_KINDS:
        written = data.put_all(items.get(kind.name, []), progress=_write_progress(kind.name))
        total += written
        print(f"\r  {kind.name:<28} {written:>8} items")
    print(f"Imported {total} items from {directory}")
    return 0


def _write_progress(name: str) -> Callable[[int], None]:
    def progress(written: int) -> None:
        print(f"\r  {name:<28} {written:>8} items…", end="", flush=True)

    return progress


def _read_checked(path: Path, expected_sha256: str | None, accept_edited: bool) -> CsvRows:
    try:
        raw = path.read_bytes()
    except OSError as error:
        raise ExportFormatError(f"{path} cannot be read: {error.strerror}") from None
    if expected_sha256 and hashlib.sha256(raw).hexdigest() != expected_sha256 and not accept_edited:
        raise ExportFormatError(
            f"{path} differs from what the export wrote (sha256); if it was edited on purpose, "
            "run again with --accept-edited"
        )
    return read_csv_bytes(raw, path.name)


def _shop_data_present(data: TableData, enough: int = 1000) -> Counter[str]:
    """Items an export would write, per kind (counting stops at `enough`)."""
    found: Counter[str] = Counter()
    for item in data.items():
        kind = kind_of(item)
        if kind is None or not kind.transient:
            found[kind.name if kind else "unknown"] += 1
            if found.total() >= enough:
                break
    return found


# --legacy: members from before Daifuku


def import_legacy(data: TableData, path: Path, skip_invalid: bool) -> int:
    now = datetime.now(UTC)
    number_format = data.member_number_format()
    try:
        legacy = read_legacy_members(path.read_bytes(), number_format, _shop_today(now))
    except (OSError, ValueError) as error:
        print(f"Cannot read {path}: {error}", file=sys.stderr)
        return 1
    print(f"Read {path} ({legacy.encoding}): {len(legacy.rows) + len(legacy.problems)} member row(s)")
    if legacy.ignored_columns:
        print(f"  ignored columns: {', '.join(legacy.ignored_columns)}")
    check = check_against_table(
        legacy.rows,
        data.member_number_items(row.member_no for row in legacy.rows),
        data.legacy_items_by_phone(row.phone for row in legacy.rows),
    )
    problems = sorted([*legacy.problems, *check.problems], key=lambda problem: problem.line)
    for problem in problems:
        print(f"  {problem}")
    if problems and not skip_invalid:
        print(
            f"{len(problems)} bad row(s): nothing was imported. Fix them, or run again with "
            "--skip-invalid to import the other rows.",
            file=sys.stderr,
        )
        return 1
    imported = 0
    for row in check.to_import:
        if data.import_legacy_member(row, now):
            imported += 1
        else:
            print(f"  line {row.line}: member number {row.member_no} was taken meanwhile: skipped")
        if imported and imported % 500 == 0:
            print(f"  imported {imported} of {len(check.to_import)}…")
    highest = max((row.sequence for row in [*check.to_import, *check.unchanged]), default=0)
    raised = highest > 0 and data.raise_member_number_counter(highest)
    print(
        f"Imported {imported} legacy member(s); {len(check.unchanged)} already imported, unchanged"
        + (f"; skipped {len(problems)} bad row(s)" if problems else "")
        + "."
    )
    if raised:
        print(f"New member numbers continue after sequence {highest}.")
    return 0


def _shop_today(now: datetime) -> date:
    return now.astimezone(SHOP_TIMEZONE).date()
