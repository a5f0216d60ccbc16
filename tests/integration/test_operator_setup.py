"""`daifuku setup` against the LINE simulator: one command configures the local stack, a second run
and `--dry-run` change nothing."""

from __future__ import annotations

import json
import os
import socket
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from daifuku_cli.main import main
from daifuku_local.aws_resources import LocalChannel, aws_client, local_table
from daifuku_local.line_platform.client import SimulatorClient
from daifuku_local.line_platform.images import image_size, rich_menu_image_problem
from tests.integration.member_api import MemberApi, a_form
from tests.local_stack_runner import RunningLocalStack, start_local_stack, stop_local_stack
from tests.unit.test_poster import decoded_qr

CHANNEL = LocalChannel()


@pytest.fixture(scope="module")
def empty_stack(artifacts_dir: Path) -> Iterator[RunningLocalStack]:
    """A local stack with no demo shop: nothing on LINE is configured yet."""
    stack = start_local_stack(artifacts_dir / f"setup-stack-{os.getpid()}", extra_arguments=("--no-demo",))
    yield stack
    stop_local_stack(stack)


@pytest.fixture(scope="module")
def simulator(empty_stack: RunningLocalStack) -> SimulatorClient:
    return SimulatorClient(empty_stack.urls.simulator)


@pytest.fixture(scope="module")
def credentials_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("setup") / "line-credentials.json"
    path.write_text(json.dumps(CHANNEL.model_dump()))
    return path


def line_get(stack: RunningLocalStack, path: str, token: str = CHANNEL.channel_access_token) -> Any:
    request = urllib.request.Request(stack.urls.simulator + path)
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            body = response.read()
            return json.loads(body) if response.headers.get_content_type() == "application/json" else body
    except urllib.error.HTTPError as error:
        return {"status": error.code}


def login_channel_token(stack: RunningLocalStack) -> str:
    form = (
        f"grant_type=client_credentials&client_id={CHANNEL.login_channel_id}"
        f"&client_secret={CHANNEL.login_channel_secret}"
    ).encode()
    request = urllib.request.Request(stack.urls.simulator + "/v2/oauth/accessToken", data=form)
    with urllib.request.urlopen(request, timeout=10) as response:
        return str(json.loads(response.read())["access_token"])


def line_state(stack: RunningLocalStack) -> dict[str, Any]:
    """What the shop's LINE channel looks like, as LINE's own APIs report it."""
    return {
        "webhook": line_get(stack, "/v2/bot/channel/webhook/endpoint"),
        "liff_apps": line_get(stack, "/liff/v1/apps", login_channel_token(stack)),
        "rich_menus": line_get(stack, "/v2/bot/richmenu/list"),
        "default": line_get(stack, "/v2/bot/user/all/richmenu"),
        "aliases": line_get(stack, "/v2/bot/richmenu/alias/list"),
    }


def stored_state(stack: RunningLocalStack, owner: str) -> dict[str, Any]:
    table = local_table(stack.urls.aws_endpoint)
    parameter = aws_client("ssm", stack.urls.aws_endpoint).get_parameter(
        Name="/daifuku/daifuku/line/credentials", WithDecryption=True
    )["Parameter"]
    assert parameter["Type"] == "SecureString"
    return {
        "shop": (table.get_item(Key={"pk": "SHOP", "sk": "CONFIG"}).get("Item") or {}).get("config"),
        "owner": table.get_item(Key={"pk": "STAFF", "sk": owner}).get("Item"),
        "credentials": parameter["Value"],
    }


def run_setup(stack: RunningLocalStack, credentials: Path | None, owner: str, *extra: str) -> int:
    """`daifuku setup` on the local stack; with no credentials file, the ones stored by an earlier run."""
    urls = stack.urls
    source = ["--credentials-file", str(credentials)] if credentials else ["--stored-credentials"]
    return main(
        [
            "setup",
            "--local",
            urls.aws_endpoint,
            "--line-api-url",
            urls.simulator,
            "--webhook-url",
            urls.webhook,
            "--liff-site-url",
            urls.liff_site,
            *source,
            "--owner-user-id",
            owner,
            *extra,
        ]
    )


