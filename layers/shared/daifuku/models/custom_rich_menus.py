"""The owner's own rich menu: one of LINE's standard layouts, each area's action, and whether the
image is the owner's upload or drawn by Daifuku. Stored in the shop config (`custom_rich_menus`, by
menu kind); what the owner sends is the request model beside it."""

from __future__ import annotations

import base64
import binascii
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from daifuku.models.boundary_types import Text, problem

# A rich menu area's action label: LINE takes 20 characters.
AreaLabel = Annotated[str, Text(20)]
# A uri action's link: LINE takes 1000 characters; the owner's links are https.
AreaLink = Annotated[str, Text(1000), Field(pattern=r"^https://[^\s]+$")]
# The uploaded image, base64 (1 MB of image is about 1.4 MB of base64; the painter checks the rest).
MAX_IMAGE_BASE64_CHARS = 1_500_000
MAX_IMAGE_BYTES = 1024 * 1024  # LINE's limit for a rich menu image
# The first bytes of the two formats LINE takes for a rich menu image.
IMAGE_SIGNATURES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg"}


def image_type_of(data: bytes) -> str | None:
    """image/png or image/jpeg from the file's first bytes; None for anything else."""
    return next((kind for head, kind in IMAGE_SIGNATURES.items() if data.startswith(head)), None)


def _png_or_jpeg(value: str) -> str:
    """Base64 of a PNG or a JPEG (its first bytes say so; the painter opens it with Pillow)."""
    try:
        data = base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        raise problem("image_type", "the image must be a PNG or a JPEG file, in base64") from None
    if image_type_of(data) is None:
        raise problem("image_type", "the image must be a PNG or a JPEG file")
    if len(data) > MAX_IMAGE_BYTES:
        raise problem("image_too_large", "the image must be 1 MB at most")
    return value


ImageBase64 = Annotated[str, Field(max_length=MAX_IMAGE_BASE64_CHARS), AfterValidator(_png_or_jpeg)]


class AreaAction(StrEnum):
    """What a tap on a rich menu area does: Daifuku's own answers, or a link the owner gives (only
    on the owner's own menus). daifuku.domain.rich_menu_layout turns each into LINE's action."""

    REGISTER = "register"  # opens the registration form
    CARD = "card"  # opens the member card
    COUPONS = "coupons"  # opens the member card at its coupons
    SHOP_INFO = "shop_info"  # the webhook replies with the shop's information
    LINK = "link"  # opens the owner's https page


class CustomMenuArea(BaseModel):
    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    action: AreaAction
    label: AreaLabel | None = None  # None: the action's own name (会員証, クーポン…)
    url: AreaLink | None = None  # the link of a LINK area

    @model_validator(mode="after")
    def _link_has_its_url(self) -> CustomMenuArea:
        if (self.action is AreaAction.LINK) != (self.url is not None):
            raise problem("link_url", "a link area needs an https URL, and only a link area has one")
        if self.action is AreaAction.LINK and not (self.label or "").strip():
            raise problem("link_label", "a link area needs a label")
        return self


class CustomRichMenu(BaseModel):
    """One menu as the owner set it: a standard layout, its areas' actions in the layout's order, and
    the SHA-256 of the owner's image (None: Daifuku draws the layout in the shop's colours)."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    template: str
    areas: tuple[CustomMenuArea, ...]
    image_sha256: str | None = None
    image_type: str | None = None  # image/png or image/jpeg


class CustomRichMenuRequest(BaseModel):
    """PUT /liff/api/staff/rich-menus/<menu_kind>: a layout, its areas, and an image (base64) or
    `keep_image` to keep the one uploaded before, or neither for a drawn menu."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    template: Annotated[str, Text(40)]
    areas: tuple[CustomMenuArea, ...] = Field(min_length=1, max_length=20)
    image_base64: ImageBase64 | None = None
    keep_image: bool = False
