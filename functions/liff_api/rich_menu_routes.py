"""/liff/api/staff/rich-menus/*: the owner redraws the shop's rich menus with no terminal.

Declared through staff_routes.staff_route (the owner check and the route table the tests walk);
imported by the handler before the staff router is included.
"""

from __future__ import annotations

from typing import Any

from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import staff_desk
from functions.liff_api.staff_routes import caller, router, staff_route

tracer = function_tracer("liff_api")


@staff_route("POST", "/rich-menus/refresh", owner_only=True)
@tracer.capture_method
def refresh_rich_menus() -> tuple[dict[str, Any], int]:
    """Ask the painter to redraw and relink the menus from the shop's current settings (202: it runs
    on its own, and the menus change within a minute)."""
    current_wiring().rich_menu_refresh.request(reason="owner")
    staff_desk(router).audit(caller(), "rich_menus.refresh")
    return {"status": "requested"}, 202
