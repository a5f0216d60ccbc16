"""The owner downloads 顧客一覧 from the staff console on a 360 px phone; a clerk cannot."""

from __future__ import annotations

import openpyxl
import pytest

from tests.e2e.test_staff_console import a_member, open_console

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def test_the_owner_downloads_the_customer_list_from_the_console(
    local_stack, api, owner, phone_page, artifacts_dir, tmp_path
):
    # Given a registered member, when the owner taps 「顧客一覧をダウンロード」 on the #export screen
    user, card = a_member(api, name="ダウンロード 花子")
    open_console(phone_page, local_stack, owner, "dashboard")
    phone_page.get_by_role("link", name="顧客一覧をダウンロード").click()
    with phone_page.expect_download() as downloading:
        phone_page.get_by_role("button", name="顧客一覧をダウンロード").click()
    phone_page.get_by_text("顧客一覧をダウンロードしました。").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-customer-export.png"), full_page=True)

    # then the browser saves an Excel workbook with the member in it, their number as text
    download = downloading.value
    assert download.suggested_filename.startswith("顧客一覧-") and download.suggested_filename.endswith(
        ".xlsx"
    )
    saved = tmp_path / "list.xlsx"
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    rows = {row[0].value: row for row in sheet.iter_rows(min_row=2)}
    member_row = rows[card["member_no"]]
    assert member_row[0].data_type == "s" and member_row[2].value == "ダウンロード 花子"
    assert any(cell.value == user for cell in member_row)


def test_a_clerk_is_told_the_download_is_for_owners(local_stack, clerk, phone_page):
    open_console(phone_page, local_stack, clerk, "export")
    phone_page.get_by_text("顧客一覧のダウンロードはオーナーのみ行えます。").wait_for()
    assert phone_page.get_by_role("button", name="顧客一覧をダウンロード").is_disabled()
    assert phone_page.locator("#export-link").is_hidden()
