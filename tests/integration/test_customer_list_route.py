"""The owner's 顧客一覧 workbook, from the staff API's download and from `daifuku export --for-excel`:
opened with openpyxl as Excel would open it."""

from __future__ import annotations

import io
import urllib.error
import urllib.request
import uuid
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from tests.integration.staff_api import member_item, registered_member
from tests.integration.test_cli_failures import run_cli

pytestmark = pytest.mark.slow

DOWNLOAD = "/liff/api/staff/exports/customers.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
JST = ZoneInfo("Asia/Tokyo")
HEADERS = ("会員番号", "状態", "氏名", "フリガナ", "電話番号", "生年月日")


def download(api, user: str) -> tuple[int, str, bytes]:
    request = urllib.request.Request(f"{api.api_url}{DOWNLOAD}")
    request.add_header("Authorization", f"Bearer {api.id_token_for(user)}")
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.headers["Content-Type"], response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers["Content-Type"], error.read()


def sheet_rows(content: bytes) -> tuple[list[str], dict[str, list], openpyxl.worksheet.worksheet.Worksheet]:
    """(headers, rows by member number, the sheet) of a workbook."""
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    headers = [cell.value for cell in sheet[1]]
    rows = {row[0].value: list(row) for row in sheet.iter_rows(min_row=2) if row[0].value}
    return headers, rows, sheet


@pytest.fixture(scope="module")
def customers(api, member_table):
    """A member whose number and mobile start with 0, and a member who then deleted their data."""
    phones = [prefix + str(uuid.uuid4().int)[:8] for prefix in ("090", "080")]
    kept, kept_no = registered_member(api, name="一覧 花子", name_kana="イチラン ハナコ", phone=phones[0])
    gone, gone_no = registered_member(api, name="退会 次郎", phone=phones[1])
    status, _ = api.delete_my_data(gone)
    assert status == 200
    return {"kept": (kept, kept_no), "gone": (gone, gone_no), "phones": phones}


def test_the_owner_downloads_the_customer_list_as_a_workbook(api, owner, customers, member_table):
    # Given a registered member and one who deleted their data, when the owner downloads the list
    status, content_type, content = download(api, owner)
    assert (status, content_type) == (200, XLSX)
    headers, rows, sheet = sheet_rows(content)
    assert sheet.title == "顧客一覧"
    assert tuple(headers[: len(HEADERS)]) == HEADERS
    assert {"会員登録日時", "LINEユーザーID", "ポイント", "タグ"} <= set(headers)

    # then the member's number and phone are text (their leading zeros kept), and the time is Japan's
    user, member_no = customers["kept"]
    assert member_no.startswith("0")
    row = dict(zip(headers, rows[member_no], strict=True))
    assert (row["会員番号"].value, row["会員番号"].data_type) == (member_no, "s")
    assert (row["電話番号"].value, row["電話番号"].data_type) == (customers["phones"][0], "s")
    assert (row["氏名"].value, row["フリガナ"].value, row["状態"].value) == (
        "一覧 花子",
        "イチラン ハナコ",
        "会員",
    )
    registered_at = datetime.fromisoformat(member_item(member_table, user)["registered_at"])
    assert row["会員登録日時"].value == registered_at.astimezone(JST).replace(tzinfo=None, microsecond=0)
    assert row["会員登録日時"].number_format == "yyyy/mm/dd hh:mm"
    assert row["LINEユーザーID"].value == user

    # and the deleted member keeps a row with the number, without any of their personal data
    gone, gone_no = customers["gone"]
    gone_row = dict(zip(headers, rows[gone_no], strict=True))
    assert gone_row["状態"].value == "退会済み"
    assert [h for h, cell in gone_row.items() if cell.value is not None] == ["会員番号", "状態"]
    every_value = {cell.value for row in sheet.iter_rows() for cell in row}
    assert not {"退会 次郎", customers["phones"][1], gone} & every_value


def test_the_download_is_for_owners_and_is_audited(api, owner, clerk, customers):
    status, _, answer = download(api, clerk)
    assert status == 403 and b"not_owner" in answer
    assert download(api, owner)[0] == 200
    status, audit = api.call("GET", "/liff/api/staff/audit?limit=5", owner)
    assert status == 200
    latest = audit["entries"][0]
    assert (latest["action"], latest["actor_user_id"]) == ("customers.export", owner)
    assert int(latest["detail"]["rows"]) >= 2


def test_the_cli_writes_the_same_list(api, owner, customers, local_stack, tmp_path: Path):
    # Given the local stack's URLs file, when the operator runs `daifuku export --for-excel … --local`,
    # then the workbook has the download's columns and the member's row
    urls_file = tmp_path / "runtime" / "daifuku" / "local-stack.json"
    urls_file.parent.mkdir(parents=True)
    urls_file.write_text(local_stack.urls.model_dump_json())
    out = tmp_path / "顧客一覧.xlsx"
    run = run_cli(
        "export", "--for-excel", str(out), "--local", env={"XDG_RUNTIME_DIR": str(urls_file.parents[1])}
    )
    assert run.exit_code == 0, run
    assert "customer(s)" in run.stdout
    cli_headers, cli_rows, _ = sheet_rows(out.read_bytes())
    headers, rows, _ = sheet_rows(download(api, owner)[2])
    member_no = customers["kept"][1]
    assert cli_headers == headers
    assert [c.value for c in cli_rows[member_no]] == [c.value for c in rows[member_no]]
