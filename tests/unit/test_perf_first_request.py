"""A cold start's first request runs without the cyclic garbage collector, which is back on for the
next request, after a failed first request too, unless something else had switched it off."""

from __future__ import annotations

import gc
from collections.abc import Iterator

import pytest

from daifuku.first_request import first_request_without_gc
from functions.liff_api import handler as liff_api
from functions.webhook import handler as webhook


@pytest.fixture(autouse=True)
def collector_restored() -> Iterator[None]:
    enabled = gc.isenabled()
    yield
    if enabled:
        gc.enable()
    else:
        gc.disable()


def recording_handler():
    seen: list[bool] = []

    @first_request_without_gc
    def handle(event: dict, context: object) -> dict:
        seen.append(gc.isenabled())
        if event.get("fail"):
            raise RuntimeError("the route failed")
        return {"statusCode": 200}

    return handle, seen


def test_only_the_first_request_runs_without_the_collector():
    gc.enable()
    handle, seen = recording_handler()

    assert handle({}, None) == {"statusCode": 200}
    assert gc.isenabled()
    handle({}, None)

    assert seen == [False, True]


def test_the_collector_is_back_on_after_a_first_request_that_failed():
    gc.enable()
    handle, seen = recording_handler()

    with pytest.raises(RuntimeError):
        handle({"fail": True}, None)

    assert gc.isenabled() and seen == [False]


def test_a_collector_switched_off_by_someone_else_stays_off():
    gc.disable()
    handle, _ = recording_handler()

    handle({}, None)

    assert not gc.isenabled()


def test_the_request_path_functions_handlers_are_wrapped():
    # The outermost wrapper of each customer-facing handler is this one (Powertools' decorators inside)
    ours = first_request_without_gc(lambda: None).__code__
    for module in (liff_api, webhook):
        assert module.handler.__code__ is ours and module.handler.__name__ == "handler"
