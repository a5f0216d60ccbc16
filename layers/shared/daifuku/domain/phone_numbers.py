"""Japanese phone numbers as people write them: 090-1234-5678, 03-1234-5678, 0120-123-456.

Stored numbers are digits only (registration.py); this puts the hyphens back where a Japanese reader
expects them. liff_static/js/phone-format.js is the same rule for the pages; a unit test holds both
to one table.
"""

from __future__ import annotations

# Area codes whose local part is 4 digits after them (10-digit numbers): 2-digit areas first.
TWO_DIGIT_AREAS = ("03", "06")
# 3-digit prefixes of 11-digit numbers: mobiles, IP phones, M2M.
ELEVEN_DIGIT_PREFIXES = ("070", "080", "090", "050", "020", "060")
# Free dial and navi dial: 4 digits, then 3 and 3.
SERVICE_PREFIXES = ("0120", "0570", "0800")


def format_phone(number: str | None) -> str:
    """`number` with hyphens; anything not a plain Japanese number (or empty) comes back as it was."""
    if not number:
        return ""
    digits = number.replace("-", "")
    if not digits.isascii() or not digits.isdigit() or not digits.startswith("0"):
        return number
    if len(digits) == 11 and digits.startswith("0800"):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 11 and digits.startswith(ELEVEN_DIGIT_PREFIXES):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    if len(digits) == 10 and digits.startswith(SERVICE_PREFIXES):
        return f"{digits[:4]}-{digits[4:7]}-{digits[7:]}"
    if len(digits) == 10 and digits.startswith(TWO_DIGIT_AREAS):
        return f"{digits[:2]}-{digits[2:6]}-{digits[6:]}"
    if len(digits) == 10:
        # Other areas: 3-digit area and 3-digit exchange is the common reading (045-123-4567).
        return f"{digits[:3]}-{digits[3:6]}-{digits[6:]}"
    return number


def dialable(number: str) -> str:
    """What a `tel:` link dials: the digits (and a leading +) of a number however the shop wrote it."""
    return ("+" if number.strip().startswith("+") else "") + "".join(
        c for c in number if c.isascii() and c.isdigit()
    )
