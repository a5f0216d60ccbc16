"""LINE's standard rich menu layouts (the area templates of LINE Official Account Manager, large
2500×1686 and compact 2500×843), and the shop's menus with the owner's own choices applied.

The owner picks a layout and an action per area for either menu (before registration, members);
`shop_rich_menu_definitions` is what the painter publishes: the owner's menu where one is set, the
standard one (rich_menu_layout.MENUS) otherwise. Pure Python, in LINE's wire format.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from daifuku.domain.errors import FieldProblem, InvalidRegistration
from daifuku.domain.rich_menu_layout import (
    MENU_HEIGHT,
    MENU_WIDTH,
    MENUS,
    MenuAction,
    MenuKind,
    area_action,
    equal_columns,
    menu_definition,
)
from daifuku.models.custom_rich_menus import CustomMenuArea, CustomRichMenu
from daifuku.models.shop import LiffApps

LARGE_HEIGHT = 1686
Bounds = tuple[int, int, int, int]  # x, y, width, height


@dataclass(frozen=True)
class MenuTemplate:
    """One standard layout: its size and its areas' bounds, in reading order (left to right, top
    to bottom), as LINE Official Account Manager numbers them."""

    template_id: str
    width: int
    height: int
    areas: tuple[Bounds, ...]

    @property
    def size_name(self) -> str:
        return "large" if self.height == LARGE_HEIGHT else "compact"

    def as_json(self) -> dict[str, Any]:
        return {
            "template_id": self.template_id,
            "size": self.size_name,
            "width": self.width,
            "height": self.height,
            "areas": [{"x": x, "y": y, "width": w, "height": h} for x, y, w, h in self.areas],
        }


def _row(y: int, height: int, widths: Iterable[tuple[int, int]]) -> tuple[Bounds, ...]:
    return tuple((x, y, width, height) for x, width in widths)


def _split(total: int, parts: int) -> list[tuple[int, int]]:
    return equal_columns(parts, total)


def _thirds(total: int, wide_first: bool) -> list[tuple[int, int]]:
    """Two columns, one two thirds wide: (x, width) each."""
    one_third = total // 3
    widths = (total - one_third, one_third) if wide_first else (one_third, total - one_third)
    return [(0, widths[0]), (widths[0], widths[1])]


def _large_templates() -> list[MenuTemplate]:
    width, height = MENU_WIDTH, LARGE_HEIGHT
    (_, top), (middle, bottom) = _split(height, 2)
    left_half, right_half = _split(width, 2)
    return [
        MenuTemplate(
            "large_6", width, height, _row(0, top, _split(width, 3)) + _row(middle, bottom, _split(width, 3))
        ),
        MenuTemplate(
            "large_4_grid",
            width,
            height,
            _row(0, top, _split(width, 2)) + _row(middle, bottom, _split(width, 2)),
        ),
        MenuTemplate(
            "large_4_wide_top", width, height, ((0, 0, width, top), *_row(middle, bottom, _split(width, 3)))
        ),
        MenuTemplate(
            "large_3_wide_top", width, height, ((0, 0, width, top), *_row(middle, bottom, _split(width, 2)))
        ),
        MenuTemplate(
            "large_3_wide_left",
            width,
            height,
            (
                (0, 0, left_half[1], height),
                (right_half[0], 0, right_half[1], top),
                (right_half[0], middle, right_half[1], bottom),
            ),
        ),
        MenuTemplate("large_2_columns", width, height, _row(0, height, _split(width, 2))),
        MenuTemplate("large_2_rows", width, height, ((0, 0, width, top), (0, middle, width, bottom))),
        MenuTemplate("large_1", width, height, ((0, 0, width, height),)),
    ]


def _compact_templates() -> list[MenuTemplate]:
    width, height = MENU_WIDTH, MENU_HEIGHT
    return [
        MenuTemplate("compact_3", width, height, _row(0, height, _split(width, 3))),
        MenuTemplate("compact_2", width, height, _row(0, height, _split(width, 2))),
        MenuTemplate("compact_2_wide_left", width, height, _row(0, height, _thirds(width, wide_first=True))),
        MenuTemplate(
            "compact_2_wide_right", width, height, _row(0, height, _thirds(width, wide_first=False))
        ),
        MenuTemplate("compact_1", width, height, ((0, 0, width, height),)),
    ]


TEMPLATES: dict[str, MenuTemplate] = {t.template_id: t for t in (*_large_templates(), *_compact_templates())}
MENU_BY_KIND: dict[str, MenuKind] = {menu.kind: menu for menu in MENUS}
# What each menu must keep, so that no one is left without a way in: friends register from the
# first menu, members open their card from the second.
REQUIRED_ACTION = {"pre_registration": MenuAction.REGISTER, "member": MenuAction.CARD}


def check_custom_menu(kind: str, template_id: str, areas: tuple[CustomMenuArea, ...]) -> MenuTemplate:
    """The layout, when the areas fit it and the menu keeps its way in; InvalidRegistration otherwise."""
    template = TEMPLATES.get(template_id)
    if template is None:
        raise InvalidRegistration([FieldProblem("template", "unknown_template")])
    problems = []
    if len(areas) != len(template.areas):
        problems.append(FieldProblem("areas", "area_count"))
    required = REQUIRED_ACTION[kind]
    if all(area.action is not required for area in areas):
        problems.append(FieldProblem("areas", f"needs_{required.value}"))
    if problems:
        raise InvalidRegistration(problems)
    return template


def custom_menu_definition(menu: MenuKind, custom: CustomRichMenu, liff_apps: LiffApps) -> dict[str, Any]:
    """The owner's menu in LINE's wire format: the layout's bounds, each area's action."""
    template = TEMPLATES[custom.template]
    areas = [
        {
            "bounds": {"x": x, "y": y, "width": width, "height": height},
            "action": area_action(area.action, liff_apps, label=area.label, url=area.url),
        }
        for (x, y, width, height), area in zip(template.areas, custom.areas, strict=True)
    ]
    return {
        "size": {"width": template.width, "height": template.height},
        "selected": True,
        "name": menu.name,
        "chatBarText": menu.chat_bar_text,
        "areas": areas,
    }


def shop_rich_menu_definitions(
    liff_apps: LiffApps, custom_menus: Mapping[str, CustomRichMenu]
) -> dict[str, dict[str, Any]]:
    """Both menus as the shop has them: the owner's layout where set, the standard one otherwise."""
    return {
        menu.kind: (
            custom_menu_definition(menu, custom_menus[menu.kind], liff_apps)
            if menu.kind in custom_menus
            else menu_definition(menu, liff_apps)
        )
        for menu in MENUS
    }


def standard_menu_areas(kind: str) -> dict[str, Any]:
    """The standard menu as the owner's editor shows it: its layout and its areas' actions."""
    actions = MENU_BY_KIND[kind].actions
    template = {3: "compact_3", 2: "compact_2", 1: "compact_1"}[len(actions)]
    return {"template": template, "areas": [{"action": action.value} for action in actions]}
