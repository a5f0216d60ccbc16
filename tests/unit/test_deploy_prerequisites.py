"""`daifuku deploy` checks what a deployment needs before running cdk, against moto (no real AWS), with
the cdk invocation faked; what is missing is said in plain words and nothing is deployed."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from daifuku_cli.deploy import BOOTSTRAP_STACK, Prerequisite, check_tools, deploy

REGION = "ap-northeast-1"
TOOLS_OK = lambda: [Prerequisite("Node.js"), Prerequisite("CDK CLI")]  # noqa: E731
OUTPUTS = {
    "Daifuku": {
        "WebhookUrl": "https://abc123.execute-api.ap-northeast-1.amazonaws.com/webhook",
        "LiffSiteUrl": "https://d111111abcdef8.cloudfront.net",
    }
}


class FakeCdk:
    """Stands in for node_modules/.bin/cdk: records the command and writes the outputs file (the
    stack creates no credentials: `daifuku setup` puts them in Parameter Store)."""

    def __init__(self, session: boto3.Session, status: int = 0):
        self.commands: list[list[str]] = []
        self.status = status
        self._session = session

    def __call__(self, command: list[str]) -> int:
        self.commands.append(command)
        if self.status == 0:
            outputs = {"Daifuku": {**OUTPUTS["Daifuku"], "LineCredentialsParameterName": PARAMETER}}
            Path(command[command.index("--outputs-file") + 1]).write_text(json.dumps(outputs))
        return self.status


PARAMETER = "/daifuku/Daifuku/line/credentials"
CREDENTIALS = {
    "channel_secret": "0123456789abcdef0123456789abcdef",
    "channel_access_token": "token",
    "login_channel_id": "1650000000",
    "login_channel_secret": "login-secret",
}


def an_old_stack_with_its_secret(session: boto3.Session) -> None:
    """A shop deployed before the credentials moved: its stack's LineSecretArn output and the secret."""
    secret = session.client("secretsmanager").create_secret(
        Name="DaifukuLineSecret", SecretString=json.dumps(CREDENTIALS)
    )
    template = {"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}, "Outputs": {}}
    template["Outputs"]["LineSecretArn"] = {"Value": secret["ARN"]}
    session.client("cloudformation").create_stack(StackName="Daifuku", TemplateBody=json.dumps(template))


@pytest.fixture
def aws(monkeypatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield boto3.Session(region_name=REGION)


def bootstrap(session: boto3.Session, version: str = "27") -> None:
    """What `cdk bootstrap` leaves behind that the check reads: the CDKToolkit stack and its version."""
    parameter = {"Name": "/cdk-bootstrap/hnb659fds/version", "Value": version, "Type": "String"}
    template = {
        "Resources": {"CdkBootstrapVersion": {"Type": "AWS::SSM::Parameter", "Properties": parameter}}
    }
    session.client("cloudformation").create_stack(
        StackName=BOOTSTRAP_STACK, TemplateBody=json.dumps(template)
    )


def test_an_account_that_is_not_bootstrapped_is_told_the_command_and_nothing_deploys(aws, capsys):
    cdk = FakeCdk(aws)
    assert deploy(aws, cdk=cdk, tools=TOOLS_OK) == 1
    output = capsys.readouterr().out
    assert "Account 123456789012 is not bootstrapped in ap-northeast-1" in output
    assert "./dev cdk bootstrap aws://123456789012/ap-northeast-1" in output
    assert cdk.commands == []


def test_an_old_bootstrap_version_is_reported(aws, capsys):
    bootstrap(aws, version="4")
    cdk = FakeCdk(aws)
    assert deploy(aws, cdk=cdk, tools=TOOLS_OK) == 1
    assert "bootstrap in ap-northeast-1 is version 4; 6+ is needed" in capsys.readouterr().out
    assert cdk.commands == []


def test_no_region_and_missing_tools_are_said_in_plain_words(aws, capsys):
    cdk = FakeCdk(aws)
    missing_cdk = lambda: [Prerequisite("CDK CLI", "The npm packages (the pinned CDK CLI) are not installed")]  # noqa: E731
    assert deploy(boto3.Session(region_name=None), cdk=cdk, tools=missing_cdk) == 1
    output = capsys.readouterr().out
    assert "No AWS region is set" in output
    assert "The npm packages (the pinned CDK CLI) are not installed" in output
    assert cdk.commands == []


def test_missing_credentials_are_reported(monkeypatch, tmp_path, capsys):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")
    cdk = FakeCdk(boto3.Session(region_name=REGION))
    assert deploy(boto3.Session(region_name=REGION), cdk=cdk, tools=TOOLS_OK) == 1
    assert "No usable AWS credentials" in capsys.readouterr().out
    assert cdk.commands == []


def test_a_ready_account_deploys_with_the_pinned_cdk_and_prints_the_urls(aws, capsys):
    bootstrap(aws)
    cdk = FakeCdk(aws)
    assert deploy(aws, cdk=cdk, cdk_arguments=["--require-approval", "never"], tools=TOOLS_OK) == 0
    (command,) = cdk.commands
    assert command[:2] == ["deploy", "Daifuku"] and command[-2:] == ["--require-approval", "never"]
    output = capsys.readouterr().out
    assert "Webhook URL (Messaging API channel):   https://abc123.execute-api" in output
    assert "LIFF endpoint URL (LINE Login channel): https://d111111abcdef8.cloudfront.net" in output
    assert "The LINE channel credentials are not stored yet: `daifuku setup` asks for them." in output


def test_a_failed_cdk_deploy_is_its_exit_status(aws, capsys):
    bootstrap(aws)
    assert deploy(aws, cdk=FakeCdk(aws, status=3), tools=TOOLS_OK) == 3
    assert "cdk deploy failed (exit 3)" in capsys.readouterr().out


def test_the_tool_check_finds_node_and_the_pinned_cdk_cli(tmp_path):
    assert [c.missing for c in check_tools(tmp_path / "cdk", which=lambda _: None)] == [
        "Node.js 20 or newer is not installed."
    ]
    missing = check_tools(tmp_path / "cdk")
    assert [c.name for c in missing if c.missing] == ["CDK CLI"]


def test_a_shop_upgrading_from_the_secret_keeps_its_credentials(aws, capsys):
    # Given a shop deployed when the LINE credentials were in a Secrets Manager secret
    bootstrap(aws)
    an_old_stack_with_its_secret(aws)
    # When the operator deploys this version (which deletes the secret)
    assert deploy(aws, cdk=FakeCdk(aws), tools=TOOLS_OK) == 0
    # Then the credentials were copied to the SecureString parameter first, and are reported stored
    parameter = aws.client("ssm").get_parameter(Name=PARAMETER, WithDecryption=True)["Parameter"]
    assert parameter["Type"] == "SecureString" and json.loads(parameter["Value"]) == CREDENTIALS
    output = capsys.readouterr().out
    assert "Moved the LINE channel credentials from Secrets Manager to Parameter Store" in output
    assert "The LINE channel credentials are stored." in output
