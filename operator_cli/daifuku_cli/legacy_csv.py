"""The shop's list of members from before Daifuku (name, phone, birthdate, member number), checked row
by row against the registration rules and the shop's number format. Pure functions: no boto3 here.

Excel in Japan writes CSV as Shift_JIS (cp932), or UTF-8 with a byte-order mark; both are read, as is
plain UTF-8. Headers may be English or Japanese (会員番号, 氏名, 電話番号, 生年月日).
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from pydantic import ValidationError

from daifuku.domain.member_numbers import member_number_sequence
from daifuku.models.registration import RegistrationForm, field_problems
from daifuku.models.shop import MemberNumberFormat

REQUIRED_COLUMNS = ("member_no", "phone", "birthdate")
HEADER_SPELLINGS = {
    "member_no": ("member_no", "memberno", "membernumber", "number", "no", "会員番号", "会員no", "番号"),
    "name": ("name", "fullname", "氏名", "名前", "お名前", "顧客名", "会員名"),
    "phone": (
        "phone",
        "phonenumber",
        "tel",
        "telephone",
        "mobile",
        "電話番号",
        "電話",
        "携帯電話",
        "携帯番号",
    ),
    "birthdate": ("birthdate", "birthday", "dateofbirth", "dob", "生年月日", "誕生日"),
}
# 1990-1-5, 1990/01/05 (Excel's own way of writing a date back), 1990.1.5, 1990年1月5日.
LOOSE_DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
REASONS = {
    "required": "is empty",
    "invalid_phone": "is not a Japanese phone number",
    "invalid_date": "is not a real date",
    "future_date": "is in the future",
    "too_old": "is before 1900",
    "too_long": "is too long",
    "invalid_text": "has characters a name cannot have",
}


@dataclass(frozen=True)
class LegacyRow:
    line: int
    member_no: str
    sequence: int
    phone: str
    birthdate: date
    name: str | None


@dataclass(frozen=True)
class RowProblem:
    line: int
    reason: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.reason}"


@dataclass
class LegacyFile:
    encoding: str
    rows: list[LegacyRow] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    ignored_columns: list[str] = field(default_factory=list)


def decode_legacy_csv(data: bytes) -> tuple[str, str]:
    """The file's text and the encoding it was in: UTF-8 (with or without BOM), else Shift_JIS."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data.decode("utf-8-sig"), "UTF-8 with BOM"
    try:
        return data.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp932"), "Shift_JIS/cp932"
    except UnicodeDecodeError as error:
        raise ValueError(f"neither UTF-8 nor Shift_JIS: byte {error.start} cannot be read") from None


def canonical_header(header: str) -> str | None:
    spelled = re.sub(r"[\s_\-.・]", "", unicodedata.normalize("NFKC", header).strip().lower())
    for canonical, spellings in HEADER_SPELLINGS.items():
        if spelled in {s.replace("_", "") for s in spellings}:
            return canonical
    return None


