"""`daifuku poster`: the printed QR decodes to the member card's LIFF URL, in the PNG and in the PDF.

Decoded with Debian's zbarimg, the PDF first rasterised by poppler's pdftoppm, as a phone would see
the printed page (./dev installs both).
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest

from daifuku_cli.main import main

LIFF_URL = "https://liff.line.me/1650000000-AbCdEfGh"


def decoded_qr(image: Path) -> list[str]:
    result = subprocess.run(
        ["zbarimg", "--raw", "-q", str(image)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, f"zbarimg found no code in {image}: {result.stderr}"
    return result.stdout.splitlines()


def rasterised(pdf: Path, dpi: int = 150) -> Path:
    """The PDF's one page as a PNG, as printed and photographed."""
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-png", "-singlefile", str(pdf), str(pdf.with_suffix(""))], check=True
    )
    return pdf.with_suffix(".png")


def pdf_page_size_mm(pdf: Path) -> tuple[float, float]:
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True).stdout
    match = re.search(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info)
    assert match, info
    return float(match[1]) * 25.4 / 72, float(match[2]) * 25.4 / 72


@pytest.mark.parametrize(("layout", "size_mm"), [("a4", (210, 297)), ("table-card", (100, 148))])
def test_the_posters_qr_opens_the_member_card_in_png_and_pdf(tmp_path, capsys, layout, size_mm):
    arguments = [
        "--layout",
        layout,
        "--liff-url",
        LIFF_URL,
        "--shop-name",
        "大福堂",
        "--theme-color",
        "#2f6b4f",
    ]
    png, pdf = tmp_path / f"{layout}.png", tmp_path / f"{layout}-print.pdf"

    assert main(["poster", str(png), *arguments, "--bot-link", "https://lin.ee/AbCdEfG"]) == 0
    assert main(["poster", str(pdf), *arguments]) == 0

    assert decoded_qr(png) == [LIFF_URL]
    assert decoded_qr(rasterised(pdf)) == [LIFF_URL]
    width, height = pdf_page_size_mm(pdf)
    assert abs(width - size_mm[0]) < 1 and abs(height - size_mm[1]) < 1, "it prints at its paper size"
    assert f"QR → {LIFF_URL}" in capsys.readouterr().out


def test_a_poster_needs_a_pdf_or_png_name(tmp_path, capsys):
    assert (
        main(
            [
                "poster",
                str(tmp_path / "poster.jpg"),
                "--liff-url",
                LIFF_URL,
                "--shop-name",
                "x",
                "--theme-color",
                "#000000",
            ]
        )
        == 2
    )
    assert "must be a .pdf or .png" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []
