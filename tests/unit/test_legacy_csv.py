"""The legacy members' CSV: encodings and header spellings Excel in Japan produces, every bad row
reported with its line number, and rows sorted against what the table already holds."""

from __future__ import annotations

from datetime import date

import pytest

from daifuku.models.shop import MemberNumberFormat
from daifuku_cli.legacy_csv import check_against_table, read_legacy_members

TODAY = date(2026, 12, 1)
SIX_DIGITS = MemberNumberFormat()

JAPANESE_FILE = (
    "会員番号,氏名,電話番号,生年月日,メールアドレス\r\n"
    "000101,山田 花子,090-1111-2222,1980/4/1,hanako@example.jp\r\n"
    "000102,佐藤 次郎,０８０２２２２３３３３,1975-12-31,\r\n"
)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "cp932"])
def test_japanese_headers_in_every_encoding_excel_writes(encoding):
    read = read_legacy_members(JAPANESE_FILE.encode(encoding), SIX_DIGITS, TODAY)
    assert read.problems == []
    assert [(r.member_no, r.name, r.phone, r.birthdate) for r in read.rows] == [
        ("000101", "山田 花子", "09011112222", date(1980, 4, 1)),
        ("000102", "佐藤 次郎", "08022223333", date(1975, 12, 31)),
    ]
    assert read.ignored_columns == ["メールアドレス"]


def test_every_bad_row_is_reported_with_its_line_and_reason_and_no_value():
    data = (
        b"member_no,name,phone,birthdate\n"
        b"000001,A,09011112222,1990-01-01\n"
        b"000002,B,12345,1990-01-01\n"  # line 3: not a phone
        b"000003,C,09011113333,1990-02-30\n"  # line 4: no such day
        b"000002,D,09011114444,1990-01-01\n"  # line 5: the number of line 3, itself bad
        b"123,E,09011115555,1990-01-01\n"  # line 6: too few digits for the shop
        b"\n"
        b"000007,F,09011112222,1990-01-01\n"  # line 8: same person as line 2
        b"000008,G,9011116666,2999-01-01\n"  # line 9: Excel's lost zero, a future birthdate
    )
    read = read_legacy_members(data, SIX_DIGITS, TODAY)
    reported = {problem.line: problem.reason for problem in read.problems}
    assert sorted(reported) == [3, 4, 5, 6, 8, 9]
    assert reported[3] == "phone is not a Japanese phone number"
    assert reported[4] == "birthdate is not a real date"
    assert reported[5] == "member number 000002 is also on line 3"
    assert "does not fit the shop's format" in reported[6] and "leading zeros" in reported[6]
    assert "same phone and birthdate as line 2" in reported[8]
    assert "leading 0" in reported[9] and "birthdate is in the future" in reported[9]
    assert not any("9011116666" in reason or "12345" in reason for reason in reported.values())
    assert [row.line for row in read.rows] == [2]


def test_a_file_without_a_needed_column_is_one_problem_on_line_1():
    read = read_legacy_members("氏名,電話番号\n山田,09011112222\n".encode(), SIX_DIGITS, TODAY)
    assert [(p.line, "member_no" in p.reason and "birthdate" in p.reason) for p in read.problems] == [
        (1, True)
    ]


def test_rows_against_the_table_new_already_imported_and_taken():
    data = "member_no,phone,birthdate\n000001,09011112222,1990-01-01\n000002,09011113333,1990-01-01\n"
    data += "000003,09011114444,1990-01-01\n000004,09011115555,1990-01-01\n"
    rows = read_legacy_members(data.encode(), SIX_DIGITS, TODAY).rows
    check = check_against_table(
        rows,
        {
            "000001": None,
            "000002": {"member_no": "000002", "status": "imported"},  # imported by the first run
            "000003": {"member_no": "000003", "status": "active", "user_id": "U1"},  # issued by Daifuku
            "000004": {"member_no": "000004", "status": "active", "imported_at": "x", "claimed_at": "y"},
        },
        {"09011113333": [{"member_no": "000002", "birthdate": "1990-01-01"}]},
    )
    assert [row.member_no for row in check.to_import] == ["000001"]
    assert [row.member_no for row in check.unchanged] == ["000002", "000004"]
    assert [(p.line, p.reason) for p in check.problems] == [
        (4, "member number 000003 is already taken (active)")
    ]
