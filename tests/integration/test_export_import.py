"""`daifuku export` and `daifuku import --from`: a shop with every kind of record leaves with its data
and comes back exactly, in a new stack; personal data only where the operator says.

This module runs its own local stack, so that the export holds only the shop built here (with the
demo shop's configuration, owner and friends), and imports into a second, empty moto: a new stack.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest

from daifuku.adapters.dynamodb.coupons import CouponRepository
from daifuku.adapters.dynamodb.shop import ShopConfigRepository
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.models.membership import Coupon
from daifuku.models.shop import (
    CouponTemplate,
    CustomDateField,
    CustomTextField,
    FieldUse,
    RegistrationFormConfig,
)
from daifuku_cli.main import main as daifuku
from daifuku_local.aws_resources import LocalChannel, create_local_resources, local_table
from daifuku_local.line_platform.client import SimulatorClient
from daifuku_local.moto_process import MotoServerProcess
from tests.integration.campaign_api import compose, fire_due_campaigns, tag_members, wait_until_finished
from tests.integration.member_api import a_form
from tests.integration.staff_api import give_coupon, new_template, visit
from tests.local_stack_runner import start_local_stack, stop_local_stack

pytestmark = pytest.mark.slow

REGULARS = "常連さん"


@pytest.fixture(scope="module")
def local_stack(artifacts_dir):
    stack = start_local_stack(artifacts_dir / f"export-stack-{os.getpid()}")
    yield stack
    stop_local_stack(stack)


@pytest.fixture(scope="module")
def line(local_stack):
    return SimulatorClient(local_stack.urls.simulator)


@pytest.fixture(scope="module")
def member_table(local_stack):
    return local_table(local_stack.urls.aws_endpoint)


@pytest.fixture(scope="module")
def empty_stack():
    """A second moto with the stack's resources and nothing in its table: a freshly deployed stack."""
    moto = MotoServerProcess()
    moto.start()
    create_local_resources(moto.endpoint_url, LocalChannel())
    yield moto.endpoint_url
    moto.stop()


