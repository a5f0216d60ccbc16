"""Image dimensions read from PNG and JPEG bytes, for LINE's rich menu image rules."""

from __future__ import annotations

import struct

# LINE's rules for rich menu images (Messaging API reference, "Upload rich menu image").
MIN_WIDTH, MAX_WIDTH, MIN_HEIGHT = 800, 2500, 250
MIN_ASPECT_RATIO = 1.45
MAX_BYTES = 1024 * 1024


def image_size(data: bytes) -> tuple[int, int] | None:
    """(width, height) of a PNG or baseline/progressive JPEG, or None for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:2] == b"\xff\xd8":
        offset = 2
        while offset + 9 < len(data):
            if data[offset] != 0xFF:
                return None
            marker = data[offset + 1]
            length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
            if marker in (0xC0, 0xC1, 0xC2):
                height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
                return int(width), int(height)
            offset += 2 + length
    return None


def rich_menu_image_problem(data: bytes, content_type: str) -> str | None:
    """Why LINE would refuse this rich menu image, or None when it is acceptable."""
    if content_type not in ("image/png", "image/jpeg"):
        return "The content type must be image/jpeg or image/png"
    if len(data) > MAX_BYTES:
        return "The image size must be 1 MB or less"
    size = image_size(data)
    if size is None:
        return "The image is not a PNG or JPEG"
    width, height = size
    if not (MIN_WIDTH <= width <= MAX_WIDTH) or height < MIN_HEIGHT or width / height < MIN_ASPECT_RATIO:
        return f"Invalid image size {width}x{height}"
    return None


def solid_png(width: int, height: int, rgb: tuple[int, int, int] = (255, 255, 255)) -> bytes:
    """A PNG of one colour, written by hand (no imaging library needed for the local stack)."""
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    row = b"\x00" + bytes(rgb) * width
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(row * height, 9)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
