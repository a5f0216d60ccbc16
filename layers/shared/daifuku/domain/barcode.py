"""The member card's two symbols: a CODE128 barcode of the exact member number for POS scanners,
and a QR code of the short-lived card token for the staff scanner.

CODE128 rather than EAN-13: EAN-13 holds 12 digits plus a check digit it computes itself, so a
member number squeezed into it comes out different at the till (LINE's sample does exactly that).
CODE128 carries any of our numbers, letters included, and a scanner types back exactly the number.
"""

from __future__ import annotations

import re

# Bar/space widths in modules (bar first) of the CODE128 symbol values 0-106 (ISO/IEC 15417).
# Every symbol is 11 modules wide; the stop (106) is 13, its final bar included.
CODE128_WIDTHS = (
    "212222", "222122", "222221", "121223", "121322", "131222", "122213", "122312", "132212", "221213",
    "221312", "231212", "112232", "122132", "122231", "113222", "123122", "123221", "223211", "221132",
    "221231", "213212", "223112", "312131", "311222", "321122", "321221", "312212", "322112", "322211",
    "212123", "212321", "232121", "111323", "131123", "131321", "112313", "132113", "132311", "211313",
    "231113", "231311", "112133", "112331", "132131", "113123", "113321", "133121", "313121", "211331",
    "231131", "213113", "213311", "213131", "311123", "311321", "331121", "312113", "312311", "332111",
    "314111", "221411", "431111", "111224", "111422", "121124", "121421", "141122", "141221", "112214",
    "112412", "122114", "122411", "142112", "142211", "241211", "221114", "413111", "241112", "134111",
    "111242", "121142", "121241", "114212", "124112", "124211", "411212", "421112", "421211", "212141",
    "214121", "412121", "111143", "111341", "131141", "114113", "114311", "411113", "411311", "113141",
    "114131", "311141", "411131", "211412", "211214", "211232", "2331112",
)  # fmt: skip
CODE_C = 99  # switch to code set C (digit pairs)
CODE_B = 100  # switch to code set B (ASCII 32-127)
START_B = 104
START_C = 105
STOP = 106
QUIET_ZONE_MODULES = 10
# A digit run this long saves width in code set C even after paying for the switch into it.
MIN_CODE_C_RUN = 4


def code128_values(text: str) -> list[int]:
    """The symbol values for `text`, start, check symbol and stop included.

    Code set C for digit runs (two digits a symbol), code set B for everything else.
    """
    if not text or any(not " " <= character <= "\x7f" for character in text):
        raise ValueError("CODE128 code set B covers printable ASCII only")
    values: list[int] = []
    code_set = ""

    def switch_to(target: str) -> None:
        nonlocal code_set
        if code_set != target:
            if code_set:
                values.append(CODE_C if target == "C" else CODE_B)
            else:
                values.append(START_C if target == "C" else START_B)
            code_set = target

    position = 0
    while position < len(text):
        run = len(text[position:]) - len(text[position:].lstrip("0123456789"))
        whole_text_in_pairs = position == 0 and run == len(text) and run % 2 == 0
        if run >= MIN_CODE_C_RUN or whole_text_in_pairs:
            if run % 2:
                # An odd run: its first digit goes in code set B, the even rest in C.
                switch_to("B")
                values.append(ord(text[position]) - 32)
                position += 1
                run -= 1
            switch_to("C")
            values += [int(text[pair : pair + 2]) for pair in range(position, position + run, 2)]
            position += run
        else:
            switch_to("B")
            values.append(ord(text[position]) - 32)
            position += 1
    check = (values[0] + sum(index * value for index, value in enumerate(values[1:], start=1))) % 103
    return [*values, check, STOP]


def code128_widths(text: str) -> str:
    """Module widths, bar first, alternating bar/space, of the whole barcode (no quiet zones):
    the page draws it as SVG rectangles."""
    return "".join(CODE128_WIDTHS[value] for value in code128_values(text))


def qr_code_svg(text: str) -> str:
    """The QR code of `text` as an SVG document that scales to its container (viewBox, no size)."""
    import qrcode
    import qrcode.constants
    from qrcode.image.svg import SvgPathImage

    code = qrcode.QRCode(
        error_correction=qrcode.constants.ERROR_CORRECT_M, border=4, image_factory=SvgPathImage
    )
    code.add_data(text)
    code.make(fit=True)
    svg: str = code.make_image().to_string(encoding="unicode")
    return re.sub(r'^<svg width="[^"]*" height="[^"]*"', '<svg role="img"', svg, count=1)
