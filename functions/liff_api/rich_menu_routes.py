"""/liff/api/staff/rich-menus*: the owner redraws the shop's rich menus with no terminal, or sets
either menu to one of LINE's standard layouts with their own image (domain.custom_rich_menus).

Declared through staff_routes.staff_route (the owner check and the route table the tests walk);
imported by the handler before the staff router is included.
"""

from __future__ import annotations

from typing import Any

from daifuku.domain.custom_rich_menus import RichMenuChoices
from daifuku.models.custom_rich_menus import CustomRichMenuRequest
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import staff_desk
from functions.liff_api.staff_routes import body_as, caller, router, staff_route

tracer = function_tracer("liff_api")


@staff_route("POST", "/rich-menus/refresh", owner_only=True)
@tracer.capture_method
def refresh_rich_menus() -> tuple[dict[str, Any], int]:
    """Ask the painter to redraw and relink the menus from the shop's current settings (202: it runs
    on its own, and the menus change within a minute)."""
    current_wiring().rich_menu_refresh.request(reason="owner")
    staff_desk(router).audit(caller(), "rich_menus.refresh")
    return {"status": "requested"}, 202


def menu_choices() -> RichMenuChoices:
    return RichMenuChoices(
        load_shop=lambda: current_wiring().table.shop_config.load_shop_config(consistent=True),
        painter=current_wiring().rich_menu_refresh,
        audit=staff_desk(router).audit,
    )


@staff_route("GET", "/rich-menus", owner_only=True)
@tracer.capture_method
def rich_menu_choices() -> dict[str, Any]:
    """The standard layouts, the actions an area may have, and each menu as it is now."""
    return menu_choices().choices()


@staff_route("PUT", "/rich-menus/<menu_kind>", owner_only=True)
@tracer.capture_method
def set_rich_menu(menu_kind: str) -> dict[str, Any]:
    """The owner's own menu: published before the answer (the painter checks the image first)."""
    return menu_choices().set_menu(caller(), menu_kind, body_as(CustomRichMenuRequest))


@staff_route("DELETE", "/rich-menus/<menu_kind>", owner_only=True)
@tracer.capture_method
def standard_rich_menu(menu_kind: str) -> dict[str, Any]:
    """Back to the standard menu, drawn in the shop's colours."""
    return menu_choices().set_menu(caller(), menu_kind, None)
