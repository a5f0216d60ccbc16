"""The owner's own rich menu image, checked with Pillow before it goes to LINE: a PNG or a JPEG that
opens, of the chosen layout's size (2500×843 or 2500×1686), at most 1 MB (LINE's rules)."""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from daifuku.domain.errors import MenuImageRefused
from daifuku.domain.rich_menu_layout import MAX_IMAGE_BYTES

FORMATS = {"PNG": "image/png", "JPEG": "image/jpeg"}


def checked_menu_image(data: bytes, width: int, height: int) -> str:
    """The image's content type (image/png or image/jpeg); MenuImageRefused, with the reason in
    Japanese, when LINE would not take it as a `width`×`height` rich menu."""
    if len(data) > MAX_IMAGE_BYTES:
        size_mb = len(data) / (1024 * 1024)
        raise MenuImageRefused(
            "image_too_large",
            f"画像のファイルサイズは1MB以下にしてください（この画像は{size_mb:.1f}MBです）。",
        )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                kind, size = image.format, image.size
                image.verify()  # a truncated or corrupt file stops here, before LINE sees it
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning):
        raise MenuImageRefused(
            "image_unreadable", "画像を読み込めませんでした。PNGかJPEGの画像を選んでください。"
        ) from None
    if kind not in FORMATS:
        raise MenuImageRefused("image_type", "画像はPNGかJPEGにしてください。")
    if size != (width, height):
        raise MenuImageRefused(
            "image_size",
            f"このレイアウトの画像は{width}×{height}ピクセルにしてください"
            f"（この画像は{size[0]}×{size[1]}ピクセルです）。",
        )
    return FORMATS[kind]
