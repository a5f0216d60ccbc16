"""The LINE simulator's statistics per unit (insight.yml), through Daifuku's own LINE client: the units
a month's sends used, opens counted as LINE counts them (null below 20 people), and LINE's 400s."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from daifuku.adapters.line_api import LineMessagingClient
from daifuku.domain.campaign_funnel import opens
from daifuku.domain.errors import LineRequestFailed
from daifuku_local.line_platform import LineSimulator, SimulatorConfig

TOKEN = "insight-test-token"


@pytest.fixture
def simulator() -> Iterator[LineSimulator]:
    sim = LineSimulator(
        SimulatorConfig(channel_secret="s" * 32, channel_access_token=TOKEN, login_channel_id="1")
    )
    sim.start()
    yield sim
    sim.stop()


def test_opens_per_unit_are_counted_like_line_counts_them(simulator: LineSimulator) -> None:
    line = LineMessagingClient(TOKEN, simulator.base_url, simulator.base_url, timeout_seconds=5)
    users = []
    for n in range(21):
        user = simulator.create_user(f"開封{n}")
        simulator.follow(user.user_id)
        users.append(user.user_id)
    line.multicast(users, [{"type": "text", "text": "新作のお知らせ"}], aggregation_unit="c_spring")
    line.push(users[0], [{"type": "text", "text": "別のお知らせ"}], aggregation_unit="c_other")
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    assert line.aggregation_units_used() == 2

    for user_id in users[:19]:
        simulator.insight.open_messages(user_id)
    assert opens(line.unit_statistics("c_spring", today, today)) == (None, True)  # 19: fewer than 20
    simulator.insight.open_messages(users[19])
    assert opens(line.unit_statistics("c_spring", today, today)) == (20, False)
    assert opens(line.unit_statistics("c_spring", today - timedelta(days=5), today - timedelta(days=1))) == (
        None,
        True,
    )
    assert simulator.violations == []

    with pytest.raises(LineRequestFailed):
        line.unit_statistics("not-a-unit!", today, today)
    with pytest.raises(LineRequestFailed):
        line.unit_statistics("c_spring", today - timedelta(days=40), today)
