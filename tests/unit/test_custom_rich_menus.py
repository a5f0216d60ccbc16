"""The owner's own rich menus: LINE's standard layouts, the areas' actions, the uploaded image checked
with Pillow, and the shop's logo on the drawn menus."""

from __future__ import annotations

import http.server
import io
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image

from daifuku.domain.custom_rich_menus import RichMenuChoices
from daifuku.domain.errors import InvalidRegistration, LineUnavailable, MenuImageRefused
from daifuku.domain.rich_menu_layout import rich_menu_definitions
from daifuku.domain.rich_menu_publishing import owners_images
from daifuku.domain.rich_menu_templates import TEMPLATES, check_custom_menu, shop_rich_menu_definitions
from daifuku.models.custom_rich_menus import CustomMenuArea, CustomRichMenu, CustomRichMenuRequest
from daifuku.models.shop import LiffApps, RichMenus, ShopConfig
from daifuku_local.line_platform.images import rich_menu_image_problem
from daifuku_menu_drawing.logos import LogoUnavailable, fetch_logo, logo_image
from daifuku_menu_drawing.menu_images import render_rich_menu_image, wanted_rich_menus
from daifuku_menu_drawing.uploaded_images import checked_menu_image

LIFF_APPS = LiffApps(card="1650000000-card", registration="1650000000-reg", staff="1650000000-staff")
OWNER = "U" + "0" * 32


def image_bytes(
    width: int, height: int, kind: str = "PNG", colour: tuple[int, int, int] = (200, 30, 60)
) -> bytes:
    output = io.BytesIO()
    Image.new("RGB", (width, height), colour).save(output, format=kind)
    return output.getvalue()


def areas(*actions: str) -> tuple[CustomMenuArea, ...]:
    return tuple(CustomMenuArea(action=action) for action in actions)  # type: ignore[arg-type]


# The layouts


