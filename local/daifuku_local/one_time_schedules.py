"""EventBridge Scheduler's one-time schedules, locally: moto stores them, this fires them when due.

The staff console schedules a campaign's start as `at(…)` in the campaign schedule group. Here a
thread looks at that group every second and, when a schedule is due, deletes it (as
ActionAfterCompletion=DELETE does) and invokes the campaign planner with its input. Tests do not
wait for the clock: `fire_due(ahead=…)` fires what would be due that much later.
"""

from __future__ import annotations

import json
import logging
import re
import threading
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from daifuku.clock import Clock, system_clock
from daifuku_local.aws_resources import aws_client
from daifuku_local.lambda_runtime import LocalLambdaContext, load_handler

log = logging.getLogger("daifuku_local.schedules")
AT_EXPRESSION = re.compile(r"^at\((\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\)$")
POLL_SECONDS = 1.0


class OneTimeScheduler:
    def __init__(self, endpoint_url: str, group_name: str, clock: Clock = system_clock):
        self._clock = clock
        self._scheduler = aws_client("scheduler", endpoint_url)
        self._group_name = group_name
        self._planner = load_handler("segment_send", module="planner")
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="one-time-schedules", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._thread.join(timeout=5)

    def fire_due(self, ahead: timedelta = timedelta(0)) -> list[dict[str, Any]]:
        """Fire every schedule due by now + `ahead`; the planners' results, in order."""
        deadline = self._clock() + ahead
        results = []
        for summary in self._scheduler.list_schedules(GroupName=self._group_name)["Schedules"]:
            try:
                schedule = self._scheduler.get_schedule(Name=summary["Name"], GroupName=self._group_name)
            except self._scheduler.exceptions.ResourceNotFoundException:
                continue  # fired (and deleted) by the poller or a test since it was listed
            due = _due_at(schedule)
            if due is None or due > deadline:
                continue
            try:
                # Whoever deletes it fires it: the poller and a test's fire_due never both do.
                self._scheduler.delete_schedule(Name=summary["Name"], GroupName=self._group_name)
            except self._scheduler.exceptions.ResourceNotFoundException:
                continue
            payload = json.loads(schedule["Target"].get("Input") or "{}")
            log.info("schedule %s fired", summary["Name"])
            results.append(
                self._planner(payload, LocalLambdaContext(function_name="daifuku-campaign-planner"))
            )
        return results

    def _run(self) -> None:
        while not self._stopping.wait(POLL_SECONDS):
            try:
                self.fire_due()
            except Exception:
                log.exception("firing one-time schedules failed; trying again")


def _due_at(schedule: dict[str, Any]) -> datetime | None:
    match = AT_EXPRESSION.match(schedule.get("ScheduleExpression", ""))
    if not match:
        return None
    zone = ZoneInfo(schedule.get("ScheduleExpressionTimezone") or "UTC")
    return datetime.fromisoformat(match.group(1)).replace(tzinfo=zone)
