"""/liff/api/staff/settings: the owner's 設定 tab, one section saved at a time.

The routes go on the staff router through `staff_route` (owner only, each save audited), so the
staff routes' policy table lists them with the rest; handler.py imports this module before it
includes the staff router.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from daifuku.tracing import function_tracer
from functions.liff_api.request_context import json_object_body, settings_desk
from functions.liff_api.staff_routes import caller, router, staff_route

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")


@staff_route("GET", "/settings", owner_only=True)
@tracer.capture_method
def read_settings() -> dict[str, Any]:
    return settings_desk().settings()


@staff_route("PUT", "/settings/<section>", owner_only=True)
@tracer.capture_method
def save_settings(section: str) -> dict[str, Any]:
    saved = settings_desk().save(caller(), section, json_object_body(router))
    logger.info("settings saved", extra={"section": section})
    return saved
