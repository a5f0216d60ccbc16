"""The registration form as the LIFF page sends it, parsed and normalised, with field-level error codes.

Every rule here has a twin in liff_static/js/validation.js, so that the page can say what is wrong
before it sends anything; tests/unit/test_registration_validation.py runs both over the same table.
The codes (`invalid_phone`, `future_date`…) become Japanese in liff_static/js/texts.js only.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator
from pydantic_core import PydanticCustomError

from daifuku.domain.errors import FieldProblem
from daifuku.models.boundary_types import (
    EARLIEST_DATE,
    LATEST_DATE,
    NAME_MAX_LENGTH,
    Email,
    Kana,
    Phone,
    Text,
    problem,
)

CUSTOM_TEXT_MAX_LENGTH = 100
LATEST_CUSTOM_DATE = LATEST_DATE
GENDERS = ("female", "male", "other", "unspecified")
CUSTOM_TEXT_SLOTS = ("custom_text_1", "custom_text_2", "custom_text_3")
CUSTOM_DATE_SLOTS = ("custom_date_1", "custom_date_2")

ISO_DATE = re.compile(r"^[0-9]{4}-[0-9]{2}-[0-9]{2}$")
# One line the customer types: the page's codes (too_long, invalid_text) for what is wrong with it.
CustomerName = Annotated[str, Text(NAME_MAX_LENGTH)]
CustomerText = Annotated[str, Text(CUSTOM_TEXT_MAX_LENGTH)]


def _problem(code: str) -> PydanticCustomError:
    return problem(code)


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

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)

    name: CustomerName | None = None
    name_kana: Kana | None = None
    birthdate: date | None = None
    phone: Phone | None = None
    store_id: CustomerText | None = None
    gender: Literal["female", "male", "other", "unspecified"] | None = None
    email: Email | None = None
    custom_text_1: CustomerText | None = None
    custom_text_2: CustomerText | None = None
    custom_text_3: CustomerText | None = None
    custom_date_1: date | None = None
    custom_date_2: date | None = None

    @field_validator("*", mode="before")
    @classmethod
    def _blank_is_absent(cls, value: Any) -> Any:
        if isinstance(value, str):
            value = value.strip()
            return value or None
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
    model_config = ConfigDict(frozen=True, defer_build=True)

    value: str
    label: str | None = None  # None: the page's own wording (gender), from js/texts.js


class FormField(BaseModel):
    """One field as the page draws and pre-checks it. `label` is None for the standard fields, whose
    Japanese labels live in js/texts.js; shop-defined fields carry the shop's own label."""

    model_config = ConfigDict(frozen=True, defer_build=True)

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
