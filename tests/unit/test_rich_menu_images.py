"""The generated rich menus follow LINE's rules: the image's size, ratio and bytes, and areas inside it."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from daifuku.domain.rich_menu_layout import rich_menu_definitions
from daifuku.models.shop import LiffApps, ShopConfig
from daifuku_local.line_platform.images import image_size, rich_menu_image_problem
from daifuku_menu_drawing import fonts
from daifuku_menu_drawing.menu_images import render_rich_menu_image, wanted_rich_menus

LIFF_APPS = LiffApps(card="1650000000-card", registration="1650000000-reg", staff="1650000000-staff")


@pytest.mark.parametrize("theme_color", ["#2f6b4f", "#f5d76e", "#000000", "#ffffff"])
def test_menu_images_are_pngs_line_accepts_for_any_theme_colour(theme_color):
    shop = ShopConfig(shop_name="和菓子処 大福堂 駅前本店", theme_color=theme_color, liff_apps=LIFF_APPS)
    for menu in wanted_rich_menus(shop):
        assert rich_menu_image_problem(menu.image, "image/png") is None
        assert image_size(menu.image) == (menu.definition["size"]["width"], menu.definition["size"]["height"])
        assert menu.definition["size"] in ({"width": 2500, "height": 843}, {"width": 2500, "height": 1686})
        assert len(menu.image) < 1024 * 1024


def test_every_area_lies_inside_the_menu_and_the_menus_open_the_shops_liff_apps():
    definitions = rich_menu_definitions(LIFF_APPS)
    for definition in definitions.values():
        size = definition["size"]
        for area in definition["areas"]:
            bounds = area["bounds"]
            assert bounds["x"] + bounds["width"] <= size["width"]
            assert bounds["y"] + bounds["height"] <= size["height"]
        assert len(definition["chatBarText"]) <= 14
    labels = {kind: [area["action"]["label"] for area in d["areas"]] for kind, d in definitions.items()}
    assert labels == {
        "pre_registration": ["会員登録", "お店の情報"],
        "member": ["会員証", "クーポン", "お店の情報"],
    }
    assert definitions["member"]["areas"][0]["action"]["uri"] == "https://liff.line.me/1650000000-card"
    # 「クーポン」 opens the card at its coupons, as LINE users expect a menu button to open a page.
    assert definitions["member"]["areas"][1]["action"] == {
        "type": "uri",
        "label": "クーポン",
        "uri": "https://liff.line.me/1650000000-card?view=coupons",
    }
    assert (
        definitions["pre_registration"]["areas"][0]["action"]["uri"] == "https://liff.line.me/1650000000-reg"
    )


def test_the_image_is_drawn_from_the_shops_colour_and_is_the_same_on_every_run():
    definition = rich_menu_definitions(LIFF_APPS)["member"]
    first = render_rich_menu_image(definition, "大福堂", "#b03a5b")
    assert render_rich_menu_image(definition, "大福堂", "#b03a5b") == first, "a re-run must see no change"
    assert render_rich_menu_image(definition, "大福堂", "#2f6b4f") != first
    assert render_rich_menu_image(definition, "さくら堂", "#b03a5b") != first
    pixels = Image.open(io.BytesIO(first)).convert("RGB")
    assert pixels.getpixel((10, 830)) == (0xB0, 0x3A, 0x5B), "the background is the theme colour"


def test_without_a_japanese_font_the_error_says_how_to_install_one(monkeypatch):
    fonts.japanese_font.cache_clear()
    monkeypatch.setattr(fonts, "_fontconfig_faces", lambda: [])
    monkeypatch.setattr(fonts, "FALLBACK_GLOBS", ())
    monkeypatch.setattr(fonts, "BUNDLED_FONTS", fonts.Path("/nonexistent"))
    try:
        with pytest.raises(fonts.NoJapaneseFont, match="fonts-noto-cjk"):
            fonts.japanese_font()
    finally:
        fonts.japanese_font.cache_clear()


def test_the_font_found_draws_japanese_glyphs():
    face = fonts.japanese_font()
    font = face.at(64)
    # A font without Japanese draws every one of these as the same .notdef box.
    assert len({bytes(font.getmask(ch)) for ch in "会員証登録"}) == 5