@pytest.mark.parametrize("template", list(TEMPLATES.values()), ids=lambda t: t.template_id)
def test_each_layout_tiles_its_menu_exactly_within_lines_rules(template):
    assert (template.width, template.height) in ((2500, 843), (2500, 1686))
    assert 1 <= len(template.areas) <= 20
    covered = [[0] * template.width for _ in range(0, template.height, 281)]
    for x, y, width, height in template.areas:
        assert x >= 0 and y >= 0 and x + width <= template.width and y + height <= template.height
        for row in range(y // 281, (y + height) // 281):
            for column in range(x, x + width):
                covered[row][column] += 1
    assert all(count == 1 for row in covered for count in row), "every pixel in exactly one area"


def test_both_sizes_offer_the_layouts_of_line_official_account_manager():
    by_size: dict[str, list[int]] = {}
    for template in TEMPLATES.values():
        by_size.setdefault(template.size_name, []).append(len(template.areas))
    assert sorted(set(by_size["large"])) == [1, 2, 3, 4, 6]
    assert sorted(set(by_size["compact"])) == [1, 2, 3]


def test_the_standard_menus_are_the_compact_layouts_with_their_own_actions():
    standard = rich_menu_definitions(LIFF_APPS)
    assert shop_rich_menu_definitions(LIFF_APPS, {}) == standard
    for kind, count in (("pre_registration", 2), ("member", 3)):
        bounds = [area["bounds"] for area in standard[kind]["areas"]]
        layout = TEMPLATES[f"compact_{count}"].as_json()["areas"]
        assert bounds == layout


def test_an_owners_menu_uses_the_layouts_bounds_and_each_areas_action():
    custom = CustomRichMenu(
        template="large_4_wide_top",
        areas=(
            CustomMenuArea(action="card", label="会員証を見る"),  # type: ignore[arg-type]
            CustomMenuArea(action="coupons"),  # type: ignore[arg-type]
            CustomMenuArea(action="shop_info"),  # type: ignore[arg-type]
            CustomMenuArea(action="link", label="ご予約", url="https://example.com/r"),  # type: ignore[arg-type]
        ),
    )
    menus = shop_rich_menu_definitions(LIFF_APPS, {"member": custom})
    member = menus["member"]
    assert member["size"] == {"width": 2500, "height": 1686}
    assert member["areas"][0] == {
        "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
        "action": {"type": "uri", "label": "会員証を見る", "uri": "https://liff.line.me/1650000000-card"},
    }
    assert member["areas"][1]["action"]["uri"].endswith("?view=coupons")
    assert member["areas"][2]["action"]["type"] == "postback"
    assert member["areas"][3]["action"] == {"type": "uri", "label": "ご予約", "uri": "https://example.com/r"}
    assert menus["pre_registration"] == rich_menu_definitions(LIFF_APPS)["pre_registration"]


@pytest.mark.parametrize(
    ("kind", "template", "actions", "problem"),
    [
        ("member", "large_9", ("card",), ("template", "unknown_template")),
        ("member", "compact_3", ("card", "coupons"), ("areas", "area_count")),
        ("member", "compact_2", ("coupons", "shop_info"), ("areas", "needs_card")),
        ("pre_registration", "compact_1", ("shop_info",), ("areas", "needs_register")),
    ],
)
def test_a_layout_that_does_not_fit_or_leaves_no_way_in_is_refused(kind, template, actions, problem):
    with pytest.raises(InvalidRegistration) as refused:
        check_custom_menu(kind, template, areas(*actions))
    assert problem in {(p.field, p.code) for p in refused.value.problems}


@pytest.mark.parametrize(
    ("area", "code"),
    [
        ({"action": "link", "label": "予約"}, "link_url"),
        ({"action": "card", "url": "https://example.com"}, "link_url"),
        ({"action": "link", "url": "https://example.com"}, "link_label"),
        ({"action": "link", "label": "予約", "url": "http://example.com"}, "string_pattern_mismatch"),
        ({"action": "message"}, "enum"),
    ],
)
def test_an_area_is_refused_without_what_its_action_needs(area, code):
    with pytest.raises(ValueError) as refused:
        CustomMenuArea.model_validate(area)
    assert code in str(refused.value)


@pytest.mark.parametrize(
    ("encoded", "code"),
    [("R0lGODlhAQABAAAAACw=", "image_type"), ("not base64!", "image_type")],
)
def test_the_request_refuses_what_is_not_a_png_or_jpeg(encoded, code):
    body = {"template": "compact_1", "areas": [{"action": "card"}], "image_base64": encoded}
    with pytest.raises(ValueError) as refused:
        CustomRichMenuRequest.model_validate(body)
    assert code in str(refused.value)


# The uploaded image, checked with Pillow


@pytest.mark.parametrize(("kind", "content_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_a_png_or_jpeg_of_the_layouts_size_is_taken(kind, content_type):
    assert checked_menu_image(image_bytes(2500, 1686, kind), 2500, 1686) == content_type
    assert checked_menu_image(image_bytes(2500, 843, kind), 2500, 843) == content_type


@pytest.mark.parametrize(
    ("data", "reason", "says"),
    [
        (
            image_bytes(2500, 843),
            "image_size",
            "2500×1686ピクセルにしてください（この画像は2500×843ピクセルです）",
        ),
        (image_bytes(1200, 405), "image_size", "この画像は1200×405ピクセルです"),
        (image_bytes(2500, 1686, "GIF"), "image_type", "PNGかJPEG"),
        (image_bytes(2500, 1686)[:400], "image_unreadable", "読み込めませんでした"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * (1024 * 1024), "image_too_large", "1MB以下"),
    ],
    ids=["compact for large", "too small", "gif", "truncated", "over 1 MB"],
)
def test_an_image_line_would_refuse_is_refused_with_the_reason_in_japanese(data, reason, says):
    with pytest.raises(MenuImageRefused) as refused:
        checked_menu_image(data, 2500, 1686)
    assert refused.value.reason == reason
    assert says in refused.value.message


def test_an_uploaded_image_is_published_as_it_is_and_the_other_menu_is_drawn():
    upload = image_bytes(2500, 1686, "JPEG")
    custom = CustomRichMenu(
        template="large_6", areas=areas("card", "coupons", "shop_info", "card", "card", "card")
    )
    shop = ShopConfig(liff_apps=LIFF_APPS, custom_rich_menus={"member": custom})
    menus = {menu.kind: menu for menu in wanted_rich_menus(shop, uploaded={"member": (upload, "image/jpeg")})}
    assert (menus["member"].image, menus["member"].content_type) == (upload, "image/jpeg")
    assert len(menus["member"].definition["areas"]) == 6
    assert menus["pre_registration"].content_type == "image/png"
    assert rich_menu_image_problem(menus["pre_registration"].image, "image/png") is None


def test_a_drawn_large_layout_is_an_image_line_takes():
    custom = CustomRichMenu(template="large_3_wide_left", areas=areas("card", "coupons", "shop_info"))
    shop = ShopConfig(liff_apps=LIFF_APPS, custom_rich_menus={"member": custom})
    member = next(menu for menu in wanted_rich_menus(shop) if menu.kind == "member")
    assert rich_menu_image_problem(member.image, "image/png") is None
    assert Image.open(io.BytesIO(member.image)).size == (2500, 1686)


class LineWithImages:
    def __init__(self, images: dict[str, bytes]) -> None:
        self.images = images

    def rich_menu_image(self, rich_menu_id: str) -> tuple[bytes, str] | None:
        return (self.images[rich_menu_id], "image/png") if rich_menu_id in self.images else None


def test_a_repaint_takes_the_owners_images_back_from_line_and_draws_the_rest():
    own = image_bytes(2500, 843)
    shop = ShopConfig(
        liff_apps=LIFF_APPS,
        rich_menus=RichMenus(pre_registration="richmenu-pre", member="richmenu-member"),
        custom_rich_menus={
            "member": CustomRichMenu(template="compact_1", areas=areas("card"), image_sha256="d" * 64),
            "pre_registration": CustomRichMenu(template="compact_1", areas=areas("register")),  # drawn
        },
    )
    images = owners_images(shop, LineWithImages({"richmenu-member": own}))  # type: ignore[arg-type]
    assert images == {"member": (own, "image/png")}
    # A menu LINE no longer has (the shop restored onto another channel) is drawn instead
    assert owners_images(shop, LineWithImages({})) == {}  # type: ignore[arg-type]


# The owner's choices through the desk (the painter faked)


class FakePainter:
    def __init__(self, answer: dict[str, Any]) -> None:
        self.answer = answer
        self.asked: list[tuple[str, Any]] = []

    def set_menu(self, kind: str, menu: dict[str, Any] | None) -> dict[str, Any]:
        self.asked.append((kind, menu))
        return self.answer


def choices_with(painter: FakePainter, audit: list[tuple[str, str]]) -> RichMenuChoices:
    return RichMenuChoices(
        load_shop=ShopConfig,
        painter=painter,
        audit=lambda actor, action, target_user_id=None, **detail: audit.append((action, detail["menu"])),
    )


def test_the_painters_refusal_reaches_the_owner_in_japanese_and_nothing_is_audited():
    audit: list[tuple[str, str]] = []
    message = "このレイアウトの画像は2500×843ピクセルにしてください（この画像は10×10ピクセルです）。"
    painter = FakePainter({"refused": {"reason": "image_size", "message": message}})
    request = CustomRichMenuRequest(template="compact_3", areas=areas("card", "coupons", "shop_info"))
    with pytest.raises(MenuImageRefused) as refused:
        choices_with(painter, audit).set_menu(OWNER, "member", request)
    assert (refused.value.reason, refused.value.message) == ("image_size", message)
    assert audit == []


def test_a_menu_line_did_not_take_is_a_line_unavailable_and_nothing_is_audited():
    audit: list[tuple[str, str]] = []
    painter = FakePainter({"line_failed": {"status": 500}})
    request = CustomRichMenuRequest(template="compact_2", areas=areas("card", "shop_info"))
    with pytest.raises(LineUnavailable):
        choices_with(painter, audit).set_menu(OWNER, "member", request)
    assert audit == []


def test_a_layout_that_does_not_fit_never_reaches_the_painter():
    painter = FakePainter({"rich_menus": {}})
    request = CustomRichMenuRequest(template="compact_3", areas=areas("card"))
    with pytest.raises(InvalidRegistration):
        choices_with(painter, []).set_menu(OWNER, "member", request)
    assert painter.asked == []


def test_a_published_menu_and_the_way_back_are_audited():
    audit: list[tuple[str, str]] = []
    painter = FakePainter({"rich_menus": {"member": "richmenu-1"}})
    request = CustomRichMenuRequest(template="compact_2", areas=areas("card", "shop_info"))
    desk = choices_with(painter, audit)
    answer = desk.set_menu(OWNER, "member", request)
    desk.set_menu(OWNER, "member", None)
    assert audit == [("rich_menus.set", "member"), ("rich_menus.standard", "member")]
    assert painter.asked[1] == ("member", None)
    assert {t["template_id"] for t in answer["templates"]} == set(TEMPLATES)


# The shop's logo on the drawn menus


def test_the_logo_is_drawn_in_the_header_before_the_name():
    definition = rich_menu_definitions(LIFF_APPS)["member"]
    logo = Image.new("RGBA", (200, 100), (250, 200, 0, 255))
    with_logo = Image.open(io.BytesIO(render_rich_menu_image(definition, "大福堂", "#2f6b4f", logo=logo)))
    without = Image.open(io.BytesIO(render_rich_menu_image(definition, "大福堂", "#2f6b4f")))
    header_height = 843 // 6
    # Scaled to 80% of the header's height and kept in proportion, 60 px from the left edge
    assert with_logo.convert("RGB").getpixel((60 + 100, header_height // 2)) == (250, 200, 0)
    assert without.convert("RGB").getpixel((60 + 100, header_height // 2)) != (250, 200, 0)


@pytest.fixture
def logo_server() -> Iterator[str]:
    """A local web server with a logo, a file that is not an image, and nothing else."""
    files = {"/logo.png": image_bytes(120, 60), "/notes.txt": b"not an image"}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = files.get(self.path)
            self.send_response(200 if body else 404)
            self.end_headers()
            self.wfile.write(body or b"")

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_a_logo_is_fetched_and_one_that_cannot_be_had_is_left_out(logo_server):
    assert fetch_logo(f"{logo_server}/logo.png").size == (120, 60)
    for missing in ("/notes.txt", "/gone.png"):
        with pytest.raises(LogoUnavailable):
            fetch_logo(f"{logo_server}{missing}")
    with pytest.raises(LogoUnavailable, match="over 2 MB"):
        fetch_logo(f"{logo_server}/logo.png", max_bytes=100)
    with pytest.raises(LogoUnavailable):
        logo_image(b"GIF89a broken")
