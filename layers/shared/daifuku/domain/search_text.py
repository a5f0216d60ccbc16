"""How the staff search compares text: a typed query and a stored name match when they are the same
to a person at the counter, whatever the keyboard produced.

NFKC folds full-width ASCII and half-width katakana (ｶﾀｶﾅ → カタカナ, ＡＢＣ１ → ABC1); katakana then
become hiragana, case folds, and spaces of either width go. Applied to the query and to each stored
name, kana and display name when the search reads them, so members saved before this rule match too.
"""

from __future__ import annotations

import unicodedata

from daifuku.models.shop import MemberNumberFormat

# Katakana ァ (U+30A1) … ヶ (U+30F6) sit 0x60 above their hiragana; ヷヸヹヺ have none and stay.
_KATAKANA_TO_HIRAGANA = {code: code - 0x60 for code in range(0x30A1, 0x30F7)}
TAG_MARKS = ("#", "＃")


def search_form(text: str) -> str:
    """`text` as the search compares it: NFKC, katakana as hiragana, case-folded, without spaces."""
    folded = unicodedata.normalize("NFKC", text).translate(_KATAKANA_TO_HIRAGANA).casefold()
    return "".join(folded.split())


def tag_in_query(query: str) -> str | None:
    """The tag a query names with 「#」 (either width), or None when it does not start with one."""
    text = query.strip()
    if not text.startswith(TAG_MARKS):
        return None
    return text[1:].strip()


def member_number_candidates(query: str, number_format: MemberNumberFormat) -> list[str]:
    """The member numbers a typed query may mean: as typed (upper-cased), and its digits padded to
    the shop's format with the shop's prefix, so 「1」, 「１」 and 「a1」 find A000001."""
    typed = unicodedata.normalize("NFKC", query).strip().upper()
    candidates = [typed] if typed else []
    digits = typed.removeprefix(number_format.prefix) if number_format.prefix else typed
    if digits.isascii() and digits.isdigit() and len(digits) <= number_format.digits:
        candidates.append(f"{number_format.prefix}{int(digits):0{number_format.digits}d}")
    return list(dict.fromkeys(candidates))
