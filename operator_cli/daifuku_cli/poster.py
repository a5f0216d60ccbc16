"""`daifuku poster`: a printable A4 poster or table card whose QR opens the member card in LINE.

Scanning the QR opens the card's LIFF URL (https://liff.line.me/<card LIFF id>); with the LIFF app's
bot link, the customer adds the shop as a friend and gets the card in one step.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import qrcode
from PIL import Image, ImageDraw
from qrcode.constants import ERROR_CORRECT_M

from daifuku.adapters.dynamodb.shop import ShopConfigRepository
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.inflow_routes import ROUTE_ID
from daifuku_cli.failures import UsageError, theme_colour
from daifuku_cli.japanese_font import FontFace, japanese_font
from daifuku_cli.messages import _
from daifuku_cli.target import add_target_arguments, resolve_target
from daifuku_menu_drawing.menu_images import text_colour_on, theme_rgb

DPI = 300
MM = DPI / 25.4
HEADLINE = "LINEで会員証をお使いいただけます"
INSTRUCTION = "カメラで読み取って友だち追加・会員登録"


@dataclass(frozen=True)
class PosterLayout:
    """A printed size in millimetres."""

    name: str
    width_mm: float
    height_mm: float

    @property
    def pixels(self) -> tuple[int, int]:
        return round(self.width_mm * MM), round(self.height_mm * MM)


LAYOUTS = {
    "a4": PosterLayout("a4", 210, 297),
    "table-card": PosterLayout("table-card", 100, 148),  # A6, stands in a card holder on the table
}


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser(
        "poster",
        help="a printable poster or table card (PDF or PNG) with the member card's QR",
        description=__doc__,
    )
    parser.add_argument("output", type=Path, help="where to write it: a .pdf or .png file")
    parser.add_argument("--layout", choices=sorted(LAYOUTS), default="a4", help="A4 poster or A6 table card")
    parser.add_argument(
        "--liff-url", help="the member card's LIFF URL (default: from the shop config of the stack)"
    )
    parser.add_argument("--shop-name", help="the shop's name as printed (default: from the shop config)")
    parser.add_argument(
        "--theme-color", type=theme_colour, help="#rrggbb (default: the shop config's theme colour)"
    )
    parser.add_argument("--bot-link", help="the LINE Official Account's friend link, e.g. https://lin.ee/…")
    parser.add_argument(
        "--route",
        type=route_id,
        help="an inflow route's id (the staff console's 流入経路): the QR opens the card with the route",
    )
    add_target_arguments(parser)
    parser.set_defaults(run=run_poster)


def route_id(value: str) -> str:
    """An inflow route's id as the staff console shows it (`r` and 10 hex digits)."""
    if not ROUTE_ID.match(value):
        raise argparse.ArgumentTypeError(
            _("{value!r} is not a route id: copy it from the route's URL (route=r…)").format(value=value)
        )
    return value


def run_poster(arguments: argparse.Namespace) -> int:
    if arguments.output.suffix.lower() not in (".pdf", ".png"):
        raise UsageError(
            _("The output must be a .pdf or .png file, not {name}.").format(name=arguments.output.name)
        )
    shop_name, theme, liff_url = arguments.shop_name, arguments.theme_color, arguments.liff_url
    if not (shop_name and theme and liff_url):
        target = resolve_target(arguments)
        shop = ShopConfigRepository(
            TableGateway(target.table_name, target.resource("dynamodb"))
        ).load_shop_config()
        shop_name = shop_name or shop.shop_name
        theme = theme or shop.theme_color
        if not liff_url:
            if not shop.liff_apps.card:
                raise UsageError(
                    _("The shop has no member card LIFF app yet: run `daifuku setup`, or pass --liff-url.")
                )
            liff_url = f"https://liff.line.me/{shop.liff_apps.card}"
    if arguments.route:
        liff_url = f"{liff_url}{'&' if '?' in liff_url else '?'}route={arguments.route}"
    image = render_poster(LAYOUTS[arguments.layout], shop_name, theme, liff_url, arguments.bot_link)
    save_poster(image, arguments.output)
    print(
        _("Wrote {path} ({layout}, QR → {url}).").format(
            path=arguments.output, layout=arguments.layout, url=liff_url
        )
    )
    return 0


def qr_image(data: str, size: int) -> Image.Image:
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=4)
    code.add_data(data)
    code.make(fit=True)
    modules = code.modules_count + 2 * code.border
    matrix = code.get_matrix()
    image = Image.new("L", (modules, modules), 255)
    image.putdata([0 if dark else 255 for row in matrix for dark in row])
    # Whole pixels per module keep every edge sharp for a phone camera.
    scale = max(1, size // modules)
    return image.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)


def _fitted(draw: ImageDraw.ImageDraw, face: FontFace, text: str, size: int, width: int) -> Any:
    font = face.at(size)
    while size > 10 and draw.textlength(text, font=font) > width:
        size -= 4
        font = face.at(size)
    return font


def render_poster(
    layout: PosterLayout, shop_name: str, theme_color: str, liff_url: str, bot_link: str | None
) -> Image.Image:
    """The poster at 300 dpi: the shop's name on its colour, the QR, the call to action, the links."""
    width, height = layout.pixels
    theme = theme_rgb(theme_color)
    image = Image.new("RGB", (width, height), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    bold, regular = japanese_font(bold=True), japanese_font(bold=False)
    margin = width // 12
    usable = width - 2 * margin
    band = height // 7
    draw.rectangle((0, 0, width, band), fill=theme)
    name_font = _fitted(draw, bold, shop_name, band // 2, usable)
    draw.text((width // 2, band // 2), shop_name, font=name_font, fill=text_colour_on(theme), anchor="mm")

    y = band + height // 24
    headline_font = _fitted(draw, bold, HEADLINE, width // 14, usable)
    draw.text((width // 2, y), HEADLINE, font=headline_font, fill=(33, 33, 33), anchor="mt")
    y += headline_font.size + height // 30

    code = qr_image(liff_url, int(width * 0.6))
    image.paste(code, ((width - code.width) // 2, y))
    y += code.width + height // 40

    instruction_font = _fitted(draw, bold, INSTRUCTION, width // 20, usable)
    draw.text((width // 2, y), INSTRUCTION, font=instruction_font, fill=theme, anchor="mt")
    y += instruction_font.size + height // 40
    small = _fitted(draw, regular, liff_url, width // 45, usable)
    draw.text((width // 2, y), liff_url, font=small, fill=(90, 90, 90), anchor="mt")
    if bot_link:
        line = f"友だち追加: {bot_link}"
        link_font = _fitted(draw, regular, line, width // 36, usable)
        draw.text((width // 2, height - margin), line, font=link_font, fill=(33, 33, 33), anchor="md")
    return image


def save_poster(image: Image.Image, path: Path) -> None:
    """PNG or PDF (one page, 300 dpi, so it prints at the layout's size)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.suffix.lower() == ".pdf":
        image.save(path, format="PDF", resolution=DPI)
    else:
        image.save(path, format="PNG", dpi=(DPI, DPI), optimize=True)
