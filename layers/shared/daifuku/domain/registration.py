"""The shop's registration form: which fields it asks for, and a submitted form checked against that.

RegistrationForm (models.registration) has already checked each value on its own; here the shop's
configuration decides what is required, what is not asked for at all, and which choices exist.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from daifuku.domain.errors import FieldProblem, InvalidRegistration
from daifuku.models.registration import (
    CUSTOM_DATE_SLOTS,
    CUSTOM_TEXT_MAX_LENGTH,
    CUSTOM_TEXT_SLOTS,
    EARLIEST_DATE,
    EMAIL_MAX_LENGTH,
    GENDERS,
    LATEST_CUSTOM_DATE,
    NAME_MAX_LENGTH,
    FieldChoice,
    FormField,
    RegistrationForm,
)
from daifuku.models.shop import FieldUse, RegistrationFormConfig


class RegisteredProfile(BaseModel):
    """The personal fields a registration stores, normalised. Absent optional fields are None."""

    model_config = ConfigDict(frozen=True)

    name: str
    name_kana: str | None = None
    birthdate: date
    phone: str
    store_id: str | None = None
    gender: str | None = None
    email: str | None = None
    custom_fields: dict[str, str] = Field(default_factory=dict)

    @property
    def birth_month(self) -> str:
        return f"{self.birthdate.month:02d}"

    @property
    def phone_last4(self) -> str:
        return self.phone[-4:]


def form_fields(config: RegistrationFormConfig, today: date | None = None) -> list[FormField]:
    """The fields the shop's form shows, in order; `today` bounds the birthdate picker."""
    fields = [
        FormField(name="name", kind="text", required=True, max_length=NAME_MAX_LENGTH),
    ]
    if config.name_kana is not FieldUse.OFF:
        fields.append(
            FormField(
                name="name_kana",
                kind="kana",
                required=config.name_kana is FieldUse.REQUIRED,
                max_length=NAME_MAX_LENGTH,
            )
        )
    fields += [
        FormField(name="birthdate", kind="date", required=True, min_date=EARLIEST_DATE, max_date=today),
        FormField(name="phone", kind="tel", required=True),
    ]
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


def registered_profile(form: RegistrationForm, config: RegistrationFormConfig) -> RegisteredProfile:
    """The profile to store, or InvalidRegistration naming every field the shop's form rejects:
    a required field left blank, a field the shop does not ask for, or a choice it does not offer."""
    fields = {field.name: field for field in form_fields(config)}
    values = form.model_dump()
    problems = []
    for name, value in values.items():
        field = fields.get(name)
        if field is None:
            if value is not None:
                problems.append(FieldProblem(name, "unknown_field"))
        elif value is None:
            if field.required:
                problems.append(FieldProblem(name, "required"))
        elif field.choices and value not in {choice.value for choice in field.choices}:
            problems.append(FieldProblem(name, "invalid_choice"))
    if problems:
        raise InvalidRegistration(problems)
    assert form.name is not None and form.birthdate is not None and form.phone is not None
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
