"""Lambda's polling of a queue, switched on only while the queue has work.

An enabled SQS event source mapping keeps five long polls open on its queue, night and day: for a
quiet shop that is most of the bill (bench/cost.py). So each queue's mapping is on only while there
is something to deliver:
- whoever puts messages on the queue calls `start()` afterwards (adapters/sqs_queue.py does), so a
  send or an event starts at once;
- the minute schedule (functions/scenario_scheduler) calls `settle()`: the mapping goes off once the
  queue holds nothing (none waiting, in flight or delayed), and on again if a start was missed (a
  message put on the queue some other way, such as the DLQ redrive, or a start that failed), so
  nothing waits more than about a minute.

The Lambda API calls are free; `settle()` costs one SQS request a minute per queue.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Any

log = logging.getLogger("daifuku.queue_polling")

# A start within this many seconds of this environment's last one is taken as done: a burst of
# events or batches makes one Lambda API call, not one each.
START_REMEMBERED_SECONDS = 10.0
BACKLOG_ATTRIBUTES = (
    "ApproximateNumberOfMessages",
    "ApproximateNumberOfMessagesNotVisible",
    "ApproximateNumberOfMessagesDelayed",
)


class QueuePolling:
    """The event source mapping `mapping_id` of the queue at `queue_url`."""

    def __init__(
        self,
        mapping_id: str,
        queue_url: str,
        session: Any,
        monotonic: Callable[[], float] = time.monotonic,
    ):
        self.mapping_id = mapping_id
        self._queue_url = queue_url
        self._session = session
        self._monotonic = monotonic
        self._started_at: float | None = None
        self._lambda: Any = None
        self._sqs: Any = None

    def start(self) -> None:
        """Poll the queue now (messages were just put on it). Never fails the caller: a start that
        does not go through is made by the next minute's `settle()`."""
        now = self._monotonic()
        if self._started_at is not None and now - self._started_at < START_REMEMBERED_SECONDS:
            return
        if self._switch(True):
            self._started_at = now

    def settle(self, keep_on: bool = False) -> bool:
        """On while the queue has work (or `keep_on`), off otherwise. Whether it polls now."""
        state = self._lambda_client().get_event_source_mapping(UUID=self.mapping_id)["State"]
        wanted = keep_on or self.backlog() > 0
        if wanted and state in ("Disabled", "Disabling"):
            self._switch(True)
        elif not wanted and state in ("Enabled", "Enabling"):
            self._switch(False)
            self._started_at = None
            # A message put on between the count and the switch: its producer's start came first.
            if self.backlog() > 0:
                self._switch(True)
                return True
        return wanted

    def backlog(self) -> int:
        """The messages the queue holds: waiting, being delivered or delayed (SQS's approximations)."""
        attributes = self._sqs_client().get_queue_attributes(
            QueueUrl=self._queue_url, AttributeNames=list(BACKLOG_ATTRIBUTES)
        )["Attributes"]
        return sum(int(attributes.get(name, 0)) for name in BACKLOG_ATTRIBUTES)

    def _switch(self, enabled: bool) -> bool:
        try:
            self._lambda_client().update_event_source_mapping(UUID=self.mapping_id, Enabled=enabled)
        except Exception as error:
            # ResourceInUseException: it is changing state already; anything else: settle() retries.
            log.warning(
                "queue polling not switched",
                extra={"mapping_id": self.mapping_id, "enabled": enabled, "error": type(error).__name__},
            )
            return False
        return True

    def _lambda_client(self) -> Any:
        if self._lambda is None:
            self._lambda = self._session.client("lambda")
        return self._lambda

    def _sqs_client(self) -> Any:
        if self._sqs is None:
            self._sqs = self._session.client("sqs")
        return self._sqs
