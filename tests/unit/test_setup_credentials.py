"""`daifuku setup` takes the channel credentials from prompts (secrets without echo) or a file, and
refuses an incomplete set before it touches anything."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from daifuku_cli import setup as setup_command
from daifuku_cli.main import main
from daifuku_cli.shop_setup import SetupCredentials

VALUES = {
    "channel_secret": "0123456789abcdef0123456789abcdef",
    "channel_access_token": "long-lived-token",
    "login_channel_id": "1650000000",
    "login_channel_secret": "login-secret",
}


class Terminal:
    """Standard input as a terminal: setup asks only when someone is there to answer."""

    def isatty(self) -> bool:
        return True


def test_secrets_are_asked_without_echo_and_the_channel_id_with_it(monkeypatch):
    # Given an operator answering each prompt (with stray spaces around the channel id)
    answers = {prompt: VALUES[name] for name, (prompt, _) in setup_command.PROMPTS.items()}
    hidden: list[str] = []
    shown: list[str] = []
    monkeypatch.setattr(
        setup_command.getpass, "getpass", lambda prompt: hidden.append(prompt) or answers[prompt]
    )
    monkeypatch.setattr("builtins.input", lambda prompt: shown.append(prompt) or f"  {answers[prompt]} ")
    monkeypatch.setattr("sys.stdin", Terminal())

    credentials = setup_command.read_credentials(None)

    # Then only the channel id was echoed, and every value is as typed
    assert shown == ["LINE Login channel ID: "]
    assert len(hidden) == 3 and all("secret" in p or "token" in p for p in hidden)
    assert credentials.secret_document() == VALUES


def test_a_credentials_file_is_read_and_secrets_do_not_show_in_its_repr(tmp_path):
    path = tmp_path / "line.json"
    path.write_text(json.dumps(VALUES))
    credentials = setup_command.read_credentials(path)
    assert credentials.secret_document() == VALUES
    assert VALUES["channel_access_token"] not in repr(credentials)


def test_an_incomplete_or_misspelt_file_is_refused(tmp_path):
    with pytest.raises(ValidationError, match="login_channel_secret"):
        SetupCredentials.model_validate({k: v for k, v in VALUES.items() if k != "login_channel_secret"})
    with pytest.raises(ValidationError, match="channel_acess_token"):
        SetupCredentials.model_validate({**VALUES, "channel_acess_token": "typo"})


def test_setup_stops_before_changing_anything_when_the_file_cannot_be_read(tmp_path, capsys, monkeypatch):
    resolved = []
    monkeypatch.setattr(setup_command, "resolve_target", lambda arguments: resolved.append(arguments))
    missing = tmp_path / "missing.json"
    assert main(["setup", "--local", "http://127.0.0.1:1", "--credentials-file", str(missing)]) == 2
    assert "The LINE credentials could not be read" in capsys.readouterr().err
    assert resolved == [], "nothing was looked up"


def test_setup_before_the_stack_is_deployed_says_to_deploy_first(tmp_path, capsys, monkeypatch):
    from moto import mock_aws

    for name, value in {
        "AWS_ACCESS_KEY_ID": "x",
        "AWS_SECRET_ACCESS_KEY": "x",
        "AWS_DEFAULT_REGION": "ap-northeast-1",
    }.items():
        monkeypatch.setenv(name, value)
    path = tmp_path / "line.json"
    path.write_text(json.dumps(VALUES))
    with mock_aws():
        assert main(["setup", "--credentials-file", str(path), "--dry-run"]) == 2
    said = capsys.readouterr().err.strip().splitlines()
    assert said == [
        "daifuku: No stack Daifuku in ap-northeast-1: deploy it first (daifuku deploy), "
        "or pass the right --region or --stack."
    ]