@pytest.fixture(scope="module")
def shop(local_stack, line, member_table, api, owner, tmp_path_factory) -> dict[str, str]:
    """A shop with every kind of record: registered members (custom fields, Japanese text, optional
    fields left empty), friends only, a blocked friend, a deleted member, tags, a message, coupons used
    and unused, a finished campaign with its sends, and legacy members not yet claimed."""
    shops = ShopConfigRepository(TableGateway.of(member_table))
    config = shops.load_shop_config().model_copy(
        update={
            "registration_form": RegistrationFormConfig(
                email=FieldUse.OPTIONAL,
                custom_texts=(CustomTextField(label="好きなお菓子", use=FieldUse.OPTIONAL),),
                custom_dates=(CustomDateField(label="記念日", use=FieldUse.OPTIONAL),),
            ),
            "welcome_coupon": CouponTemplate(title="ご入会ありがとうクーポン", description=""),
        }
    )
    shops.save_shop_config(config)

    full = api.simulated_user("山田花子", follow=True)
    full_form = a_form(
        name="山田 花子",
        name_kana="やまだ はなこ",
        email="hanako@example.jp",
        custom_text_1="栗きんとん「極」",
        custom_date_1="2020-04-01",
    )
    assert api.register(full, full_form)[0] == 200
    plain = api.simulated_user("鈴木", follow=True)
    assert api.register(plain, a_form())[0] == 200
    friend = api.simulated_user("友だちだけ", follow=True)
    line.send_text(friend, "土曜日は何時まで営業していますか?")
    api.simulated_user("=SUM(1,2)", follow=True)  # a display name Excel must not run
    blocked = api.simulated_user("ブロック中", follow=True)
    line.block(blocked)
    deleted = api.simulated_user("退会済み", follow=True)
    assert api.register(deleted, a_form())[0] == 200
    assert api.delete_my_data(deleted)[0] == 200

    tag_members(member_table, [full, plain], REGULARS)
    CouponRepository(TableGateway.of(member_table)).grant_coupon(
        plain,
        Coupon(
            coupon_id="autumn-2026",
            title="秋の大福 1個",
            description="お会計時にご提示ください",
            issued_at=datetime(2026, 9, 1, tzinfo=UTC),
            used_at=datetime(2026, 9, 20, 5, 30, tzinfo=UTC),
        ),
    )
    # At the counter: a visit with its points, an adjustment, a memo, flags with reasons, coupons from a
    # template (one redeemed, one claimed from the poster), all written to the audit log.
    assert visit(api, owner, full)[0] == 201
    adjustment = {"delta": 5, "reason": "お誕生日のおまけ", "entry_id": uuid.uuid4().hex}
    assert api.call("POST", f"/liff/api/staff/members/{full}/points", owner, adjustment)[0] == 200
    memo = {"kind": "call", "text": "予約の変更のお電話(土曜→日曜)"}
    assert api.call("POST", f"/liff/api/staff/members/{plain}/memos", owner, memo)[0] == 201
    flags = {"do_not_send": True, "do_not_send_reason": "ご本人のご希望", "complaint_hold": False}
    assert api.call("PUT", f"/liff/api/staff/members/{plain}/flags", owner, flags)[0] == 200
    template = new_template(api, owner, title="焼き菓子 10%引き", image_url="https://example.jp/k.png")
    used = give_coupon(api, owner, template["template_id"], full)
    assert api.call("POST", f"/liff/api/staff/members/{full}/coupons/{used}/redeem", owner)[0] == 200
    give_coupon(api, owner, template["template_id"], plain)
    _, poster = api.call(
        "GET", f"/liff/api/staff/coupon-templates/{template['template_id']}/poster-code", owner
    )
    assert api.call("POST", "/liff/api/coupons/claim", full, {"code": poster["code"]})[0] == 201

    campaign_id = compose(api, owner, {"tags_any": [REGULARS]}, "{name}さま、新作の栗大福が入りました")
    fire_due_campaigns(api.api_url)
    assert wait_until_finished(api, owner, campaign_id)["sent"] == 1  # the other asked for no campaigns

    legacy = tmp_path_factory.mktemp("legacy") / "members.csv"
    legacy.write_bytes(
        "会員番号,氏名,電話番号,生年月日\r\n900001,高橋 一郎,090-7000-0001,1960/1/15\r\n".encode("cp932")
    )
    assert daifuku(["import", "--legacy", str(legacy), "--local", local_stack.urls.aws_endpoint]) == 0
    return {"full": full, "name": "山田 花子", "phone": full_form["phone"].replace("-", "")}


def export(endpoint: str, out: Path, personal: Path | None = None) -> int:
    arguments = ["export", "--local", endpoint, "--out", str(out)]
    return daifuku(arguments + (["--personal-data", str(personal)] if personal else []))


def files_of(directory: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir())}


def without_export_time(manifest: bytes) -> dict:
    loaded = json.loads(manifest)
    loaded.pop("exported_at")
    return loaded


