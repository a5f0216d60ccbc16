"""The operator's language: Japanese when the locale says so (LANGUAGE, LC_ALL, LC_MESSAGES, LANG as
gettext reads them: `ja_JP.UTF-8`, `ja`), English otherwise.

Messages are marked with `_()` in the source. `locale/daifuku.pot` is extracted from it with Babel,
`locale/ja/LC_MESSAGES/daifuku.po` holds the Japanese, and the compiled `.mo` beside it is committed,
so that `uv run daifuku` needs no build step. After changing a message:

    L=operator_cli/daifuku_cli/locale
    .venv/bin/pybabel extract -F $L/babel.cfg --no-location --sort-output --omit-header \
        -o $L/daifuku.pot operator_cli/daifuku_cli
    .venv/bin/pybabel update -D daifuku -i $L/daifuku.pot -d $L --ignore-obsolete
    (translate the new entries of $L/ja/LC_MESSAGES/daifuku.po)
    .venv/bin/pybabel compile -D daifuku -d $L

tests/unit/test_cli_messages.py fails when a message has no Japanese or the .mo is older than the .po.
"""

from __future__ import annotations

import functools
import gettext
from pathlib import Path

DOMAIN = "daifuku"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@functools.cache
def translation() -> gettext.NullTranslations:
    """The catalog of the operator's language, read once (English, the source text, by default)."""
    return gettext.translation(DOMAIN, localedir=LOCALE_DIR, fallback=True)


def _(message: str) -> str:
    """`message` in the operator's language."""
    return translation().gettext(message)
