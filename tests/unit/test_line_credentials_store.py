"""The LINE credentials come from their SecureString parameter, decrypted, and are read at most once
per cache period."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

from daifuku.adapters.line_credentials import LineCredentialsStore, credentials_parameter_name

DOCUMENT = {"channel_secret": "s" * 32, "channel_access_token": "token-1", "login_channel_id": "1650000000"}


@pytest.fixture
def session(monkeypatch: pytest.MonkeyPatch):
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.setenv(name, "testing")
    with mock_aws():
        yield boto3.session.Session(region_name="ap-northeast-1")


def test_the_credentials_are_read_from_the_secure_string_and_cached(session) -> None:
    # Given the parameter `daifuku setup` writes
    name = credentials_parameter_name("Daifuku")
    ssm = session.client("ssm")
    ssm.put_parameter(Name=name, Value=json.dumps(DOCUMENT), Type="SecureString")
    store = LineCredentialsStore(name, session)

    # When the functions read it
    credentials = store.load()

    # Then they get the values, kept secret in their repr
    assert credentials.channel_access_token.get_secret_value() == "token-1"
    assert credentials.login_channel_id == "1650000000"
    assert "token-1" not in repr(credentials)
    # And a new token is not read again within the cache period
    ssm.put_parameter(
        Name=name,
        Value=json.dumps({**DOCUMENT, "channel_access_token": "token-2"}),
        Overwrite=True,
        Type="SecureString",
    )
    assert store.load().channel_access_token.get_secret_value() == "token-1"


def test_the_parameter_lives_under_the_installations_own_path() -> None:
    assert credentials_parameter_name("Daifuku") == "/daifuku/Daifuku/line/credentials"
