"""The owner's message templates: `{name}`, `{member_no}` and the like, filled in for each recipient.

A template names only the placeholders its message can fill; anything else in braces is refused when
the owner saves it (models/shop_settings.py), so a customer never sees a raw `{nmae}`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

PLACEHOLDER = re.compile(r"\{([^{}\s]{0,40})\}")
DEFAULT_NAME = "お客さま"


def check_placeholders(template: str, allowed: Iterable[str]) -> str | None:
    """The first placeholder in `template` that is not `allowed`, or None when all are."""
    known = set(allowed)
    return next((name for name in PLACEHOLDER.findall(template) if name not in known), None)


def fill(template: str, values: Mapping[str, str | None]) -> str:
    """`template` with each known placeholder replaced (an unknown one is left as typed)."""

    def value_of(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in values:
            return match.group(0)
        return values[name] or ""

    return PLACEHOLDER.sub(value_of, template)


def recipient_values(
    name: str | None, member_no: str | None = None, **more: str | None
) -> dict[str, str | None]:
    """The placeholders' values for one recipient: their name (お客さま when unknown), their number."""
    return {"name": name or DEFAULT_NAME, "member_no": member_no, **more}
