"""The local stack's clock: tests move the functions' time forward by days in seconds."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.integration.scenario_api import advance_clock, local_control, reset_clock

pytestmark = pytest.mark.moves_clock


def test_the_clock_moves_forward_by_days_and_back_to_the_real_time(local_stack):
    # Given the local stack's clock control
    api_url = local_stack.urls.api
    before = datetime.fromisoformat(local_control(api_url, "GET", "clock")[1]["now"])
    try:
        # When the clock is moved forward by three days
        moved = advance_clock(api_url, days=3)
        # Then the functions' time is three days on, and a backward move is refused with a reason
        assert datetime.fromisoformat(moved["now"]) - before >= timedelta(days=3)
        assert moved["offset_seconds"] == 3 * 86400
        status, refused = local_control(api_url, "POST", "clock/advance", {"days": -1})
        assert status == 400
        assert "forward" in refused["message"]
    finally:
        reset = reset_clock(api_url)
    assert reset["offset_seconds"] == 0
