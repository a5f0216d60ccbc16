"""The shop's rich menus, defined once: which menus there are, each area's action and label.

The operator CLI, the rich menu painter function and the webhook's postback answers all read this
module, so a button on a menu cannot lose its answer. Pure Python, in LINE's wire format
(POST /v2/bot/richmenu).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from daifuku.models.custom_rich_menus import MAX_IMAGE_BYTES as MAX_IMAGE_BYTES  # LINE's limit
from daifuku.models.custom_rich_menus import AreaAction
from daifuku.models.shop import LiffApps

MENU_WIDTH, MENU_HEIGHT = 2500, 843
# Stands for a LIFF app that `daifuku setup --dry-run` would create (its id is not known yet).
NOT_YET_CREATED = "not-yet-created"
# The card page scrolls to its coupons when opened with this query (card.js).
COUPONS_VIEW_QUERY = "?view=coupons"


# What an area of a rich menu does (one enum with the owner's menu choices in the models).
MenuAction = AreaAction

ACTION_LABELS = {
    MenuAction.REGISTER: "会員登録",
    MenuAction.CARD: "会員証",
    MenuAction.COUPONS: "クーポン",
    MenuAction.SHOP_INFO: "お店の情報",
    MenuAction.LINK: "リンク",
}


@dataclass(frozen=True)
class MenuKind:
    """One of the shop's rich menus: its alias, its name on LINE and its areas' actions, left to right."""

    kind: str
    alias: str
    name: str
    chat_bar_text: str
    actions: tuple[MenuAction, ...]


MENUS = (
    MenuKind(
        "pre_registration",
        "daifuku-register",
        "会員登録メニュー",
        "メニュー",
        (MenuAction.REGISTER, MenuAction.SHOP_INFO),
    ),
    MenuKind(
        "member",
        "daifuku-member",
        "会員メニュー",
        "会員証",
        (MenuAction.CARD, MenuAction.COUPONS, MenuAction.SHOP_INFO),
    ),
)
# The rich menus' alias ids (richmenuswitch actions and other tools can refer to them).
MENU_ALIASES = {menu.kind: menu.alias for menu in MENUS}
MENU_KINDS = tuple(MENU_ALIASES)


def liff_uri(liff_id: str | None, suffix: str = "") -> str:
    return f"https://liff.line.me/{liff_id or NOT_YET_CREATED}{suffix}"


def postback_data(action: MenuAction) -> str:
    return f"action={action.value}"


def action_in_postback(data: str) -> str | None:
    """The `action` of a postback's data (`action=shop_info&…`), or None."""
    return dict(part.split("=", 1) for part in data.split("&") if "=" in part).get("action")


def area_action(
    action: MenuAction, liff_apps: LiffApps, *, label: str | None = None, url: str | None = None
) -> dict[str, Any]:
    """The LINE action of an area: LIFF pages and the owner's links open directly (a uri action), the
    rest are postbacks. `label` replaces the action's own name; `url` is a LINK's page."""
    label = label or ACTION_LABELS[action]
    if action is MenuAction.LINK:
        if url is None:
            raise ValueError("a link area needs its URL")
        return {"type": "uri", "label": label, "uri": url}
    if action is MenuAction.REGISTER:
        return {"type": "uri", "label": label, "uri": liff_uri(liff_apps.registration)}
    if action is MenuAction.CARD:
        return {"type": "uri", "label": label, "uri": liff_uri(liff_apps.card)}
    if action is MenuAction.COUPONS:
        return {"type": "uri", "label": label, "uri": liff_uri(liff_apps.card, COUPONS_VIEW_QUERY)}
    return {"type": "postback", "label": label, "data": postback_data(action), "displayText": label}


def equal_columns(count: int, width: int = MENU_WIDTH) -> list[tuple[int, int]]:
    """(x, width) of `count` columns filling `width`, the first ones taking the odd pixels."""
    base, extra = divmod(width, count)
    columns, x = [], 0
    for index in range(count):
        column = base + (1 if index < extra else 0)
        columns.append((x, column))
        x += column
    return columns


def menu_definition(menu: MenuKind, liff_apps: LiffApps) -> dict[str, Any]:
    areas = [
        {
            "bounds": {"x": x, "y": 0, "width": width, "height": MENU_HEIGHT},
            "action": area_action(action, liff_apps),
        }
        for (x, width), action in zip(equal_columns(len(menu.actions)), menu.actions, strict=True)
    ]
    return {
        "size": {"width": MENU_WIDTH, "height": MENU_HEIGHT},
        "selected": True,
        "name": menu.name,
        "chatBarText": menu.chat_bar_text,
        "areas": areas,
    }


def rich_menu_definitions(liff_apps: LiffApps) -> dict[str, dict[str, Any]]:
    """The pre-registration and member rich menus, in LINE's wire format."""
    return {menu.kind: menu_definition(menu, liff_apps) for menu in MENUS}
