"""The owner's 顧客一覧: the rows one domain function builds for the CLI and the staff download, and the
workbook they become (opened with openpyxl, as Excel would open it)."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import openpyxl

from daifuku.adapters.xlsx_workbook import workbook_bytes
from daifuku.domain.customer_list import customer_list
from daifuku.models.member import Member, MembershipStatus
from daifuku.models.shop import (
    CustomDateField,
    CustomTextField,
    RegistrationFormConfig,
    ShopConfig,
    StoreChoice,
)
from daifuku_cli.local_stack_file import local_stack_file, read_local_stack_urls

JST = ZoneInfo("Asia/Tokyo")


def a_member(n: int, **fields) -> Member:
    return Member(user_id=f"U{n:032x}", **fields)


SHOP = ShopConfig(
    registration_form=RegistrationFormConfig(
        store="optional",
        stores=(StoreChoice(id="ginza", name="銀座店"),),
        custom_texts=(CustomTextField(label="好きな和菓子", use="optional"),),
        custom_dates=(CustomDateField(label="結婚記念日", use="optional"),),
    )
)


def rows_by_header(members: list[Member], shop: ShopConfig = SHOP) -> list[dict[str, object]]:
    listed = customer_list(members, shop, JST)
    return [dict(zip([c.header for c in listed.columns], row, strict=True)) for row in listed.rows]


def test_a_member_row_joins_the_personal_fields_with_the_shops_labels_and_japan_time():
    member = a_member(
        1,
        status=MembershipStatus.REGISTERED,
        member_no="000123",
        name="山田 花子",
        phone="09012345678",
        birthdate=date(1990, 4, 1),
        gender="female",
        store_id="ginza",
        custom_fields={"custom_text_1": "豆大福", "custom_date_1": "2015-06-20", "custom_text_3": "旧項目"},
        registered_at=datetime(2026, 1, 31, 15, 30, tzinfo=UTC),
        tags=frozenset({"常連", "VIP"}),
    )
    [row] = rows_by_header([member])
    assert row["会員番号"] == "000123" and row["電話番号"] == "09012345678"
    assert (row["性別"], row["店舗"], row["好きな和菓子"]) == ("女性", "銀座店", "豆大福")
    assert row["結婚記念日"] == date(2015, 6, 20)
    assert row["追加項目3"] == "旧項目"  # a field the form no longer has keeps its answers
    assert row["会員登録日時"] == datetime(2026, 2, 1, 0, 30)  # JST, the next day
    assert row["タグ"] == "VIP、常連"


def test_a_deleted_member_keeps_only_the_number_and_state_and_members_come_before_friends():
    rows = rows_by_header(
        [
            a_member(3, followed_at=datetime(2026, 1, 1, tzinfo=UTC), display_name="友だち"),
            a_member(2, status=MembershipStatus.DELETED, member_no="000002", name="残っていた名前"),
            a_member(1, status=MembershipStatus.REGISTERED, member_no="000010", name="会員"),
        ]
    )
    assert [row["会員番号"] for row in rows] == ["000002", "000010", None]
    assert {k: v for k, v in rows[0].items() if v is not None} == {"会員番号": "000002", "状態": "退会済み"}
    assert rows[2]["状態"] == "友だち"


def test_the_workbook_keeps_text_as_text_and_never_runs_a_display_name_as_a_formula():
    member = a_member(
        1,
        status=MembershipStatus.REGISTERED,
        member_no="000123",
        phone="09012345678",
        display_name='=HYPERLINK("https://example.com")',
        points=1200,
        registered_at=datetime(2026, 1, 31, 15, 30, tzinfo=UTC),
    )
    sheet = openpyxl.load_workbook(io.BytesIO(workbook_bytes(customer_list([member], SHOP, JST)))).active
    cells = {header.value: cell for header, cell in zip(sheet[1], sheet[2], strict=True)}
    assert sheet.title == "顧客一覧" and sheet.freeze_panes == "A2"
    assert (cells["会員番号"].value, cells["会員番号"].data_type) == ("000123", "s")
    assert (cells["電話番号"].value, cells["電話番号"].data_type) == ("09012345678", "s")
    assert (cells["LINEの表示名"].value, cells["LINEの表示名"].data_type) == (
        '=HYPERLINK("https://example.com")',
        "s",
    )
    assert (cells["ポイント"].value, cells["ポイント"].data_type) == (1200, "n")
    assert cells["会員登録日時"].value == datetime(2026, 2, 1, 0, 30)


def test_the_local_stack_file_is_in_the_users_runtime_directory(tmp_path):
    assert local_stack_file({"XDG_RUNTIME_DIR": str(tmp_path)}) == tmp_path / "daifuku" / "local-stack.json"
    assert local_stack_file({"XDG_RUNTIME_DIR": str(tmp_path / "absent")}).parts[-3:] == (
        ".cache",
        "daifuku",
        "local-stack.json",
    )
    half_written = tmp_path / "half.json"
    half_written.write_text('{"aws_endpoint": "http://127.0.0.1:5000"}')
    assert read_local_stack_urls(half_written) is None
    assert read_local_stack_urls(tmp_path / "none.json") is None


def test_openpyxl_is_imported_by_the_download_route_only():
    # Given a fresh process, when the LIFF API's resolver is built with every route, then openpyxl
    # (about a second of CPU) is not imported: only the customer list download pays for it
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    probe = (
        "import sys; from functions.liff_api.handler import AUDIENCES, resolver; "
        "[resolver(audience) for audience in AUDIENCES]; "
        "print(any(m.split('.')[0] == 'openpyxl' for m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.strip() == "False"
