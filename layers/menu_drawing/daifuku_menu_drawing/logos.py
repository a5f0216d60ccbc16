"""The shop's logo (設定 お店, an https image URL), fetched for the painted menus' header: bounded in
time and bytes, and left out (the name alone) when it cannot be fetched or opened."""

from __future__ import annotations

import io
import urllib.request
import warnings

from PIL import Image, UnidentifiedImageError

# What the drawing takes as the logo (the painter names it without importing Pillow itself).
Logo = Image.Image
LOGO_TIMEOUT_SECONDS = 5
LOGO_MAX_BYTES = 2 * 1024 * 1024


class LogoUnavailable(Exception):
    """The logo could not be fetched or is not an image (the menus are drawn without it)."""


def fetch_logo(
    url: str, *, timeout: float = LOGO_TIMEOUT_SECONDS, max_bytes: int = LOGO_MAX_BYTES
) -> Image.Image:
    """The logo as an RGBA image; LogoUnavailable when it cannot be had within the bounds."""
    request = urllib.request.Request(url, headers={"User-Agent": "Daifuku rich menu painter"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            data = response.read(max_bytes + 1)
    except (OSError, ValueError) as error:
        raise LogoUnavailable(f"fetching the logo failed: {type(error).__name__}") from None
    if len(data) > max_bytes:
        raise LogoUnavailable("the logo is over 2 MB")
    return logo_image(data)


def logo_image(data: bytes) -> Image.Image:
    """The logo's bytes as an RGBA image; LogoUnavailable when they are not an image Pillow opens."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            image.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombWarning):
        raise LogoUnavailable("the logo is not an image") from None
    return image.convert("RGBA")
