"""The shop's two rich menus: what they hold (definitions) and how they look (generated images).

Pre-registration: 「会員登録」 and the shop's information. Member: 「会員証」, coupons and the shop's
information. The images are drawn from the shop's name and theme colour, within LINE's rules for rich
menu images (PNG, 2500×843, at most 1 MB).
"""

from __future__ import annotations

import functools
import hashlib
import io
from dataclasses import dataclass
from typing import Any

from PIL import Image, ImageDraw

from daifuku.models.shop import LiffApps, ShopConfig
from daifuku_cli.japanese_font import japanese_font

MENU_WIDTH, MENU_HEIGHT = 2500, 843
MAX_IMAGE_BYTES = 1024 * 1024
# The rich menus' alias ids (richmenuswitch actions and other tools can refer to them).
MENU_ALIASES = {"pre_registration": "daifuku-register", "member": "daifuku-member"}
MENU_KINDS = tuple(MENU_ALIASES)
SHOP_INFO_ACTION = {
    "type": "postback",
    "label": "お店の情報",
    "data": "action=shop_info",
    "displayText": "お店の情報",
}
# Stands for a LIFF app that `daifuku setup --dry-run` would create (its id is not known yet).
NOT_YET_CREATED = "not-yet-created"


def _liff_uri(liff_id: str | None) -> str:
    return f"https://liff.line.me/{liff_id or NOT_YET_CREATED}"


def _area(x: int, width: int, action: dict[str, Any]) -> dict[str, Any]:
    return {"bounds": {"x": x, "y": 0, "width": width, "height": MENU_HEIGHT}, "action": action}


def rich_menu_definitions(liff_apps: LiffApps) -> dict[str, dict[str, Any]]:
    """The pre-registration and member rich menus, in LINE's wire format (POST /v2/bot/richmenu)."""
    size = {"width": MENU_WIDTH, "height": MENU_HEIGHT}
    register = {"type": "uri", "label": "会員登録", "uri": _liff_uri(liff_apps.registration)}
    card = {"type": "uri", "label": "会員証", "uri": _liff_uri(liff_apps.card)}
    coupons = {"type": "postback", "label": "クーポン", "data": "action=coupons", "displayText": "クーポン"}
    return {
        "pre_registration": {
            "size": size,
            "selected": True,
            "name": "会員登録メニュー",
            "chatBarText": "メニュー",
            "areas": [_area(0, 1250, register), _area(1250, 1250, SHOP_INFO_ACTION)],
        },
        "member": {
            "size": size,
            "selected": True,
            "name": "会員メニュー",
            "chatBarText": "会員証",
            "areas": [_area(0, 834, card), _area(834, 833, coupons), _area(1667, 833, SHOP_INFO_ACTION)],
        },
    }


def theme_rgb(hex_colour: str) -> tuple[int, int, int]:
    value = hex_colour.lstrip("#")
    return int(value[0:2], 16), int(value[2:4], 16), int(value[4:6], 16)


def _mix(colour: tuple[int, int, int], other: tuple[int, int, int], share: float) -> tuple[int, int, int]:
    r, g, b = (round(a + (b - a) * share) for a, b in zip(colour, other, strict=True))
    return r, g, b


def text_colour_on(background: tuple[int, int, int]) -> tuple[int, int, int]:
    """White on dark theme colours, near-black on light ones (relative luminance, WCAG's weights)."""
    r, g, b = (channel / 255 for channel in background)
    return (255, 255, 255) if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.6 else (33, 33, 33)


def render_rich_menu_image(definition: dict[str, Any], shop_name: str, theme_color: str) -> bytes:
    """A PNG of the menu: one tile per area with its label, the shop's name above, in the theme colour."""
    width, height = definition["size"]["width"], definition["size"]["height"]
    theme = theme_rgb(theme_color)
    ink = text_colour_on(theme)
    image = Image.new("RGB", (width, height), theme)
    draw = ImageDraw.Draw(image)
    face = japanese_font(bold=True)
    header_height = height // 6
    header = _mix(theme, (0, 0, 0), 0.25)
    draw.rectangle((0, 0, width, header_height), fill=header)
    header_font = face.at(header_height * 6 // 10)
    draw.text((60, header_height // 2), shop_name, font=header_font, fill=text_colour_on(header), anchor="lm")
    for index, area in enumerate(definition["areas"]):
        bounds = area["bounds"]
        left, top = bounds["x"], max(bounds["y"], header_height)
        right, bottom = left + bounds["width"], bounds["y"] + bounds["height"]
        if index:
            draw.line((left, top + 60, left, bottom - 60), fill=_mix(theme, ink, 0.5), width=6)
        tile = (left + 40, top + 40, right - 40, bottom - 40)
        draw.rounded_rectangle(tile, radius=40, outline=_mix(theme, ink, 0.35), width=8)
        label = area["action"].get("label", "")
        size = height // 5
        label_font = face.at(size)
        while size > 40 and draw.textlength(label, font=label_font) > (tile[2] - tile[0]) * 0.8:
            size -= 8
            label_font = face.at(size)
        centre = ((left + right) // 2, (top + bottom) // 2)
        draw.text(centre, label, font=label_font, fill=ink, anchor="mm")
    output = io.BytesIO()
    image.save(output, format="PNG", optimize=True)
    return output.getvalue()


def image_digest(image: bytes) -> str:
    return hashlib.sha256(image).hexdigest()


@dataclass(frozen=True)
class WantedRichMenu:
    """One rich menu as the shop should have it: its definition, its image and the image's digest."""

    kind: str
    definition: dict[str, Any]
    image: bytes

    @functools.cached_property
    def image_sha256(self) -> str:
        return image_digest(self.image)


def wanted_rich_menus(shop: ShopConfig) -> list[WantedRichMenu]:
    """Both menus for this shop, images drawn, each checked against LINE's byte limit."""
    menus = []
    for kind, definition in rich_menu_definitions(shop.liff_apps).items():
        image = render_rich_menu_image(definition, shop.shop_name, shop.theme_color)
        if len(image) > MAX_IMAGE_BYTES:
            raise ValueError(f"the {kind} rich menu image is {len(image)} bytes; LINE accepts 1 MB at most")
        menus.append(WantedRichMenu(kind, definition, image))
    return menus
