"""`./dev local --data-dir`: the table survives a restart of the local stack."""

from decimal import Decimal

from daifuku_local.aws_resources import LocalChannel, create_local_resources, local_table
from daifuku_local.moto_process import MotoServerProcess
from daifuku_local.snapshot import load_table_snapshot, save_table_snapshot


def test_a_snapshot_saved_on_stop_is_loaded_on_the_next_start(tmp_path):
    item = {
        "pk": "USER#U1",
        "sk": "MEMBER",
        "display_name": "山田花子",
        "points": Decimal("12"),
        "tags": {"vip"},
    }
    snapshot = tmp_path / "table.json"
    first = MotoServerProcess()
    first.start()
    try:
        resources = create_local_resources(first.endpoint_url, LocalChannel())
        local_table(first.endpoint_url).put_item(Item=item)
        assert save_table_snapshot(first.endpoint_url, resources.table_name, snapshot) == 1
    finally:
        first.stop()
    second = MotoServerProcess()
    second.start()
    try:
        resources = create_local_resources(second.endpoint_url, LocalChannel())
        assert load_table_snapshot(second.endpoint_url, resources.table_name, snapshot) == 1
        stored = local_table(second.endpoint_url).get_item(Key={"pk": "USER#U1", "sk": "MEMBER"})["Item"]
        assert stored == item
    finally:
        second.stop()
