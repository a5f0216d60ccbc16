"""The scenario schedule, locally: EventBridge Scheduler invokes it every minute when deployed; here a
thread runs it every second (of the stack's clock, which tests move), and `run_now()` runs it at once
(after the clock moves)."""

from __future__ import annotations

import logging
import threading
from typing import Any

from daifuku_local.lambda_runtime import LocalLambdaContext, load_handler

log = logging.getLogger("daifuku_local.scenario_schedule")
POLL_SECONDS = 1.0


class LocalScenarioSchedule:
    def __init__(self) -> None:
        self._handler = load_handler("scenario_scheduler")
        self._stopping = threading.Event()
        self._running = threading.Lock()  # one run at a time, as the deployed schedule's
        self._thread = threading.Thread(target=self._run, name="scenario-schedule", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def run_now(self) -> Any:
        with self._running:
            return self._handler({}, LocalLambdaContext(function_name="daifuku-scenario_scheduler"))

    def _run(self) -> None:
        while not self._stopping.wait(POLL_SECONDS):
            try:
                self.run_now()
            except Exception:
                log.exception("the scenario schedule failed; trying again")
