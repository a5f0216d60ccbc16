"""The shop's registration form: which fields it asks for, and a submitted form checked against that.

RegistrationForm (models.registration) has already checked each value on its own; here the shop's
configuration decides what is required, what is not asked for at all, and which choices exist.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from daifuku.domain.errors import FieldProblem, InvalidRegistration
from daifuku.models.boundary_types import EMAIL_MAX_LENGTH
from daifuku.models.registration import (
    CUSTOM_DATE_SLOTS,
    CUSTOM_TEXT_MAX_LENGTH,
    CUSTOM_TEXT_SLOTS,
    EARLIEST_DATE,
    GENDERS,
    LATEST_CUSTOM_DATE,
    NAME_MAX_LENGTH,
    FieldChoice,
    FormField,
    RegistrationForm,
    field_problems,
)
from daifuku.models.shop import FieldUse, RegistrationFormConfig


class RegisteredProfile(BaseModel):
    """The personal fields a registration stores, normalised. Absent optional fields are None."""

    model_config = ConfigDict(frozen=True, defer_build=True)

    name: str | None = None
    name_kana: str | None = None
    birthdate: date | None = None
    phone: str | None = None
    store_id: str | None = None
    gender: str | None = None
    email: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)

    @property
    def birth_month(self) -> str | None:
        return f"{self.birthdate.month:02d}" if self.birthdate else None

    @property
    def phone_last4(self) -> str | None:
        return self.phone[-4:] if self.phone else None


def form_fields(config: RegistrationFormConfig, today: date | None = None) -> list[FormField]:
    """The fields the shop's form shows, in order; `today` bounds the birthdate picker."""
    fields = []
    if config.name is not FieldUse.OFF:
        fields.append(
            FormField(
                name="name",
                kind="text",
                required=config.name is FieldUse.REQUIRED,
                max_length=NAME_MAX_LENGTH,
            )
        )
    if config.name_kana is not FieldUse.OFF:
        fields.append(
            FormField(
                name="name_kana",
                kind="kana",
                required=config.name_kana is FieldUse.REQUIRED,
                max_length=NAME_MAX_LENGTH,
            )
        )
    if config.birthdate is not FieldUse.OFF:
        fields.append(
            FormField(
                name="birthdate",
                kind="date",
                required=config.birthdate is FieldUse.REQUIRED,
                min_date=EARLIEST_DATE,
                max_date=today,
            )
        )
    if config.phone is not FieldUse.OFF:
        fields.append(FormField(name="phone", kind="tel", required=config.phone is FieldUse.REQUIRED))
    if config.store is not FieldUse.OFF:
        fields.append(
            FormField(
                name="store_id",
                kind="select",
                required=config.store is FieldUse.REQUIRED,
                choices=tuple(FieldChoice(value=store.id, label=store.name) for store in config.stores),
            )
        )
    if config.gender is not FieldUse.OFF:
        fields.append(
            FormField(
                name="gender",
                kind="select",
                required=config.gender is FieldUse.REQUIRED,
                choices=tuple(FieldChoice(value=gender) for gender in GENDERS),
            )
        )
    if config.email is not FieldUse.OFF:
        fields.append(
            FormField(
                name="email",
                kind="email",
                required=config.email is FieldUse.REQUIRED,
                max_length=EMAIL_MAX_LENGTH,
            )
        )
    for slot, custom in zip(CUSTOM_TEXT_SLOTS, config.custom_texts, strict=False):
        if custom.use is FieldUse.OFF:
            continue
        fields.append(
            FormField(
                name=slot,
                kind="select" if custom.options else "text",
                required=custom.use is FieldUse.REQUIRED,
                label=custom.label,
                max_length=None if custom.options else CUSTOM_TEXT_MAX_LENGTH,
                choices=tuple(FieldChoice(value=option, label=option) for option in custom.options),
            )
        )
    for slot, custom_date in zip(CUSTOM_DATE_SLOTS, config.custom_dates, strict=False):
        if custom_date.use is FieldUse.OFF:
            continue
        fields.append(
            FormField(
                name=slot,
                kind="date",
                required=custom_date.use is FieldUse.REQUIRED,
                label=custom_date.label,
                min_date=EARLIEST_DATE,
                max_date=LATEST_CUSTOM_DATE,
            )
        )
    return fields


def read_registration(
    submitted: Mapping[str, Any], config: RegistrationFormConfig, today: date
) -> RegisteredProfile:
    """The profile to store from the form's JSON object, or InvalidRegistration naming every rejected
    field at once: a value that is wrong in itself (RegistrationForm's rules), a required field left
    blank, a field the shop does not ask for, or a choice it does not offer."""
    problems: dict[str, FieldProblem] = {}
    form: RegistrationForm | None = None
    try:
        form = RegistrationForm.model_validate(submitted, context={"today": today})
    except ValidationError as error:
        for problem in field_problems(error):
            problems.setdefault(problem.field, problem)
    for problem in _shop_rule_problems(submitted, config):
        problems.setdefault(problem.field, problem)
    if problems or form is None:
        order = [field.name for field in form_fields(config)]
        ranked = sorted(
            problems.values(), key=lambda p: order.index(p.field) if p.field in order else len(order)
        )
        raise InvalidRegistration(ranked)
    return _profile(form)


def _shop_rule_problems(submitted: Mapping[str, Any], config: RegistrationFormConfig) -> list[FieldProblem]:
    fields = {field.name: field for field in form_fields(config)}
    problems = [
        FieldProblem(name, "required")
        for name, field in fields.items()
        if field.required and _blank(submitted.get(name))
    ]
    for name, value in submitted.items():
        asked = fields.get(name)
        if asked is None:
            if not _blank(value):
                problems.append(FieldProblem(name, "unknown_field"))
        elif asked.choices and not _blank(value) and not _one_of(value, asked):
            problems.append(FieldProblem(name, "invalid_choice"))
    return problems


def _one_of(value: Any, field: FormField) -> bool:
    return isinstance(value, str) and value.strip() in {choice.value for choice in field.choices}


def _blank(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _profile(form: RegistrationForm) -> RegisteredProfile:
    values = form.model_dump()
    custom_fields = {
        slot: values[slot] if isinstance(values[slot], str) else values[slot].isoformat()
        for slot in (*CUSTOM_TEXT_SLOTS, *CUSTOM_DATE_SLOTS)
        if values[slot] is not None
    }
    return RegisteredProfile(
        name=form.name,
        name_kana=form.name_kana,
        birthdate=form.birthdate,
        phone=form.phone,
        store_id=form.store_id,
        gender=form.gender,
        email=form.email,
        custom_fields=custom_fields,
    )
