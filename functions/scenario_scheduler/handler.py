"""The minute schedule: every minute (EventBridge Scheduler), the scenario steps due by now go on the
send queue for the push workers. It reads only the due items (ScenarioRepository.take_due): an idle
minute costs the cursor and one empty Query per shard.

The same minute settles the queues' polling (adapters/queue_polling.py): Lambda polls the send and
connect queues only while they have work, and the connect queue always while webhooks are forwarded
(the other tool must answer within LINE's reply-token time)."""

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


def settle_queue_polling() -> dict[str, bool]:
    """Each queue's polling on while it has work, off otherwise: whether each polls now."""
    wiring = current_wiring()
    polling: dict[str, bool] = {}
    for name, queue in (("send", wiring.send_queue_polling), ("connect", wiring.connect_queue_polling)):
        if queue is None:
            continue
        try:
            keep_on = name == "connect" and wiring.table.connect.forwarding().url is not None
            polling[f"{name}_polling"] = queue.settle(keep_on=keep_on)
        except Exception:
            # The steps are on the queue already; the next minute settles it again.
            logger.exception("queue polling not settled", extra={"queue": name})
    return polling


@logger.inject_lambda_context
@tracer.capture_lambda_handler
@metrics.log_metrics(capture_cold_start_metric=True)
def handler(event: dict, context: LambdaContext) -> dict[str, int | bool]:
    current_settings(SendQueueSettings)  # refuses to start without the send queue
    result = enqueue_due_steps()
    logger.info("scenario steps enqueued", extra=result)
    return {**result, **settle_queue_polling()}
