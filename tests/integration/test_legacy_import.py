"""`daifuku import --legacy`: the shop's members from before Daifuku become numbers customers claim
when they register with the same phone and birthdate; bad files are reported row by row, and import
nothing."""

from __future__ import annotations

import random

import pytest

from daifuku.adapters.dynamodb.keys import MEMBER_NUMBER_COUNTER_KEY, legacy_member_key, member_number_key
from daifuku_cli.main import main as daifuku
from tests.integration.member_api import a_form

pytestmark = pytest.mark.slow


def counter(member_table) -> int:
    item = member_table.get_item(Key=MEMBER_NUMBER_COUNTER_KEY, ConsistentRead=True).get("Item")
    return int(item["last_sequence"]) if item else 0


def a_phone() -> str:
    return f"080{random.randrange(10**8):08d}"


def import_legacy(local_stack, path, *options: str) -> int:
    return daifuku(["import", "--legacy", str(path), "--local", local_stack.urls.aws_endpoint, *options])


def stored(member_table, key: dict) -> dict | None:
    return member_table.get_item(Key=key, ConsistentRead=True).get("Item")


def test_a_file_with_bad_rows_reports_each_with_its_line_and_reason_and_imports_nothing(
    local_stack, api, member_table, tmp_path, capsys
):
    # Given a member Daifuku numbered already, and a file whose rows are good but for five
    taken_user = api.simulated_user()
    _, registered = api.register(taken_user, a_form())
    base = counter(member_table) + 1000
    good = [(f"{base + 1:06d}", a_phone()), (f"{base + 2:06d}", a_phone())]
    lines = [
        "会員番号,氏名,電話番号,生年月日",
        f"{good[0][0]},田中 一郎,{good[0][1]},1970/3/4",
        f"{base + 3:06d},田中 二郎,090-1234,1971-01-01",  # line 3: not a phone
        f"{base + 4:06d},田中 三郎,{a_phone()},1972-02-30",  # line 4: no 30 February
        f"{good[1][0]},田中 四郎,{good[1][1]},1973-05-05",
        f"{good[0][0]},田中 五郎,{a_phone()},1974-06-06",  # line 6: the number of line 2
        f"{registered['member_no']},田中 六郎,{a_phone()},1975-07-07",  # line 7: issued by Daifuku
        f"A{base + 7},田中 七郎,{a_phone()},1976-08-08",  # line 8: not the shop's format
    ]
    path = tmp_path / "old-members.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp932"))

    # When the operator imports it
    assert import_legacy(local_stack, path) == 1

    # Then every bad row is reported with its line number and reason, and nothing is imported
    out = capsys.readouterr()
    assert "line 3: phone is not a Japanese phone number" in out.out
    assert "line 4: birthdate is not a real date" in out.out
    assert f"line 6: member number {good[0][0]} is also on line 2" in out.out
    assert f"line 7: member number {registered['member_no']} is already taken (active)" in out.out
    assert f"line 8: member number A{base + 7} does not fit the shop's format" in out.out
    assert "line 2:" not in out.out and "line 5:" not in out.out
    assert "5 bad row(s): nothing was imported" in out.err
    for member_no, phone in good:
        assert stored(member_table, member_number_key(member_no)) is None
        assert stored(member_table, legacy_member_key(phone, member_no)) is None

    # With --skip-invalid, the two good rows go in
    assert import_legacy(local_stack, path, "--skip-invalid") == 0
    assert "Imported 2 legacy member(s)" in capsys.readouterr().out
    assert all(stored(member_table, member_number_key(n))["status"] == "imported" for n, _ in good)


def test_imported_numbers_are_claimed_at_registration_and_new_numbers_continue_above_them(
    local_stack, api, member_table, tmp_path, capsys
):
    base = counter(member_table) + 2000
    people = [(f"{base + n:06d}", a_phone(), f"19{60 + n}-0{n}-1{n}") for n in (1, 2, 3)]
    path = tmp_path / "members.csv"
    rows = "".join(f"{no},佐藤 {n}郎,{phone},{born}\r\n" for n, (no, phone, born) in enumerate(people))
    path.write_text("member_no,name,phone,birthdate\r\n" + rows, encoding="utf-8-sig")

    assert import_legacy(local_stack, path) == 0
    assert "Imported 3 legacy member(s)" in capsys.readouterr().out
    assert counter(member_table) == base + 3
    snapshot = [stored(member_table, legacy_member_key(p, n)) for n, p, _ in people]

    # Importing the same file again changes nothing
    assert import_legacy(local_stack, path) == 0
    assert "Imported 0 legacy member(s); 3 already imported, unchanged" in capsys.readouterr().out
    assert [stored(member_table, legacy_member_key(p, n)) for n, p, _ in people] == snapshot

    # A customer from before registers with the same phone and birthdate: their old number
    member_no, phone, born = people[1]
    customer = api.simulated_user(follow=True)
    status, claimed = api.register(customer, a_form(phone=phone, birthdate=born))
    assert status == 200 and claimed["member_no"] == member_no and claimed["legacy_number_claimed"]
    assert stored(member_table, member_number_key(member_no))["user_id"] == customer

    # A new customer gets a number above every imported one
    newcomer = api.simulated_user(follow=True)
    status, fresh = api.register(newcomer, a_form())
    assert status == 200 and int(fresh["member_no"]) == base + 4

    # And importing the file once more, after the claim, still changes nothing
    assert import_legacy(local_stack, path) == 0
    assert "Imported 0 legacy member(s); 3 already imported, unchanged" in capsys.readouterr().out
    assert stored(member_table, legacy_member_key(phone, member_no)) is None