def read_legacy_members(data: bytes, number_format: MemberNumberFormat, today: date) -> LegacyFile:
    """Every row checked: the good ones as LegacyRow, every bad one with its line number and reason."""
    text, encoding = decode_legacy_csv(data)
    result = LegacyFile(encoding=encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        result.problems.append(RowProblem(1, "the file is empty"))
        return result
    columns: dict[str, int] = {}
    for position, name in enumerate(header):
        canonical = canonical_header(name)
        if canonical is None or canonical in columns:
            if name.strip():
                result.ignored_columns.append(name.strip())
            continue
        columns[canonical] = position
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        result.problems.append(
            RowProblem(1, f"no column for {', '.join(missing)} (headers seen: {', '.join(header)})")
        )
        return result
    numbers_seen: dict[str, int] = {}
    people_seen: dict[tuple[str, date], int] = {}
    line_started = 2
    for cells in reader:
        line, line_started = line_started, reader.line_num + 1
        if not any(cell.strip() for cell in cells):
            continue
        values = {name: cells[at].strip() if at < len(cells) else "" for name, at in columns.items()}
        row, reasons = _check_row(line, values, number_format, today)
        member_no = unicodedata.normalize("NFKC", values["member_no"])
        if member_no:
            if member_no in numbers_seen:
                reasons.append(f"member number {member_no} is also on line {numbers_seen[member_no]}")
            numbers_seen.setdefault(member_no, line)
        if row is not None:
            person = (row.phone, row.birthdate)
            if person in people_seen:
                reasons.append(
                    f"same phone and birthdate as line {people_seen[person]}: "
                    "the customer could claim neither"
                )
            people_seen.setdefault(person, line)
        if reasons:
            result.problems.append(RowProblem(line, "; ".join(reasons)))
        elif row is not None:
            result.rows.append(row)
    return result


def _check_row(
    line: int, values: Mapping[str, str], number_format: MemberNumberFormat, today: date
) -> tuple[LegacyRow | None, list[str]]:
    reasons: list[str] = []
    member_no = unicodedata.normalize("NFKC", values["member_no"])
    sequence = member_number_sequence(member_no, number_format) if member_no else None
    if not member_no:
        reasons.append("member number is empty")
    elif sequence is None:
        hint = " (did Excel drop its leading zeros?)" if member_no.isdigit() else ""
        reasons.append(
            f"member number {member_no} does not fit the shop's format "
            f"({number_format.prefix or 'no prefix'}, at least {number_format.digits} digits){hint}"
        )
    birthdate = values["birthdate"]
    loose = LOOSE_DATE.match(unicodedata.normalize("NFKC", birthdate))
    if loose:
        year, month, day = loose.groups()
        birthdate = f"{year}-{int(month):02d}-{int(day):02d}"
    form = {"phone": values["phone"], "birthdate": birthdate, "name": values.get("name", "")}
    checked: RegistrationForm | None = None
    try:
        checked = RegistrationForm.model_validate(form, context={"today": today})
    except ValidationError as error:
        for problem in field_problems(error):
            reasons.append(_reason(problem.field, problem.code, values))
    if checked is not None:
        for name in ("phone", "birthdate"):
            if getattr(checked, name) is None:
                reasons.append(_reason(name, "required", values))
    if reasons or checked is None or sequence is None:
        return None, reasons
    assert checked.phone is not None and checked.birthdate is not None
    return LegacyRow(line, member_no, sequence, checked.phone, checked.birthdate, checked.name), reasons


def _reason(field_name: str, code: str, values: Mapping[str, str]) -> str:
    # Never the value itself: phones and birthdates are personal data, and reports get pasted around.
    reason = f"{field_name} {REASONS.get(code, code)}"
    phone = values.get("phone", "")
    if code == "invalid_phone" and phone.isdigit() and len(phone) in (9, 10) and phone[0] != "0":
        reason += " (did Excel drop its leading 0?)"
    return reason


@dataclass(frozen=True)
class TableCheck:
    """What the table already holds for the file's rows."""

    to_import: list[LegacyRow]
    unchanged: list[LegacyRow]
    problems: list[RowProblem]


def check_against_table(
    rows: list[LegacyRow],
    number_items: Mapping[str, Mapping[str, Any] | None],
    legacy_items_by_phone: Mapping[str, Sequence[Mapping[str, Any]]],
) -> TableCheck:
    """Sort rows into new, already imported (a second run: unchanged) and taken numbers.

    `number_items` holds each row's MEMBER_NO item (None when the number is free), and
    `legacy_items_by_phone` the unclaimed imported members with each row's phone."""
    to_import, unchanged, problems = [], [], []
    for row in rows:
        owner = number_items.get(row.member_no)
        same_person = [
            item
            for item in legacy_items_by_phone.get(row.phone, [])
            if item.get("birthdate") == row.birthdate.isoformat()
        ]
        if owner is None:
            if same_person:
                other = same_person[0].get("member_no")
                problems.append(
                    RowProblem(
                        row.line,
                        f"an imported member with number {other} has the same phone and birthdate: "
                        "the customer could claim neither",
                    )
                )
            else:
                to_import.append(row)
        elif owner.get("status") == "imported" and any(
            i.get("member_no") == row.member_no for i in same_person
        ):
            unchanged.append(row)
        elif owner.get("imported_at") and owner.get("claimed_at"):
            unchanged.append(row)  # imported before, and claimed by the customer since
        else:
            problems.append(
                RowProblem(
                    row.line,
                    f"member number {row.member_no} is already taken ({owner.get('status', 'in use')})",
                )
            )
    return TableCheck(to_import, unchanged, problems)
