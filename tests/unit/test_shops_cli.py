"""Several shops from one CLI: `daifuku deploy --shop NAME` deploys the shop's own stack, every command
takes `--shop`, and `daifuku shops` lists the shops' stacks with their webhook URLs and state (against
moto; the cdk invocation faked)."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from daifuku_cli.deploy import Prerequisite, deploy
from daifuku_cli.failures import UsageError
from daifuku_cli.local_stack_file import local_stack_file, local_stack_files
from daifuku_cli.main import build_parser
from daifuku_cli.shops import deployed_shops
from daifuku_cli.target import stack_of, where_hint
from infra.deployment_context import STACK_DESCRIPTION, shop_stack_name

REGION = "ap-northeast-1"
TOOLS_OK = lambda: [Prerequisite("Node.js"), Prerequisite("CDK CLI")]  # noqa: E731


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        session = boto3.Session(region_name=REGION)
        parameter = {"Name": "/cdk-bootstrap/hnb659fds/version", "Value": "27", "Type": "String"}
        template = {"Resources": {"V": {"Type": "AWS::SSM::Parameter", "Properties": parameter}}}
        session.client("cloudformation").create_stack(
            StackName="CDKToolkit", TemplateBody=json.dumps(template)
        )
        yield session


def a_stack(session: boto3.Session, name: str, description: str = STACK_DESCRIPTION) -> None:
    template = {
        "Description": description,
        "Resources": {"Topic": {"Type": "AWS::SNS::Topic"}},
        "Outputs": {"WebhookUrl": {"Value": f"https://{name.lower()}.execute-api.example/webhook"}},
    }
    session.client("cloudformation").create_stack(StackName=name, TemplateBody=json.dumps(template))


def test_each_shop_has_its_own_stack_and_a_name_that_cannot_be_one_is_refused():
    assert shop_stack_name(None) == "Daifuku"
    assert shop_stack_name("ginza-2") == "Daifuku-ginza-2"
    for bad in ("Ginza", "2nd", "a_b", "x" * 25, "", "銀座"):
        with pytest.raises(ValueError):
            shop_stack_name(bad)


def test_deploy_with_a_shop_deploys_that_shops_stack_with_the_shop_in_the_context(aws, capsys):
    commands: list[list[str]] = []

    def cdk(command: list[str]) -> int:
        commands.append(command)
        outputs = {"Daifuku-ume": {"WebhookUrl": "https://ume.example/webhook", "LiffSiteUrl": "https://x"}}
        Path(command[command.index("--outputs-file") + 1]).write_text(json.dumps(outputs))
        return 0

    assert deploy(aws, cdk=cdk, tools=TOOLS_OK, shop="ume") == 0
    (command,) = commands
    assert command[:2] == ["deploy", "Daifuku-ume"]
    assert command[-2:] == ["--context", "daifuku:shop=ume"]
    output = capsys.readouterr().out
    assert "https://ume.example/webhook" in output
    assert "daifuku setup --shop ume --owner-user-id" in output


@pytest.mark.parametrize(
    "command",
    [
        ["deploy"],
        ["setup", "--dry-run"],
        ["poster", "out.pdf"],
        ["export", "--out", "out"],
        ["import", "--from", "out"],
        ["dlq", "show"],
        ["dlq", "redrive"],
    ],
)
def test_every_command_takes_a_shop(command):
    arguments = build_parser().parse_args([*command, "--shop", "ume"])
    assert arguments.shop == "ume"


def test_the_shop_names_the_stack_unless_another_stack_is_named():
    parse = build_parser().parse_args
    assert stack_of(parse(["export", "--out", "out", "--shop", "ume"])) == "Daifuku-ume"
    assert stack_of(parse(["export", "--out", "out"])) == "Daifuku"
    assert where_hint(parse(["dlq", "show", "--shop", "ume"])) == "--shop ume"
    assert where_hint(parse(["dlq", "show", "--local", "--shop", "ume"])) == "--local --shop ume"
    with pytest.raises(UsageError):
        stack_of(parse(["export", "--out", "out", "--shop", "ume", "--stack", "Daifuku"]))
    with pytest.raises(SystemExit):
        parse(["export", "--out", "out", "--shop", "Not A Shop"])


def test_shops_lists_every_daifuku_stack_with_its_webhook_url_and_state(aws):
    a_stack(aws, "Daifuku")
    a_stack(aws, "Daifuku-ume")
    a_stack(aws, "Daifuku-sakura")
    a_stack(aws, "Daifuku-lookalike", description="someone else's stack")
    a_stack(aws, "Other")
    shops = deployed_shops(aws.client("cloudformation"))
    assert [(s.name, s.stack, s.state) for s in shops] == [
        ("-", "Daifuku", "CREATE_COMPLETE"),
        ("sakura", "Daifuku-sakura", "CREATE_COMPLETE"),
        ("ume", "Daifuku-ume", "CREATE_COMPLETE"),
    ]
    assert shops[2].webhook_url == "https://daifuku-ume.execute-api.example/webhook"


def test_each_local_shop_leaves_its_own_urls_file(tmp_path):
    environ = {"XDG_RUNTIME_DIR": str(tmp_path)}
    for shop in (None, "ume"):
        path = local_stack_file(environ, shop=shop)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("{}")
    assert local_stack_files(environ) == {
        None: tmp_path / "daifuku" / "local-stack.json",
        "ume": tmp_path / "daifuku" / "local-stack-ume.json",
    }