def test_setup_configures_the_shop_and_running_it_again_changes_nothing(
    empty_stack, simulator, credentials_file, capsys
):
    # Given a local stack nothing has been configured on, and the owner as a friend of the shop
    owner = simulator.create_user("店長", follow=True)
    before = line_state(empty_stack), stored_state(empty_stack, owner)

    # When the operator first looks with --dry-run
    assert run_setup(empty_stack, credentials_file, owner, "--dry-run") == 0
    dry_run_output = capsys.readouterr().out
    # Then it says what it would do, and LINE and the stack are as they were
    assert "would create" in dry_run_output and "would add" in dry_run_output
    assert (line_state(empty_stack), stored_state(empty_stack, owner)) == before

    # When setup runs
    assert run_setup(empty_stack, credentials_file, owner) == 0
    output = capsys.readouterr().out
    assert "LINE reached it (200)" in output

    # Then the webhook is set, and LINE's test request reached Daifuku
    state = line_state(empty_stack)
    assert state["webhook"]["endpoint"] == empty_stack.urls.webhook

    # And the three LIFF apps exist, each opening its page, and their ids are saved for the front end
    apps = {app["description"]: app for app in state["liff_apps"]["apps"]}
    assert {name: app["view"]["url"] for name, app in apps.items()} == {
        "大福堂 会員証": f"{empty_stack.urls.liff_site}/card.html",
        "大福堂 会員登録": f"{empty_stack.urls.liff_site}/register.html",
        "大福堂 スタッフ用": f"{empty_stack.urls.liff_site}/staff.html",
    }
    shop = stored_state(empty_stack, owner)["shop"]
    assert shop["liff_apps"] == {
        "card": apps["大福堂 会員証"]["liffId"],
        "registration": apps["大福堂 会員登録"]["liffId"],
        "staff": apps["大福堂 スタッフ用"]["liffId"],
    }
    site_ids = json.loads(urllib.request.urlopen(f"{empty_stack.urls.liff_site}/liff-apps.json").read())
    assert site_ids == {**shop["liff_apps"], "botBasicId": "@daifuku"}  # the simulator's bot

    # And both rich menus exist with images LINE accepts, the card area opening the card's LIFF app
    menus = {menu["name"]: menu for menu in state["rich_menus"]["richmenus"]}
    assert set(menus) == {"会員登録メニュー", "会員メニュー"}
    for menu in menus.values():
        image = line_get(empty_stack, f"/v2/bot/richmenu/{menu['richMenuId']}/content")
        assert rich_menu_image_problem(image, "image/png") is None
        assert image_size(image) == (menu["size"]["width"], menu["size"]["height"]) == (2500, 843)
        assert len(image) < 1024 * 1024
    card_area = menus["会員メニュー"]["areas"][0]["action"]
    assert (card_area["label"], card_area["uri"]) == (
        "会員証",
        f"https://liff.line.me/{shop['liff_apps']['card']}",
    )
    pre_registration, member = menus["会員登録メニュー"]["richMenuId"], menus["会員メニュー"]["richMenuId"]
    assert shop["rich_menus"]["pre_registration"] == pre_registration
    assert shop["rich_menus"]["member"] == member

    # And the pre-registration menu is the default, both have aliases, and a new friend sees it
    assert state["default"]["richMenuId"] == pre_registration
    assert {a["richMenuAliasId"]: a["richMenuId"] for a in state["aliases"]["aliases"]} == {
        "daifuku-register": pre_registration,
        "daifuku-member": member,
    }
    newcomer = simulator.create_user("新しいお客さま", follow=True)
    assert simulator.rich_menu(newcomer)["richMenuId"] == pre_registration

    # And the owner is on the staff list
    assert stored_state(empty_stack, owner)["owner"]["role"] == "owner"

    # When setup runs again, and once more with --dry-run
    after_first = line_state(empty_stack), stored_state(empty_stack, owner)
    assert run_setup(empty_stack, credentials_file, owner) == 0
    assert "nothing changed" in capsys.readouterr().out
    assert run_setup(empty_stack, credentials_file, owner, "--dry-run") == 0
    assert "nothing changed" in capsys.readouterr().out

    # Then nothing changed: the same menus, LIFF apps, aliases, default, shop config and secret
    assert (line_state(empty_stack), stored_state(empty_stack, owner)) == after_first
    assert simulator.violations() == []


