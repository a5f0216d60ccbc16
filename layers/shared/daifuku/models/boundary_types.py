"""Constrained types for every value that crosses a boundary: request bodies, query strings, path
parameters, schedule payloads and LINE's webhook.

Each type refuses what would fail further in (DynamoDB, date arithmetic, the scheduler) so that bad
input is a 422 before anything is written. They reject rather than repair, except where the page
itself normalises (phone digits, kana). Request models use these types for every field, so a new
route cannot forget one; tests/unit/test_boundary_types.py checks that every request model does.

Stored records and answers are not re-validated with them: what they hold came in through these.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BeforeValidator, Field, GetCoreSchemaHandler
from pydantic_core import PydanticCustomError, core_schema

# DynamoDB refuses a partition key over 2048 bytes and a sort key over 1024 bytes of UTF-8. An id
# that becomes part of a key is kept far below both, so that a prefix and a second id still fit.
DYNAMODB_PARTITION_KEY_MAX_BYTES = 2048
DYNAMODB_SORT_KEY_MAX_BYTES = 1024
KEY_ID_MAX_BYTES = 128
# DynamoDB nests documents 32 levels deep; the item and the campaign around a JSON value take some.
JSON_MAX_DEPTH = 16

EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2100, 12, 31)
EARLIEST_INSTANT = datetime(1900, 1, 1, tzinfo=UTC)
LATEST_INSTANT = datetime(2100, 12, 31, 23, 59, 59, 999999, tzinfo=UTC)
# A day count added to or taken from any date above stays far inside what `date` can hold.
MAX_DAY_COUNT = 36_500
# Points, thresholds and other counts a shop could plausibly use; DynamoDB numbers hold 38 digits.
MAX_AMOUNT = 1_000_000_000

# Single-line text: no C0/C1 control characters (NUL, tab, newline, DEL…) and no lone UTF-16
# surrogates, which UTF-8 cannot encode and DynamoDB refuses. Multi-line text allows tab, CR and LF.
SINGLE_LINE_REFUSED = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")
MULTI_LINE_REFUSED = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
LONE_SURROGATE = re.compile("[\ud800-\udfff]")
ASCII_DIGITS = re.compile(r"^[0-9]{1,9}$")
# Mobile 070/080/090 and IP phones 050: 11 digits. Landlines: 0 + area code + number, 10 digits, where
# the area code never starts like a mobile/IP prefix (so an 090 number missing a digit is refused).
MOBILE_OR_IP_PHONE = re.compile(r"^0[5789]0[0-9]{8}$")
LANDLINE_PHONE = re.compile(r"^0(?![5789]0)[1-9][0-9]{8}$")
# What people type between the digits: ASCII and Japanese hyphens, dashes, the long-vowel mark
# typed as a dash, spaces and the parentheses of 03(1234)5678.
PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ーｰ()]")
KATAKANA_NAME = re.compile(r"^[ァ-ヺー・ 　]+$")


def problem(code: str, message: str | None = None, **context: Any) -> PydanticCustomError:
    """A validation error whose type is `code`: what the page and the console are told."""
    return PydanticCustomError(code, message or code, context or None)


def text_problem(value: str, *, max_length: int, min_length: int = 1, multiline: bool = False) -> str | None:
    """The code for what is wrong with `value` as text, or None."""
    if len(value) > max_length:
        return "too_long"
    if len(value) < min_length:
        return "too_short"
    refused = MULTI_LINE_REFUSED if multiline else SINGLE_LINE_REFUSED
    return "invalid_text" if refused.search(value) else None


@dataclass(frozen=True)
class Text:
    """Annotated[str, Text(40)]: at most `max_length` characters (code points), at least `min_length`,
    no control characters (tab, CR and LF allowed when `multiline`) and no lone surrogates."""

    max_length: int
    min_length: int = 1
    multiline: bool = False

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(self.check, handler(source))

    def check(self, value: str) -> str:
        code = text_problem(
            value, max_length=self.max_length, min_length=self.min_length, multiline=self.multiline
        )
        if code is not None:
            raise problem(code, f"{code} (1 to {self.max_length} characters, no control characters)")
        return value


def _fits_a_key(value: str) -> str:
    if len(value.encode("utf-8", "surrogatepass")) > KEY_ID_MAX_BYTES:
        raise problem("too_long", f"at most {KEY_ID_MAX_BYTES} bytes of UTF-8")
    return value


# Ids

# A LINE user id: U and 32 lower-case hex digits.
LineUserId = Annotated[str, Field(pattern=r"^U[0-9a-f]{32}$")]
# Ids the console or the page makes up to make a retry harmless: visit_id, entry_id, exchange_id, issue_id.
ClientId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,64}$")]
TemplateId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,40}$")]
CampaignId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_.:-]{1,80}$")]
# One of the shop's stores (StoreChoice.id): never empty, since it is written into the store index's key.
StoreId = Annotated[str, Field(pattern=r"^[A-Za-z0-9_-]{1,32}$")]
# Any other id that reaches a key (a member number, a coupon id, a LINE message or webhook event id):
# one line of text, bounded in UTF-8 bytes well under DynamoDB's key limits.
KeyId = Annotated[str, Text(KEY_ID_MAX_BYTES), AfterValidator(_fits_a_key)]

# Text


def _no_leading_hash(value: str) -> str:
    if value.startswith(("#", "＃")):
        raise problem("invalid_tag", "a tag cannot start with #: the search reads # as its tag prefix")
    return value


# A staff-given tag: 1-20 characters without spaces, commas or # (the search's tag prefix).
Tag = Annotated[str, Text(20), AfterValidator(_no_leading_hash), Field(pattern=r"^[^\s#,＃]+$")]
# A rank's name, as the owner configures it and a segment names it.
RankName = Annotated[str, Text(20)]
# One line the staff type: a reason, a title.
StaffLine = Annotated[str, Text(200)]
# Free text the staff or the owner type, newlines allowed: a memo, a message.
StaffNote = Annotated[str, Text(2000, multiline=True)]
# What LINE delivers as a customer's message text (5000 characters at most on LINE's side).
LineText = Annotated[str, Text(10_000, min_length=0, multiline=True)]

# An https URL LINE fetches (an image): at most 2000 characters, as LINE allows.
HttpsUrl = Annotated[str, Text(2000), Field(pattern=r"^https://")]

# Numbers and time


def _ascii_digits_only(value: Any) -> Any:
    """Query strings: `str.isdigit()` accepts ² and ①, which `int()` then refuses; only 0-9 pass."""
    if isinstance(value, str) and not ASCII_DIGITS.match(value):
        raise problem("invalid_integer", "only the digits 0-9")
    return value


# A whole number of days in a segment or a coupon's validity: date arithmetic cannot overflow.
DayCount = Annotated[int, Field(ge=1, le=MAX_DAY_COUNT)]
# Points, thresholds and other amounts.
Amount = Annotated[int, Field(ge=-MAX_AMOUNT, le=MAX_AMOUNT)]
# A count given in a query string (?days=30): ASCII digits only, then the route's own range.
QueryCount = Annotated[int, BeforeValidator(_ascii_digits_only), Field(ge=1, le=100_000)]


def _within_years(value: datetime) -> datetime:
    if not EARLIEST_INSTANT <= value <= LATEST_INSTANT:
        raise problem("out_of_range", f"between {EARLIEST_INSTANT.year} and {LATEST_INSTANT.year}")
    return value


def _within_dates(value: date) -> date:
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise problem("out_of_range", f"between {EARLIEST_DATE} and {LATEST_DATE}")
    return value


# A point in time with its offset, 1900-2100: a campaign in year 9999 is refused before any draft is written.
Instant = Annotated[AwareDatetime, AfterValidator(_within_years)]
# A calendar day, 1900-2100.
Day = Annotated[date, AfterValidator(_within_dates)]
# Milliseconds since the epoch, as LINE stamps its webhook events: from 1970 to the end of 2100.
EpochMillis = Annotated[
    int,
    Field(
        ge=0,
        le=int(LATEST_INSTANT.timestamp() * 1000),
    ),
]

# Phone and kana: the two values the page itself normalises


def ascii_digits(text: str) -> str:
    """Every Unicode decimal digit (full-width, Arabic-Indic, Devanagari…) as its ASCII digit."""
    return "".join(str(unicodedata.decimal(c)) if not c.isascii() and c.isdecimal() else c for c in text)


def normalise_phone(raw: str) -> str | None:
    """Digits only, as stored; None when `raw` is not a Japanese mobile, IP or landline number.

    Digits of any script, full-width hyphens (０９０－１２３４－５６７８) and +81 are accepted.
    """
    text = PHONE_SEPARATORS.sub("", ascii_digits(unicodedata.normalize("NFKC", raw)))
    if text.startswith("+81"):
        text = "0" + text[3:].removeprefix("0")
    if MOBILE_OR_IP_PHONE.match(text) or LANDLINE_PHONE.match(text):
        return text
    return None


def normalise_kana(raw: str) -> str | None:
    """Full-width katakana (hiragana and half-width kana converted); None when other characters remain."""
    text = unicodedata.normalize("NFKC", raw).strip()
    text = "".join(chr(ord(c) + 0x60) if "ぁ" <= c <= "ゖ" else c for c in text)
    return text if KATAKANA_NAME.match(text) else None


def _phone(value: str) -> str:
    phone = normalise_phone(value)
    if phone is None:
        raise problem("invalid_phone")
    return phone


# A Japanese phone number, stored as ASCII digits.
Phone = Annotated[str, AfterValidator(_phone)]

# A customer's name, and its reading in kana.
NAME_MAX_LENGTH = 40
EMAIL_MAX_LENGTH = 254
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")


def _kana(value: str) -> str:
    if len(value) > NAME_MAX_LENGTH:
        raise problem("too_long")
    kana = normalise_kana(value)
    if kana is None:
        raise problem("invalid_kana")
    return kana


def _email(value: str) -> str:
    if len(value) > EMAIL_MAX_LENGTH:
        raise problem("too_long")
    if not EMAIL.match(value) or text_problem(value, max_length=EMAIL_MAX_LENGTH):
        raise problem("invalid_email")
    return value


# A name in katakana, stored in full-width katakana.
Kana = Annotated[str, AfterValidator(_kana)]
# An e-mail address as the page checks it, without control characters.
Email = Annotated[str, AfterValidator(_email)]

# JSON documents (a Flex message's contents)


def _storable_json(value: Any, depth: int = 0) -> Any:
    """A JSON value DynamoDB can store as a document: no floats, bounded depth, clean strings."""
    if depth > JSON_MAX_DEPTH:
        raise problem("too_deep", f"nested more than {JSON_MAX_DEPTH} levels")
    if isinstance(value, dict):
        for key, item in value.items():
            _storable_json(key, depth + 1)
            _storable_json(item, depth + 1)
    elif isinstance(value, list):
        for item in value:
            _storable_json(item, depth + 1)
    elif isinstance(value, str):
        if MULTI_LINE_REFUSED.search(value):
            raise problem("invalid_text", "control characters or lone surrogates are not allowed")
    elif isinstance(value, float):
        raise problem("float_not_allowed", "only whole numbers")
    elif isinstance(value, int) and not isinstance(value, bool) and abs(value) > MAX_AMOUNT:
        raise problem("out_of_range", f"whole numbers up to {MAX_AMOUNT}")
    return value


JsonObject = Annotated[dict[str, Any], AfterValidator(_storable_json)]


def _encodable_json(value: Any) -> Any:
    """A JSON value whose every string UTF-8 can encode: what LINE sends is UTF-8, so a lone surrogate
    can only come from a `\\ud800` escape, and would not survive being written out again."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            stack += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            stack += item
        elif isinstance(item, str) and LONE_SURROGATE.search(item):
            raise problem("invalid_text", "lone surrogates are not allowed")
    return value


# A LINE webhook event as it came, before parse_event reads its fields into a typed model.
RawLineObject = Annotated[dict[str, Any], AfterValidator(_encodable_json)]
