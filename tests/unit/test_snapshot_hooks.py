"""SnapStart's before-snapshot hook: registered when Lambda's runtime offers it, and priming what the
first request needs; without the runtime's module, the handlers import as before."""

from __future__ import annotations

import importlib
import sys
from types import ModuleType, SimpleNamespace
from typing import Any

import pytest

from daifuku.settings import settings_from
from daifuku.snapshot_hooks import prime_before_snapshot
from daifuku.wiring import Wiring


@pytest.fixture
def snapshot_runtime(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """Lambda's `snapshot_restore_py`, recording the hooks registered before the snapshot."""
    registered: list[Any] = []
    module = ModuleType("snapshot_restore_py")
    module.register_before_snapshot = registered.append  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", module)
    return registered


def test_without_the_runtime_hook_nothing_is_registered(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "snapshot_restore_py", None)  # an import of it fails
    assert prime_before_snapshot(lambda: None) is False


@pytest.mark.parametrize("function", ["webhook", "liff_api", "link_redirect"])
def test_each_customer_facing_handler_registers_its_priming(
    function: str, snapshot_runtime: list[Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given a fresh import of the handler, as in a new execution environment
    monkeypatch.delitem(sys.modules, f"functions.{function}.handler", raising=False)
    module = importlib.import_module(f"functions.{function}.handler")
    # Then its priming is what the runtime calls before the snapshot
    assert snapshot_runtime == [module.prime]


class RecordingSession:
    def __init__(self) -> None:
        self.clients: list[str] = []

    def client(self, service: str) -> Any:
        self.clients.append(service)
        return SimpleNamespace(meta=SimpleNamespace(events=SimpleNamespace(register=lambda *_, **__: None)))


def test_priming_builds_the_table_client_and_reads_the_credentials() -> None:
    # Given a wiring whose credentials store answers
    session = RecordingSession()
    wiring = Wiring(
        settings_from(
            {
                "DAIFUKU_TABLE_NAME": "members",
                "DAIFUKU_LINE_CREDENTIALS_PARAMETER": "/daifuku/shop/line/credentials",
            }
        ),
        session=session,
    )
    read: list[str] = []
    wiring.__dict__["line_credentials_store"] = SimpleNamespace(load=lambda: read.append("credentials"))

    # When it is primed before the snapshot
    wiring.prime()

    # Then the DynamoDB client exists and the credentials were read
    assert session.clients == ["dynamodb"] and read == ["credentials"]
