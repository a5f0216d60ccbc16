"""The rich menu painter: draws the shop's rich menus from its current name, colour and LIFF apps,
and publishes them (new menus, default, aliases, members relinked, old menus deleted), so that a
settings change reaches the menus with no command to run.

Invoked asynchronously (liff_api's `rich_menu_refresh.request()`); at most one runs at a time (the
function's reserved concurrency), and each run compares with what LINE has before changing anything,
so a repeated or late request changes nothing.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.domain.rich_menu_publishing import RichMenuPublisher
from daifuku.tracing import function_tracer
from daifuku.wiring import Wiring, current_wiring
from daifuku_menu_drawing.menu_images import wanted_rich_menus

logger = Logger(service="rich_menu_painter")
tracer = function_tracer("rich_menu_painter")
metrics = Metrics(namespace="Daifuku", service="rich_menu_painter")
LINE_TIMEOUT_SECONDS = 20
# One run at a time in this environment too (the local stack runs invocations as threads).
_one_at_a_time = threading.Lock()


@dataclass
class LoggedProgress:
    """The publisher's steps, as log lines (menu ids and counts only: no personal data)."""

    dry_run: bool = False
    changes: list[str] = field(default_factory=list)

    def unchanged(self, step: str, detail: str = "") -> None:
        logger.debug("unchanged", extra={"step": step, "detail": detail})

    def changed(self, step: str, what: str, detail: str = "") -> None:
        self.changes.append(f"{step}: {what}")
        logger.info("changed", extra={"step": step, "what": what, "detail": detail})


@tracer.capture_method
def repaint(wiring: Wiring) -> dict[str, Any]:
    """Draw and publish the shop's menus as its config says now; the menus' ids and what changed."""
    table = wiring.table
    shop = table.shop_config.load_shop_config()
    progress = LoggedProgress()
    publisher = RichMenuPublisher(
        wiring.line(timeout_seconds=LINE_TIMEOUT_SECONDS), table.shop_config, table.members, progress
    )
    menu_ids = publisher.publish(shop, wanted_rich_menus(shop))
    return {"rich_menus": menu_ids, "changes": progress.changes}


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    logger.info("repaint requested", extra={"reason": str(event.get("reason", ""))[:40]})
    with _one_at_a_time:
        result = repaint(current_wiring())
    metrics.add_metric(name="RichMenuChanges", unit="Count", value=len(result["changes"]))
    return result
