"""Deployed, the wiring's clock is the system's; the local stack's clock only moves forward."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from daifuku.clock import system_clock
from daifuku.settings import settings_from
from daifuku.wiring import Wiring
from daifuku_local.movable_clock import MovableClock

ENVIRONMENT = {"DAIFUKU_TABLE_NAME": "t", "DAIFUKU_LINE_CREDENTIALS_PARAMETER": "/daifuku/line"}


def test_a_deployed_wiring_reads_the_system_clock_and_its_siblings_share_it():
    wiring = Wiring(settings_from(ENVIRONMENT))
    assert wiring.clock is system_clock
    assert wiring.sibling().clock is system_clock
    assert abs(wiring.clock() - datetime.now(UTC)) < timedelta(minutes=1)


def test_the_movable_clock_moves_forward_only():
    clock = MovableClock()
    moved = clock.advance(timedelta(days=7))
    assert moved - datetime.now(UTC) > timedelta(days=6, hours=23)
    with pytest.raises(ValueError):
        clock.advance(timedelta(seconds=-1))
    assert abs(clock.reset() - datetime.now(UTC)) < timedelta(minutes=1)
