"""The owner's own rich menus (#menus): one of LINE's standard layouts for either menu, each area's
action, and their own image or a drawn one. The painter function publishes them (and checks the
image with Pillow); this desk checks the layout first, passes the choice on and audits it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from daifuku.domain.errors import FieldProblem, InvalidRegistration, LineUnavailable, MenuImageRefused
from daifuku.domain.rich_menu_layout import ACTION_LABELS, MENU_KINDS
from daifuku.domain.rich_menu_templates import TEMPLATES, check_custom_menu, standard_menu_areas
from daifuku.models.custom_rich_menus import CustomRichMenuRequest
from daifuku.models.shop import ShopConfig


class MenuPainter(Protocol):
    def set_menu(self, kind: str, menu: dict[str, Any] | None) -> dict[str, Any]:
        """The painter's answer: the published menus, or {"refused": …} / {"invalid": …}."""


class AuditTrail(Protocol):
    def __call__(self, actor: str, action: str, target_user_id: str | None = None, **detail: Any) -> None: ...


@dataclass
class RichMenuChoices:
    load_shop: Callable[[], ShopConfig]
    painter: MenuPainter
    audit: AuditTrail

    def choices(self) -> dict[str, Any]:
        """What the owner's editor shows: the layouts, the actions, and each menu as it is now."""
        shop = self.load_shop()
        menus = {}
        for kind in MENU_KINDS:
            custom = shop.custom_rich_menus.get(kind)
            if custom is None:
                menus[kind] = {"custom": False, "has_image": False} | standard_menu_areas(kind)
            else:
                menus[kind] = {
                    "custom": True,
                    "has_image": custom.image_sha256 is not None,
                    "template": custom.template,
                    "areas": [area.model_dump(mode="json", exclude_none=True) for area in custom.areas],
                }
        return {
            "templates": [template.as_json() for template in TEMPLATES.values()],
            "actions": [{"action": action.value, "label": label} for action, label in ACTION_LABELS.items()],
            "menus": menus,
        }

    def set_menu(self, owner: str, kind: str, request: CustomRichMenuRequest | None) -> dict[str, Any]:
        """Publish the owner's menu for `kind` (None: the standard one again); the menus as now set.
        InvalidRegistration for a layout that does not fit, MenuImageRefused for an image LINE
        would refuse (its reason in Japanese)."""
        if kind not in MENU_KINDS:
            raise InvalidRegistration([FieldProblem("menu_kind", "unknown_menu")])
        if request is not None:
            check_custom_menu(kind, request.template, request.areas)
        menu = request.model_dump(mode="json") if request is not None else None
        answer = self.painter.set_menu(kind, menu)
        if "refused" in answer:
            raise MenuImageRefused(answer["refused"]["reason"], answer["refused"]["message"])
        if "invalid" in answer:
            raise InvalidRegistration([FieldProblem(p["field"], p["code"]) for p in answer["invalid"]])
        if "line_failed" in answer:
            raise LineUnavailable(int(answer["line_failed"]["status"]), "the rich menu was not published")
        self.audit(
            owner,
            "rich_menus.set" if request is not None else "rich_menus.standard",
            None,
            menu=kind,
            template=request.template if request is not None else None,
            image="uploaded"
            if request and request.image_base64
            else ("kept" if request and request.keep_image else None),
        )
        return self.choices()
