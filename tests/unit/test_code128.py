"""The barcode under the QR: CODE128 of exactly the member number, so a POS scanner types back the
number that is stored (not an EAN-13 with a check digit of its own)."""

from __future__ import annotations

import pytest

from daifuku.domain.barcode import CODE128_WIDTHS, code128_values, code128_widths, qr_code_svg
from daifuku.domain.member_numbers import format_member_number
from daifuku.models.shop import MemberNumberFormat

START = {103: "A", 104: "B", 105: "C"}


def decode(widths: str) -> str:
    """Read bars back as a scanner does: symbol by symbol, check the checksum, return the text."""
    symbols = {pattern: value for value, pattern in enumerate(CODE128_WIDTHS)}
    assert widths.endswith(CODE128_WIDTHS[106]), "no stop pattern"
    body = widths[: -len(CODE128_WIDTHS[106])]
    assert len(body) % 6 == 0
    values = [symbols[body[i : i + 6]] for i in range(0, len(body), 6)]
    start, *data, check = values
    assert start in START, "no start symbol"
    assert check == (start + sum(i * v for i, v in enumerate(data, start=1))) % 103, "bad checksum"
    code_set, text = START[start], ""
    for value in data:
        if code_set == "C":
            if value == 100:  # CODE B
                code_set = "B"
            else:
                assert value < 100
                text += f"{value:02d}"
        elif value == 99:  # CODE C
            code_set = "C"
        else:
            assert value < 96
            text += chr(value + 32)
    return text


def test_the_symbol_table_is_code128s():
    assert len(CODE128_WIDTHS) == 107 and len(set(CODE128_WIDTHS)) == 107
    for value, pattern in enumerate(CODE128_WIDTHS[:106]):
        assert len(pattern) == 6 and sum(map(int, pattern)) == 11, value
        # Every symbol's bars add up to an even number of modules: scanners check this parity.
        assert sum(map(int, pattern[::2])) % 2 == 0, value
    assert sum(map(int, CODE128_WIDTHS[106])) == 13


@pytest.mark.parametrize(
    "member_no",
    ["000001", "000123", "999999", "0001234", "1", "12", "DF000123", "DF0001234", "A1B2", "0000000001"],
)
def test_the_bars_decode_back_to_the_exact_member_number(member_no):
    assert decode(code128_widths(member_no)) == member_no


@pytest.mark.parametrize("sequence", [1, 42, 999_999, 1_000_000, 123_456_789])
@pytest.mark.parametrize("prefix", ["", "DF", "K1"])
def test_every_formatted_number_round_trips(prefix, sequence):
    member_no = format_member_number(sequence, MemberNumberFormat(prefix=prefix, digits=6))
    assert decode(code128_widths(member_no)) == member_no


def test_digits_are_packed_two_to_a_symbol():
    assert code128_values("000123")[:4] == [105, 0, 1, 23]  # start C, 00 01 23
    assert code128_values("DF000123")[:4] == [104, 36, 38, 99]  # start B, D F, then code C


def test_text_outside_printable_ascii_is_refused():
    with pytest.raises(ValueError):
        code128_widths("会員")
    with pytest.raises(ValueError):
        code128_widths("")


def test_the_qr_is_a_scalable_svg():
    svg = qr_code_svg("DC1.000123.58333333.ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    assert svg.startswith('<svg role="img"') and "viewBox" in svg and 'width="' not in svg[:80]
    assert "<path" in svg
