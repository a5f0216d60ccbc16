"""Whatever the system writes, the shop can take it away: the export of the session's shared local
stack, after every test before this one wrote to it through the real handlers (friends, members,
campaigns, the staff console, coupons, webhooks of every type…), succeeds and round-trips exactly.

Named to run after the other integration tests (pytest runs modules in order), so that it sees the
most kinds of data; run alone it still checks whatever the stack holds then.
"""

from __future__ import annotations

import json

import pytest

from daifuku_cli.main import main as daifuku
from tests.integration.test_export_import import empty_stack, export, files_of, without_export_time

pytestmark = pytest.mark.slow

__all__ = ["empty_stack"]  # the fixture, shared with the round trip of the hand-built shop


def test_the_data_every_earlier_test_wrote_exports_and_comes_back_exactly(
    local_stack, empty_stack, tmp_path, capsys
):
    first, second = tmp_path / "first", tmp_path / "second"
    personal, personal_again = tmp_path / "1" / "personal.csv", tmp_path / "2" / "personal.csv"
    exported = export(local_stack.urls.aws_endpoint, first, personal)
    assert exported == 0, capsys.readouterr()

    imported = daifuku(
        ["import", "--local", empty_stack, "--from", str(first), "--personal-data", str(personal)]
    )
    assert imported == 0, capsys.readouterr()
    assert export(empty_stack, second, personal_again) == 0

    before, after = files_of(first), files_of(second)
    assert before.keys() == after.keys()
    for name in before:
        if name != "manifest.json":
            assert before[name] == after[name], f"{name} differs after the round trip"
    assert without_export_time(before["manifest.json"]) == without_export_time(after["manifest.json"])
    assert personal.read_bytes() == personal_again.read_bytes()
    rows = {entry["file"]: entry["rows"] for entry in json.loads(before["manifest.json"])["files"]}
    assert rows["members.csv"] > 0
