"""The push worker's scenario part: due steps from the send queue become LINE pushes, each once."""

from __future__ import annotations

import threading

from daifuku.domain.scenario_delivery import StepDelivery
from daifuku.domain.scenario_engine import ScenarioEngine
from daifuku.domain.scenarios import ScenarioStepBatch
from daifuku.settings import SendQueueSettings, settings_as
from daifuku.wiring import current_wiring

# One per execution environment (per thread in the local stack), as the campaigns' push worker.
_environment = threading.local()


def step_delivery() -> StepDelivery:
    delivery: StepDelivery | None = getattr(_environment, "delivery", None)
    if delivery is None:
        wiring = current_wiring()
        wiring = wiring.sibling(settings_as(wiring.settings, SendQueueSettings))
        line = wiring.line(timeout_seconds=5)
        paced = wiring.paced_line(line)
        repository = wiring.table.scenarios()
        engine = ScenarioEngine(repository, wiring.timezone, wiring.clock)
        delivery = _environment.delivery = StepDelivery(
            engine=engine,
            line=paced,
            tags=repository,
            tracked_links=wiring.table.tracked_links,
            link_codes=wiring.link_codes,
            aggregation_units=True,
            actions=repository,
            menus=line,
            staff=wiring.table.staff,
        )
    # The shop's frequency cap as it is now (its rules are read once per batch).
    delivery.cap = current_wiring().table.frequency_cap()
    return delivery


def deliver_steps(body: str) -> dict[str, int]:
    """Deliver one queue message of due steps; RetryLater when LINE asks to wait. Counts by outcome."""
    outcomes = step_delivery().deliver(ScenarioStepBatch.model_validate_json(body))
    counts: dict[str, int] = {}
    for outcome in outcomes.values():
        counts[outcome.value] = counts.get(outcome.value, 0) + 1
    return counts
