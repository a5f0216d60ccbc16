"""The scenario schedule: every minute (EventBridge Scheduler), the scenario steps due by now go on the
send queue for the push workers. It reads only the due items (ScenarioRepository.take_due): an idle
minute costs the cursor and one empty Query per shard."""

from __future__ import annotations

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.domain.scenario_engine import ScenarioEngine
from daifuku.settings import SendQueueSettings, current_settings
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring

logger = Logger(service="scenario_scheduler")
tracer = function_tracer("scenario_scheduler")
metrics = Metrics(namespace="Daifuku", service="scenario_scheduler")


def enqueue_due_steps() -> dict[str, int]:
    """What one run does: the steps due now to the send queue; how many, and the items read."""
    wiring = current_wiring()
    repository = wiring.table.scenarios()
    engine = ScenarioEngine(repository, wiring.timezone, wiring.clock)
    enqueued = engine.enqueue_due(wiring.send_queue)
    return {"enqueued": enqueued, "items_read": repository.items_read, "queries": repository.queries}


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict[str, int]:
    current_settings(SendQueueSettings)  # refuses to start without the send queue
    result = enqueue_due_steps()
    logger.info("scenario steps enqueued", extra=result)
    return result
