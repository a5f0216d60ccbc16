"""A font with Japanese glyphs: the one bundled beside this package (the painter function's layer), or
else one found on this machine at run time (Debian: fonts-noto-cjk)."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from PIL import ImageFont

# Families in the order we like them; any other font fontconfig says covers Japanese comes after.
PREFERRED_FAMILIES = ("Noto Sans CJK JP", "Noto Sans JP", "IPAexGothic", "IPAGothic", "Noto Serif CJK JP")
# Where the painter's layer build puts the font it ships (Noto Sans CJK, SIL Open Font License).
BUNDLED_FONTS = Path(__file__).resolve().parent / "fonts"
BUNDLED_FONT_NAME = "NotoSansCJK-Bold.ttc"
FALLBACK_GLOBS = ("/usr/share/fonts/**/NotoSansCJK*.ttc", "/usr/share/fonts/**/*CJK*.tt[cf]")


class NoJapaneseFont(RuntimeError):
    """No font on this machine can draw Japanese text."""

    def __init__(self) -> None:
        super().__init__(
            "No font with Japanese glyphs was found. Install one, e.g. `apt-get install fonts-noto-cjk` "
            "(Debian/Ubuntu) or `brew install --cask font-noto-sans-cjk-jp` (macOS)."
        )


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (.ttc collections hold several; `index` picks the Japanese one)."""

    path: Path
    index: int
    family: str
    bold: bool

    def at(self, size: int) -> ImageFont.FreeTypeFont:
        return ImageFont.truetype(str(self.path), size=size, index=self.index)


def _fontconfig_faces() -> list[FontFace]:
    if shutil.which("fc-list") is None:
        return []
    listing = subprocess.run(
        ["fc-list", ":lang=ja", "file", "index", "family", "style"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    faces = []
    for line in listing.splitlines():
        path, _, rest = line.partition(": ")
        fields = dict(part.split("=", 1) for part in rest.split(":") if "=" in part)
        family = rest.split(":", 1)[0].split(",")[0]
        faces.append(
            FontFace(Path(path), int(fields.get("index", 0)), family, "Bold" in fields.get("style", ""))
        )
    return faces


def _rank(face: FontFace, bold: bool) -> tuple[int, int]:
    family_rank = (
        PREFERRED_FAMILIES.index(face.family)
        if face.family in PREFERRED_FAMILIES
        else len(PREFERRED_FAMILIES)
    )
    return family_rank, 0 if face.bold == bold else 1


@cache
def japanese_font(bold: bool = True) -> FontFace:
    """The best Japanese face here; raises NoJapaneseFont, saying how to install one, when there is none."""
    bundled = BUNDLED_FONTS / BUNDLED_FONT_NAME
    if bundled.is_file():
        return FontFace(bundled, 0, "Noto Sans CJK JP", True)
    faces = [face for face in _fontconfig_faces() if face.path.is_file()]
    if not faces:
        for pattern in FALLBACK_GLOBS:
            found = sorted(Path("/").glob(pattern.lstrip("/")))
            if found:
                # Noto's CJK collections put the Japanese face first.
                faces = [FontFace(found[0], 0, "Noto Sans CJK JP", "Bold" in found[0].name)]
                break
    if not faces:
        raise NoJapaneseFont()
    return min(faces, key=lambda face: _rank(face, bold))