def test_export_then_import_into_an_empty_stack_then_export_gives_identical_files(
    local_stack, shop, empty_stack, tmp_path, capsys
):
    first, second = tmp_path / "first", tmp_path / "second"
    assert export(local_stack.urls.aws_endpoint, first, tmp_path / "1" / "personal.csv") == 0
    written = capsys.readouterr().out
    assert "members.csv" in written and "rows" in written

    assert (
        daifuku(
            [
                "import",
                "--local",
                empty_stack,
                "--from",
                str(first),
                "--personal-data",
                str(tmp_path / "1" / "personal.csv"),
            ]
        )
        == 0
    )
    assert export(empty_stack, second, tmp_path / "2" / "personal.csv") == 0

    before, after = files_of(first), files_of(second)
    assert before.keys() == after.keys()
    for name in before:
        if name != "manifest.json":
            assert before[name] == after[name], f"{name} differs after the round trip"
    assert without_export_time(before["manifest.json"]) == without_export_time(after["manifest.json"])
    assert (tmp_path / "1" / "personal.csv").read_bytes() == (tmp_path / "2" / "personal.csv").read_bytes()

    # And the data was all there: every kind the shop made has rows.
    rows = {entry["file"]: entry["rows"] for entry in json.loads(before["manifest.json"])["files"]}
    for kind in ("members", "tags", "coupons", "messages", "conversations", "member_numbers"):
        assert rows[f"{kind}.csv"] > 0, kind
    for kind in ("legacy_members",):
        assert rows[f"{kind}.csv"] > 0, kind
    for kind in ("campaigns", "campaign_batches", "campaign_sends", "campaign_log", "staff", "shop"):
        assert rows[f"{kind}.csv"] > 0, kind
    for kind in ("visits", "points_ledger", "memos", "coupon_templates", "audit", "daily_stats", "totals"):
        assert rows[f"{kind}.csv"] > 0, kind
    assert rows["member_number_counter.csv"] == 1
    assert before["members.csv"].startswith(b"\xef\xbb\xbf")
    members = list(csv.DictReader(io.StringIO(before["members.csv"].decode("utf-8-sig"))))
    by_status = {(m["display_name"], m["status"], m["blocked"]) for m in members}
    assert {
        ("ブロック中", "friend", "true"),
        ("友だちだけ", "friend", "false"),
        ("", "deleted", "false"),
    } <= by_status
    assert {m["tags"] for m in members if m["status"] == "registered"} == {'["常連さん"]'}
    assert '"=SUM(1,2)"' in {m["display_name"] for m in members}
    personal = (tmp_path / "1" / "personal.csv").read_bytes().decode("utf-8-sig")
    assert "ヤマダ ハナコ" in personal and "栗きんとん「極」" in personal and "高橋 一郎" in personal
    assert "予約の変更のお電話(土曜→日曜)" in personal


def test_an_import_into_a_stack_that_holds_shop_data_is_refused(local_stack, shop, tmp_path, capsys):
    assert export(local_stack.urls.aws_endpoint, tmp_path / "out") == 0
    counted = len(list(local_table(local_stack.urls.aws_endpoint).scan()["Items"]))

    refused = daifuku(["import", "--local", local_stack.urls.aws_endpoint, "--from", str(tmp_path / "out")])

    assert refused == 2
    assert "already holds shop data" in capsys.readouterr().err
    assert len(list(local_table(local_stack.urls.aws_endpoint).scan()["Items"])) == counted


def test_without_personal_data_the_members_file_has_no_name_phone_or_birthdate(local_stack, shop, tmp_path):
    out = tmp_path / "out"
    assert export(local_stack.urls.aws_endpoint, out) == 0

    members = (out / "members.csv").read_bytes().decode("utf-8-sig")
    header = members.splitlines()[0].split(",")
    assert shop["full"] in members
    assert not {"name", "name_kana", "phone", "birthdate", "email", "custom_fields"} & set(header)
    assert shop["name"] not in members and shop["phone"] not in members and "1988-11-03" not in members
    everything = "".join(path.read_bytes().decode("utf-8-sig") for path in out.glob("*.csv"))
    assert shop["phone"] not in everything and "高橋 一郎" not in everything
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["personal_data"]["included"] is False
    assert "phone" in manifest["personal_data"]["left_out_columns"]["members.csv"]
    # (connect_deliveries when an earlier test of the session delivered outgoing events)
    assert set(manifest["excluded_transient"]) - {"connect_deliveries"} == {
        "webhook_events",
        "staff_alert_allowances",
        "staff_invitations",
        "api_rate_windows",
        "coupon_issues",
        "out_of_hours_replies",
        "inbox_alert_allowances",
    }


def test_an_item_no_kind_claims_fails_the_export_and_writes_nothing(
    local_stack, shop, member_table, tmp_path, capsys
):
    member_table.put_item(Item={"pk": "MYSTERY#1", "sk": "THING#2", "what": "誰も知らない"})
    try:
        assert export(local_stack.urls.aws_endpoint, tmp_path / "out") == 1
    finally:
        member_table.delete_item(Key={"pk": "MYSTERY#1", "sk": "THING#2"})
    assert "MYSTERY#… / THING#…: 1 item(s)" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
