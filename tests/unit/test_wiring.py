"""The wiring builds each adapter once, on first use, from the settings; nothing connects before."""

from types import SimpleNamespace
from typing import Any

import pytest
from pydantic import ValidationError

from daifuku.adapters.dynamodb.repositories import Repositories
from daifuku.settings import settings_from
from daifuku.wiring import Wiring, current_wiring, use_wiring

ENVIRONMENT = {
    "DAIFUKU_TABLE_NAME": "members",
    "DAIFUKU_LINE_CREDENTIALS_PARAMETER": "/daifuku/shop/line/credentials",
}


class CountingSession:
    """A stand-in boto3 session that records which clients were asked for."""

    def __init__(self) -> None:
        self.clients: list[str] = []

    def client(self, service: str) -> Any:
        self.clients.append(service)
        return SimpleNamespace(meta=SimpleNamespace(events=SimpleNamespace(register=lambda *_, **__: None)))


class CountingResource:
    """A stand-in boto3 DynamoDB resource (the operator CLI's and the local stack's way in)."""

    def __init__(self) -> None:
        self.meta = SimpleNamespace(client=object())


def test_the_table_client_is_built_once_on_first_use_and_shared_by_every_repository():
    session = CountingSession()
    wiring = Wiring(settings_from(ENVIRONMENT), session=session)
    assert session.clients == []  # nothing connects while wiring
    repositories = wiring.table
    assert isinstance(repositories, Repositories) and wiring.table is repositories
    assert session.clients == []  # nor while composing the repositories
    assert repositories.members._gateway.client is repositories.coupons._gateway.client
    assert session.clients == ["dynamodb"]


def test_every_aws_client_comes_from_the_one_session():
    session = CountingSession()
    wiring = Wiring(settings_from(ENVIRONMENT), session=session)
    _ = wiring.table.members._gateway.client
    assert wiring.aws_session is session
    assert wiring.line_credentials_store._session is session


def test_a_given_resource_lends_its_client():
    resource = CountingResource()
    wiring = Wiring(settings_from(ENVIRONMENT), dynamodb=resource)
    assert wiring.table.members._gateway.client is resource.meta.client


def test_each_run_gets_its_own_read_count():
    wiring = Wiring(settings_from(ENVIRONMENT), dynamodb=CountingResource())
    first, second = wiring.table.campaigns(), wiring.table.campaigns()
    assert first is not second and first.items_read == second.items_read == 0


def test_the_send_queue_is_refused_without_its_setting():
    wiring = Wiring(settings_from(ENVIRONMENT))
    with pytest.raises(ValidationError, match="DAIFUKU_SEND_QUEUE_URL"):
        _ = wiring.send_queue


def test_a_test_can_put_its_own_wiring_in_place():
    wiring = Wiring(settings_from(ENVIRONMENT), dynamodb=CountingResource())
    use_wiring(wiring)
    try:
        assert current_wiring() is wiring
    finally:
        use_wiring(None)


class RecordingLambda:
    """A stand-in boto3 Lambda client that records its invocations."""

    def __init__(self) -> None:
        self.invocations: list[dict[str, Any]] = []

    def invoke(self, **request: Any) -> dict[str, Any]:
        self.invocations.append(request)
        return {"StatusCode": 202}


def test_a_rich_menu_refresh_is_an_asynchronous_invoke_of_the_painter():
    environment = {**ENVIRONMENT, "DAIFUKU_RICH_MENU_PAINTER_FUNCTION": "daifuku-painter"}
    refresh = Wiring(settings_from(environment)).rich_menu_refresh
    refresh._client = client = RecordingLambda()
    refresh.request()
    assert [(i["FunctionName"], i["InvocationType"]) for i in client.invocations] == [
        ("daifuku-painter", "Event")
    ]


def test_the_rich_menu_refresh_is_refused_without_the_painters_name():
    with pytest.raises(ValidationError, match="DAIFUKU_RICH_MENU_PAINTER_FUNCTION"):
        _ = Wiring(settings_from(ENVIRONMENT)).rich_menu_refresh
