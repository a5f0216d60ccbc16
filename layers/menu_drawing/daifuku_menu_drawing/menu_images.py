"""How the shop's rich menus look: images drawn from the shop's name, logo and theme colour, one tile
per area of the menus defined in daifuku.domain.rich_menu_layout (or the owner's layout, from
daifuku.domain.rich_menu_templates), within LINE's rules for rich menu images (PNG, 2500×843 or
2500×1686, at most 1 MB). A menu for which the owner uploaded their own image uses that image.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

from PIL import Image, ImageDraw

from daifuku.domain.rich_menu_layout import MAX_IMAGE_BYTES
from daifuku.domain.rich_menu_publishing import WantedRichMenu
from daifuku.domain.rich_menu_templates import shop_rich_menu_definitions
from daifuku.models.shop import ShopConfig
from daifuku_menu_drawing.fonts import FontFace, japanese_font


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


def render_rich_menu_image(
    definition: dict[str, Any],
    shop_name: str,
    theme_color: str,
    face: FontFace | None = None,
    logo: Image.Image | None = None,
) -> bytes:
    """A PNG of the menu: one tile per area with its label, the shop's logo (when given) and name
    above, in the theme colour."""
    width, height = definition["size"]["width"], definition["size"]["height"]
    theme = theme_rgb(theme_color)
    ink = text_colour_on(theme)
    image = Image.new("RGB", (width, height), theme)
    draw = ImageDraw.Draw(image)
    face = face or japanese_font(bold=True)
    header_height = height // 6
    header = _mix(theme, (0, 0, 0), 0.25)
    draw.rectangle((0, 0, width, header_height), fill=header)
    header_font = face.at(header_height * 6 // 10)
    name_x = 60
    if logo is not None:
        name_x += _paste_logo(image, logo, (60, header_height // 10), header_height * 8 // 10) + 30
    draw.text(
        (name_x, header_height // 2), shop_name, font=header_font, fill=text_colour_on(header), anchor="lm"
    )
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


def _paste_logo(image: Image.Image, logo: Image.Image, at: tuple[int, int], height: int) -> int:
    """The logo scaled to `height` (at most three times as wide) at `at`, over the header; its width."""
    scale = min(height / logo.height, height * 3 / logo.width)
    size = (max(1, round(logo.width * scale)), max(1, round(logo.height * scale)))
    fitted = logo.convert("RGBA").resize(size, Image.Resampling.LANCZOS)
    image.paste(fitted, (at[0], at[1] + (height - size[1]) // 2), fitted)
    return size[0]


def wanted_rich_menus(
    shop: ShopConfig,
    face: FontFace | None = None,
    *,
    uploaded: Mapping[str, tuple[bytes, str]] | None = None,
    logo: Image.Image | None = None,
) -> list[WantedRichMenu]:
    """Both menus for this shop, each checked against LINE's byte limit: the owner's uploaded image
    (`uploaded`: kind → (bytes, content type)) where there is one, else drawn (with the logo)."""
    face = face or japanese_font(bold=True)
    uploaded = uploaded or {}
    menus = []
    for kind, definition in shop_rich_menu_definitions(shop.liff_apps, shop.custom_rich_menus).items():
        if kind in uploaded:
            image, content_type = uploaded[kind]
            menus.append(WantedRichMenu(kind, definition, image, content_type))
            continue
        image = render_rich_menu_image(definition, shop.shop_name, shop.theme_color, face, logo)
        if len(image) > MAX_IMAGE_BYTES:
            raise ValueError(f"the {kind} rich menu image is {len(image)} bytes; LINE accepts 1 MB at most")
        menus.append(WantedRichMenu(kind, definition, image))
    return menus
