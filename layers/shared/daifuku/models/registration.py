"""The registration form as the LIFF page sends it, parsed and normalised, with field-level error codes.

Every rule here has a twin in liff_static/js/validation.js, so that the page can say what is wrong
before it sends anything; tests/unit/test_registration_validation.py runs both over the same table.
The codes (`invalid_phone`, `future_date`…) become Japanese in liff_static/js/texts.js only.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from daifuku.domain.errors import FieldProblem

NAME_MAX_LENGTH = 40
EMAIL_MAX_LENGTH = 254
CUSTOM_TEXT_MAX_LENGTH = 100
EARLIEST_DATE = date(1900, 1, 1)
LATEST_CUSTOM_DATE = date(2100, 12, 31)
GENDERS = ("female", "male", "other", "unspecified")
CUSTOM_TEXT_SLOTS = ("custom_text_1", "custom_text_2", "custom_text_3")
CUSTOM_DATE_SLOTS = ("custom_date_1", "custom_date_2")

# Mobile 070/080/090 and IP phones 050: 11 digits. Landlines: 0 + area code + number, 10 digits, where
# the area code never starts like a mobile/IP prefix (so an 090 number missing a digit is refused).
MOBILE_OR_IP_PHONE = re.compile(r"^0[5789]0\d{8}$")
LANDLINE_PHONE = re.compile(r"^0(?![5789]0)[1-9]\d{8}$")
# What people type between the digits: ASCII and Japanese hyphens, dashes, the long-vowel mark
# typed as a dash, spaces and the parentheses of 03(1234)5678.
PHONE_SEPARATORS = re.compile(r"[\s\-‐‑‒–—―−ーｰ()]")
ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s.]+(\.[^@\s.]+)+$")
KATAKANA_NAME = re.compile(r"^[ァ-ヺー・ 　]+$")
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f]")


def normalise_phone(raw: str) -> str | None:
    """Digits only, as stored; None when `raw` is not a Japanese mobile, IP or landline number.

    Full-width digits and hyphens (０９０－１２３４－５６７８) and +81 are accepted.
    """
    text = PHONE_SEPARATORS.sub("", unicodedata.normalize("NFKC", raw))
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


def _problem(code: str) -> PydanticCustomError:
    return PydanticCustomError(code, code)


def _parse_date(value: str, earliest: date, latest: date) -> date:
    if not ISO_DATE.match(value):
        raise _problem("invalid_date")
    try:
        parsed = date.fromisoformat(value)
    except ValueError:
        raise _problem("invalid_date") from None
    if parsed < earliest:
        raise _problem("too_old")
    if parsed > latest:
        raise _problem("future_date")
    return parsed


def _today(info: ValidationInfo) -> date:
    """The shop's today, given by the caller: whether a birthdate is in the future depends on it."""
    context = info.context or {}
    today = context.get("today")
    return today if isinstance(today, date) else date.today()


class RegistrationForm(BaseModel):
    """What the form sends. Blank strings mean "not given"; which fields the shop requires, and which
    it does not ask for at all, is checked against its configuration by domain.registration."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str | None = None
    name_kana: str | None = None
    birthdate: date | None = None
    phone: str | None = None
    store_id: str | None = None
    gender: Literal["female", "male", "other", "unspecified"] | None = None
    email: str | None = None
    custom_text_1: str | None = None
    custom_text_2: str | None = None
    custom_text_3: str | None = None
    custom_date_1: date | None = None
    custom_date_2: date | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
        return value

    @field_validator("name", mode="after")
    @classmethod
    def _name(cls, value: str | None) -> str | None:
        if value is not None:
            if len(value) > NAME_MAX_LENGTH:
                raise _problem("too_long")
            if CONTROL_CHARACTERS.search(value):
                raise _problem("invalid_text")
        return value

    @field_validator("name_kana", mode="after")
    @classmethod
    def _kana(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > NAME_MAX_LENGTH:
            raise _problem("too_long")
        kana = normalise_kana(value)
        if kana is None:
            raise _problem("invalid_kana")
        return kana

    @field_validator("phone", mode="after")
    @classmethod
    def _phone(cls, value: str | None) -> str | None:
        if value is None:
            return None
        phone = normalise_phone(value)
        if phone is None:
            raise _problem("invalid_phone")
        return phone

    @field_validator("email", mode="after")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is None:
            return None
        if len(value) > EMAIL_MAX_LENGTH:
            raise _problem("too_long")
        if not EMAIL.match(value):
            raise _problem("invalid_email")
        return value

    @field_validator("store_id", "custom_text_1", "custom_text_2", "custom_text_3", mode="after")
    @classmethod
    def _short_text(cls, value: str | None) -> str | None:
        if value is not None:
            if len(value) > CUSTOM_TEXT_MAX_LENGTH:
                raise _problem("too_long")
            if CONTROL_CHARACTERS.search(value):
                raise _problem("invalid_text")
        return value

    @field_validator("birthdate", mode="before")
    @classmethod
    def _birthdate(cls, value: Any, info: ValidationInfo) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise _problem("invalid_date")
        return _parse_date(value.strip(), EARLIEST_DATE, _today(info))

    @field_validator("custom_date_1", "custom_date_2", mode="before")
    @classmethod
    def _custom_date(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        if not isinstance(value, str):
            raise _problem("invalid_date")
        return _parse_date(value.strip(), EARLIEST_DATE, LATEST_CUSTOM_DATE)


FieldKind = Literal["text", "kana", "date", "tel", "email", "select"]


class FieldChoice(BaseModel):
    model_config = ConfigDict(frozen=True)

    value: str
    label: str | None = None  # None: the page's own wording (gender), from js/texts.js


class FormField(BaseModel):
    """One field as the page draws and pre-checks it. `label` is None for the standard fields, whose
    Japanese labels live in js/texts.js; shop-defined fields carry the shop's own label."""

    model_config = ConfigDict(frozen=True)

    name: str
    kind: FieldKind
    required: bool
    label: str | None = None
    max_length: int | None = None
    min_date: date | None = None
    max_date: date | None = None
    choices: tuple[FieldChoice, ...] = ()


# Pydantic's own error types, as the page knows them.
_PYDANTIC_CODES = {
    "extra_forbidden": "unknown_field",
    "literal_error": "invalid_choice",
    "string_type": "invalid_text",
    "date_type": "invalid_date",
}


def field_problems(error: ValidationError) -> list[FieldProblem]:
    """One problem per rejected field, in the codes the page translates."""
    problems = []
    for detail in error.errors(include_url=False):
        location = detail["loc"]
        field = str(location[0]) if location else "body"
        problems.append(FieldProblem(field, _PYDANTIC_CODES.get(detail["type"], detail["type"])))
    return problems
