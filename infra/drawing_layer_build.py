"""Builds the rich menu painter's own Lambda layer on this machine, without Docker: Pillow (ARM64
wheels for CPython 3.13, the version uv.lock pins), the `daifuku_menu_drawing` package and a Japanese
font beside it. Only the painter runs with it, so the shared layer stays small for the request path.

The font is Noto Sans CJK (SIL Open Font License 1.1, which allows bundling it), taken from this
machine as the CLI finds it (Debian: `apt-get install fonts-noto-cjk`).
"""

from __future__ import annotations

import shutil
import sys
import tomllib
from pathlib import Path

from infra.layer_build import (
    BUILD_SCRIPT,
    LAMBDA_PYTHON_VERSION,
    REPO_ROOT,
    _run,
    compile_bytecode,
    copy_package,
    fingerprint,
    source_files,
    uv,
)

DRAWING_PACKAGE = REPO_ROOT / "layers" / "menu_drawing" / "daifuku_menu_drawing"
# Pillow's ARM64 wheels are manylinux_2_28; Lambda's Python 3.13 runtime (Amazon Linux 2023) has glibc 2.34.
DRAWING_PLATFORM = "aarch64-manylinux_2_28"
DRAWING_REQUIREMENTS = ("pillow",)
# Only fonts whose licence allows shipping them in the layer.
BUNDLABLE_FONT_FAMILIES = ("Noto Sans CJK JP",)


def locked_version(package: str) -> str:
    """The version uv.lock pins for `package`."""
    lock = tomllib.loads((REPO_ROOT / "uv.lock").read_text())
    for entry in lock["package"]:
        if entry["name"] == package:
            return str(entry["version"])
    raise KeyError(f"{package} is not in uv.lock")


def drawing_layer_fingerprint() -> str:
    return fingerprint(
        [REPO_ROOT / "uv.lock", Path(__file__).resolve(), BUILD_SCRIPT, *source_files(DRAWING_PACKAGE)],
        recipe=(LAMBDA_PYTHON_VERSION, DRAWING_PLATFORM, *DRAWING_REQUIREMENTS),
    )


def bundled_font() -> Path:
    """This machine's Noto Sans CJK Bold (NoJapaneseFont, saying how to install it, when missing)."""
    from daifuku_menu_drawing.fonts import NoJapaneseFont, japanese_font

    face = japanese_font(bold=True)
    if face.family not in BUNDLABLE_FONT_FAMILIES or face.path.suffix != ".ttc":
        raise NoJapaneseFont()
    return face.path


def build_drawing_layer(output_dir: Path) -> None:
    """Fill `output_dir` with the layer's `python/` directory."""
    from daifuku_menu_drawing.fonts import BUNDLED_FONT_NAME

    site_packages = output_dir / "python"
    site_packages.mkdir(parents=True, exist_ok=True)
    pins = [f"{name}=={locked_version(name)}" for name in DRAWING_REQUIREMENTS]
    _run(
        [
            *uv(),
            "pip",
            "install",
            "--python-platform",
            DRAWING_PLATFORM,
            "--python-version",
            LAMBDA_PYTHON_VERSION,
            "--only-binary",
            ":all:",
            "--no-deps",
            "--link-mode",
            "copy",
            "--quiet",
            "--target",
            str(site_packages),
            *pins,
        ]
    )
    package = site_packages / "daifuku_menu_drawing"
    copy_package(DRAWING_PACKAGE, package)
    (package / "fonts").mkdir(exist_ok=True)
    shutil.copy2(bundled_font(), package / "fonts" / BUNDLED_FONT_NAME)
    compile_bytecode(site_packages)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m infra.drawing_layer_build <outdir>", file=sys.stderr)
        return 2
    build_drawing_layer(Path(argv[0]).resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
