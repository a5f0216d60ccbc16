"""The rich menu painter: draws the shop's rich menus from its current name, logo, colour and LIFF
apps (or takes the owner's own image), and publishes them (new menus, default, aliases, members
relinked, old menus deleted), so that a settings change reaches the menus with no command to run.

Invoked asynchronously to repaint (liff_api's `rich_menu_refresh.request()`), and synchronously when
the owner sets a menu of their own (`{"set_menu": …}`: the image is checked here, with Pillow, and the
answer says why LINE would refuse it). At most one runs at a time (the function's reserved
concurrency), and each run compares with what LINE has before changing anything, so a repeated or
late request changes nothing.
"""

from __future__ import annotations

import base64
import threading
from dataclasses import dataclass, field
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.domain.errors import InvalidRegistration, LineRequestFailed, MenuImageRefused
from daifuku.domain.rich_menu_layout import MENU_KINDS
from daifuku.domain.rich_menu_publishing import RichMenuPublisher, image_digest, owners_images
from daifuku.domain.rich_menu_templates import TEMPLATES, check_custom_menu
from daifuku.models.custom_rich_menus import CustomRichMenu, CustomRichMenuRequest
from daifuku.models.shop import ShopConfig
from daifuku.tracing import function_tracer
from daifuku.wiring import Wiring, current_wiring
from daifuku_menu_drawing.logos import Logo, LogoUnavailable, fetch_logo
from daifuku_menu_drawing.menu_images import wanted_rich_menus
from daifuku_menu_drawing.uploaded_images import checked_menu_image

logger = Logger(service="rich_menu_painter")
tracer = function_tracer("rich_menu_painter")
metrics = Metrics(namespace="Daifuku", service="rich_menu_painter")
LINE_TIMEOUT_SECONDS = 20
# One run at a time in this environment too (the local stack runs invocations as threads).
_one_at_a_time = threading.Lock()


@dataclass
class LoggedProgress:
    """The publisher's steps, as log lines (menu ids and counts only: no personal data)."""

    dry_run: bool = False
    changes: list[str] = field(default_factory=list)

    def unchanged(self, step: str, detail: str = "") -> None:
        logger.debug("unchanged", extra={"step": step, "detail": detail})

    def changed(self, step: str, what: str, detail: str = "") -> None:
        self.changes.append(f"{step}: {what}")
        logger.info("changed", extra={"step": step, "what": what, "detail": detail})


@tracer.capture_method
def repaint(
    wiring: Wiring, uploaded: dict[str, tuple[bytes, str]] | None = None, shop: ShopConfig | None = None
) -> dict[str, Any]:
    """Draw and publish the shop's menus as its config says now (or as `shop` says, a config about to
    be saved); the menus' ids and what changed. `uploaded`: the owner's new image, by menu kind."""
    table = wiring.table
    shop = shop or table.shop_config.load_shop_config(consistent=True)
    line = wiring.line(timeout_seconds=LINE_TIMEOUT_SECONDS)
    # The owner's images live on LINE, on the menus that show them: taken back from there.
    images = owners_images(shop, line) | (uploaded or {})
    logo = shop_logo(shop) if len(images) < len(MENU_KINDS) else None
    progress = LoggedProgress()
    publisher = RichMenuPublisher(line, table.shop_config, table.members, progress)
    menu_ids = publisher.publish(shop, wanted_rich_menus(shop, uploaded=images, logo=logo))
    return {"rich_menus": menu_ids, "changes": progress.changes}


def shop_logo(shop: ShopConfig) -> Logo | None:
    """The logo for the drawn menus' header; None (the name alone) without one or when it fails."""
    if not shop.logo_url:
        return None
    try:
        return fetch_logo(shop.logo_url)
    except LogoUnavailable as error:
        logger.warning("logo left out", extra={"reason": str(error)})
        return None


def set_menu(wiring: Wiring, kind: str, menu: dict[str, Any] | None) -> dict[str, Any]:
    """The owner's own menu for `kind` (None: back to the standard one), its image checked, then
    published. Refusals come back as the answer: {"refused": {reason, message}} or {"invalid": …}."""
    shop = wiring.table.shop_config.load_shop_config(consistent=True)
    custom_menus = dict(shop.custom_rich_menus)
    uploaded: dict[str, tuple[bytes, str]] = {}
    try:
        if menu is None:
            custom_menus.pop(kind, None)
        else:
            custom_menus[kind], image = chosen_menu(kind, CustomRichMenuRequest.model_validate(menu), shop)
            if image is not None:
                uploaded[kind] = image
    except MenuImageRefused as refused:
        return {"refused": {"reason": refused.reason, "message": refused.message}}
    except InvalidRegistration as invalid:
        return {"invalid": [{"field": p.field, "code": p.code} for p in invalid.problems]}
    chosen = shop.model_copy(update={"custom_rich_menus": custom_menus})
    try:
        result = repaint(wiring, uploaded, chosen)
    except LineRequestFailed as failed:  # nothing saved: the owner may simply try again
        logger.warning("LINE refused the menu", extra={"status": failed.status})
        return {"line_failed": {"status": failed.status}}
    # Saved once LINE shows it: the config never names an image LINE does not have.
    wiring.table.shop_config.save_shop_fields(chosen, {"custom_rich_menus"})
    return result


def chosen_menu(
    kind: str, request: CustomRichMenuRequest, shop: ShopConfig
) -> tuple[CustomRichMenu, tuple[bytes, str] | None]:
    """The menu to store and the image to upload now (None: drawn, or the one on LINE kept)."""
    template = check_custom_menu(kind, request.template, request.areas)
    if request.image_base64 is not None:
        data = base64.b64decode(request.image_base64)
        content_type = checked_menu_image(data, template.width, template.height)
        custom = CustomRichMenu(
            template=template.template_id,
            areas=request.areas,
            image_sha256=image_digest(data),
            image_type=content_type,
        )
        return custom, (data, content_type)
    previous = shop.custom_rich_menus.get(kind)
    if not request.keep_image or previous is None or previous.image_sha256 is None:
        return CustomRichMenu(template=template.template_id, areas=request.areas), None
    if TEMPLATES[previous.template].height != template.height:
        raise MenuImageRefused(
            "image_size", "レイアウトの大きさが変わるため、今の画像は使えません。新しい画像を選んでください。"
        )
    kept = previous.model_copy(update={"template": template.template_id, "areas": request.areas})
    return kept, None


@logger.inject_lambda_context
@metrics.log_metrics
@tracer.capture_lambda_handler
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    chosen = event.get("set_menu")
    logger.info(
        "menu set" if chosen else "repaint requested", extra={"reason": str(event.get("reason", ""))[:40]}
    )
    with _one_at_a_time:
        if isinstance(chosen, dict):
            result = set_menu(current_wiring(), str(chosen.get("kind")), chosen.get("menu"))
        else:
            result = repaint(current_wiring())
    metrics.add_metric(name="RichMenuChanges", unit="Count", value=len(result.get("changes", [])))
    return result
