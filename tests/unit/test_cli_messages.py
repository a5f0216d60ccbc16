"""The operator CLI's Japanese catalog: every message in the source has its Japanese, with the same
placeholders, and the compiled .mo the CLI reads says what the .po says."""

from __future__ import annotations

import gettext
import re
import string

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from daifuku_cli.messages import DOMAIN, LOCALE_DIR

PO_FILE = LOCALE_DIR / "ja" / "LC_MESSAGES" / f"{DOMAIN}.po"
MO_FILE = PO_FILE.with_suffix(".mo")
SOURCE_DIR = LOCALE_DIR.parent


def source_messages() -> set[str]:
    extracted = extract_from_dir(str(SOURCE_DIR), method_map=[("**.py", "python")], keywords={"_": None})
    return {message for _file, _line, message, _comments, _context in extracted if isinstance(message, str)}


def japanese() -> dict[str, str]:
    with PO_FILE.open("rb") as po:
        return {str(m.id): str(m.string) for m in read_po(po) if m.id}


def placeholders(text: str) -> set[str]:
    return {field.split("!")[0] for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_every_message_in_the_source_has_its_japanese():
    # Given the messages marked with _() in daifuku_cli, when the Japanese catalog is read,
    # then each has a translation, and the catalog holds nothing the source no longer says
    translated = japanese()
    messages = source_messages()
    assert sorted(m for m in messages if not translated.get(m)) == []
    assert sorted(set(translated) - messages) == []


@pytest.mark.parametrize("message", sorted(japanese()))
def test_a_translation_fills_the_same_placeholders_in_japanese_punctuation(message):
    translation = japanese()[message]
    assert placeholders(translation) == placeholders(message)
    assert not re.search(r"[()!?]", translation), "full-width （）！？ in Japanese sentences"


def test_the_compiled_catalog_is_the_po_file():
    # The CLI reads the committed .mo: it must say what the .po says (pybabel compile after each change)
    with MO_FILE.open("rb") as mo:
        compiled = gettext.GNUTranslations(mo)
    assert {m: compiled.gettext(m) for m in japanese()} == japanese()