def test_a_new_name_and_colour_replace_the_menus_rename_the_liff_apps_and_keep_members_on_their_menu(
    empty_stack, simulator, credentials_file, capsys
):
    # Given a configured shop with a registered member on the member menu
    owner = simulator.create_user("店長2", follow=True)
    assert run_setup(empty_stack, credentials_file, owner) == 0
    member = simulator.create_user("会員さま", follow=True)
    status, _ = MemberApi(empty_stack.urls.api, simulator).register(member, a_form())
    assert status in (200, 201)
    old_member_menu = stored_state(empty_stack, owner)["shop"]["rich_menus"]["member"]
    assert simulator.rich_menu(member)["richMenuId"] == old_member_menu
    liff_ids = stored_state(empty_stack, owner)["shop"]["liff_apps"]
    capsys.readouterr()

    # When the owner renames the shop, changes its colour and runs setup again
    local_table(empty_stack.urls.aws_endpoint).update_item(
        Key={"pk": "SHOP", "sk": "CONFIG"},
        UpdateExpression="SET config.theme_color = :colour, config.shop_name = :name",
        ExpressionAttributeValues={":colour": "#b03a5b", ":name": "和菓子 さくら"},
    )
    assert run_setup(empty_stack, credentials_file, owner) == 0
    output = capsys.readouterr().out

    # Then the same three LIFF apps carry the new name
    state = line_state(empty_stack)
    assert {app["liffId"]: app["description"] for app in state["liff_apps"]["apps"]} == {
        liff_ids["card"]: "和菓子 さくら 会員証",
        liff_ids["registration"]: "和菓子 さくら 会員登録",
        liff_ids["staff"]: "和菓子 さくら スタッフ用",
    }
    assert stored_state(empty_stack, owner)["shop"]["liff_apps"] == liff_ids

    # And both menus are replaced, the old ones deleted, and the member sees the new member menu
    assert output.count("replaced") == 2
    new_member_menu = stored_state(empty_stack, owner)["shop"]["rich_menus"]["member"]
    assert new_member_menu != old_member_menu
    assert {menu["richMenuId"] for menu in state["rich_menus"]["richmenus"]} == {
        state["default"]["richMenuId"],
        new_member_menu,
    }
    assert simulator.rich_menu(member)["richMenuId"] == new_member_menu
    assert simulator.violations() == []


def test_the_poster_reads_the_card_liff_app_from_the_shop_config(
    empty_stack, simulator, credentials_file, tmp_path
):
    # Given a configured shop, set up again with the credentials stored by the first run
    assert run_setup(empty_stack, None, simulator.create_user("店長3", follow=True)) == 0
    card_id = stored_state(empty_stack, "nobody")["shop"]["liff_apps"]["card"]

    # When the owner prints the poster of the local stack
    poster = tmp_path / "poster.png"
    assert main(["poster", str(poster), "--local", empty_stack.urls.aws_endpoint]) == 0

    # Then its QR opens the member card's LIFF app
    assert decoded_qr(poster) == [f"https://liff.line.me/{card_id}"]


def test_a_run_that_fails_half_way_is_finished_by_the_next_one(
    empty_stack, simulator, credentials_file, capsys
):
    # Given a configured shop whose owner picks a new colour
    owner = simulator.create_user("店長4", follow=True)
    assert run_setup(empty_stack, credentials_file, owner) == 0
    local_table(empty_stack.urls.aws_endpoint).update_item(
        Key={"pk": "SHOP", "sk": "CONFIG"},
        UpdateExpression="SET config.theme_color = :colour",
        ExpressionAttributeValues={":colour": "#1d4e89"},
    )
    capsys.readouterr()

    # When LINE fails while setup switches the default menu (the new menus already exist)
    simulator.set_faults(rate_500=1.0, endpoints=["set_default_menu"])
    try:
        assert run_setup(empty_stack, credentials_file, owner) == 1
    finally:
        simulator.set_faults(rate_500=0.0)
    failed = capsys.readouterr().err  # one line: LINE's answer and what to do
    assert "LINE answered 500" in failed and "run `daifuku setup` again" in failed

    # Then the next run finishes the job: the default and aliases on the new menus, the old ones gone
    assert run_setup(empty_stack, credentials_file, owner) == 0
    state = line_state(empty_stack)
    shop = stored_state(empty_stack, owner)["shop"]["rich_menus"]
    assert sorted(menu["richMenuId"] for menu in state["rich_menus"]["richmenus"]) == sorted(
        [shop["pre_registration"], shop["member"]]
    )
    assert state["default"]["richMenuId"] == shop["pre_registration"]
    assert {a["richMenuAliasId"]: a["richMenuId"] for a in state["aliases"]["aliases"]} == {
        "daifuku-register": shop["pre_registration"],
        "daifuku-member": shop["member"],
    }
    capsys.readouterr()
    assert run_setup(empty_stack, credentials_file, owner) == 0
    assert "nothing changed" in capsys.readouterr().out


def test_setup_says_in_one_line_when_line_cannot_be_reached(empty_stack, simulator, credentials_file, capsys):
    # Given a LINE API URL where nothing listens
    owner = simulator.create_user("店長5", follow=True)
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        nowhere = f"http://127.0.0.1:{unused.getsockname()[1]}"

    # When setup runs against it
    status = run_setup(empty_stack, credentials_file, owner, "--line-api-url", nowhere)

    # Then it fails with one line naming LINE, and no traceback
    said = capsys.readouterr()
    assert status == 1
    assert "Traceback" not in said.out + said.err
    assert len(said.err.strip().splitlines()) == 1 and "LINE could not be reached" in said.err
