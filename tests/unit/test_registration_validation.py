"""The registration form's rules: each bad input gets a field-level code and nothing is written; the
page's own checks (liff_static/js/validation.js) give the same code for the same input."""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import date
from pathlib import Path

import pytest

from daifuku.domain.errors import FieldProblem, InvalidRegistration
from daifuku.domain.registration import form_fields, read_registration
from daifuku.models.boundary_types import normalise_kana, normalise_phone
from daifuku.models.shop import (
    CustomDateField,
    CustomTextField,
    FieldUse,
    RegistrationFormConfig,
    StoreChoice,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
TODAY = date(2025, 6, 15)
VALID = {"name": "山田 花子", "birthdate": "1990-05-01", "phone": "090-1234-5678"}
SHOP_FORM = RegistrationFormConfig(
    name_kana=FieldUse.REQUIRED,
    store=FieldUse.OPTIONAL,
    stores=(StoreChoice(id="ginza", name="銀座店"), StoreChoice(id="ueno", name="上野店")),
    gender=FieldUse.OPTIONAL,
    email=FieldUse.OPTIONAL,
    custom_texts=(
        CustomTextField(label="好きなケーキ", use=FieldUse.OPTIONAL),
        CustomTextField(label="来店のきっかけ", use=FieldUse.REQUIRED, options=("紹介", "SNS", "通りがかり")),
        CustomTextField(label="使わない項目", use=FieldUse.OFF),
    ),
    custom_dates=(CustomDateField(label="結婚記念日", use=FieldUse.OPTIONAL),),
)
COMPLETE = {**VALID, "name_kana": "ヤマダ ハナコ", "custom_text_2": "SNS"}

# (what is wrong, the changed fields, the field and code the customer sees)
BAD_INPUTS = [
    ("name missing", {"name": None}, "name", "required"),
    ("name blank", {"name": "   "}, "name", "required"),
    ("name only full-width spaces", {"name": "\u3000\u3000"}, "name", "required"),
    ("name too long", {"name": "あ" * 41}, "name", "too_long"),
    ("name with a newline", {"name": "山田\n花子"}, "name", "invalid_text"),
    ("kana missing where required", {"name_kana": ""}, "name_kana", "required"),
    ("kana in kanji", {"name_kana": "山田"}, "name_kana", "invalid_kana"),
    ("kana in latin letters", {"name_kana": "Yamada"}, "name_kana", "invalid_kana"),
    ("birthdate missing", {"birthdate": ""}, "birthdate", "required"),
    ("birthdate not a date", {"birthdate": "昭和60年"}, "birthdate", "invalid_date"),
    ("birthdate 30 February", {"birthdate": "1990-02-30"}, "birthdate", "invalid_date"),
    ("birthdate with slashes", {"birthdate": "1990/05/01"}, "birthdate", "invalid_date"),
    ("birthdate tomorrow", {"birthdate": "2025-06-16"}, "birthdate", "future_date"),
    ("birthdate before 1900", {"birthdate": "1899-12-31"}, "birthdate", "too_old"),
    ("phone missing", {"phone": None}, "phone", "required"),
    ("phone too short", {"phone": "090-1234-567"}, "phone", "invalid_phone"),
    ("mobile with 10 digits", {"phone": "0901234567"}, "phone", "invalid_phone"),
    ("phone too long", {"phone": "090-1234-56789"}, "phone", "invalid_phone"),
    ("phone not starting with 0", {"phone": "190-1234-5678"}, "phone", "invalid_phone"),
    ("phone with letters", {"phone": "090-ABCD-5678"}, "phone", "invalid_phone"),
    ("foreign number", {"phone": "+1 415 555 0100"}, "phone", "invalid_phone"),
    ("email without @", {"email": "hanako.example.com"}, "email", "invalid_email"),
    ("email without domain dot", {"email": "hanako@example"}, "email", "invalid_email"),
    ("store not offered", {"store_id": "shibuya"}, "store_id", "invalid_choice"),
    ("gender not offered", {"gender": "unknown"}, "gender", "invalid_choice"),
    ("custom choice not offered", {"custom_text_2": "テレビ"}, "custom_text_2", "invalid_choice"),
    ("required custom field blank", {"custom_text_2": ""}, "custom_text_2", "required"),
    ("custom text too long", {"custom_text_1": "あ" * 101}, "custom_text_1", "too_long"),
    ("custom date not a date", {"custom_date_1": "2020-13-01"}, "custom_date_1", "invalid_date"),
    ("field the shop switched off", {"custom_text_3": "なにか"}, "custom_text_3", "unknown_field"),
    ("field nobody asks for", {"favourite_colour": "red"}, "favourite_colour", "unknown_field"),
    ("a member number sent by the page", {"member_no": "000001"}, "member_no", "unknown_field"),
    ("a user id sent by the page", {"user_id": "U" + "0" * 32}, "user_id", "unknown_field"),
]


def submitted(changes: dict) -> dict:
    form = {**COMPLETE, **changes}
    return {name: value for name, value in form.items() if value is not None}


@pytest.mark.parametrize(("case", "changes", "field", "code"), BAD_INPUTS, ids=[c[0] for c in BAD_INPUTS])
def test_each_bad_input_is_named_on_its_field(case, changes, field, code):
    with pytest.raises(InvalidRegistration) as rejected:
        read_registration(submitted(changes), SHOP_FORM, TODAY)
    assert rejected.value.problems == [FieldProblem(field, code)]


def test_every_problem_in_a_form_is_reported_at_once_in_form_order():
    with pytest.raises(InvalidRegistration) as rejected:
        read_registration(
            {"phone": "123", "birthdate": "2999-01-01", "name": "", "extra": "x"}, SHOP_FORM, TODAY
        )
    assert [(p.field, p.code) for p in rejected.value.problems] == [
        ("name", "required"),
        ("name_kana", "required"),
        ("birthdate", "future_date"),
        ("phone", "invalid_phone"),
        ("custom_text_2", "required"),
        ("extra", "unknown_field"),
    ]


def test_a_good_form_is_trimmed_and_normalised_for_storage():
    profile = read_registration(
        {
            "name": "  山田\u3000花子  ",
            "name_kana": "やまだ ﾊﾅｺ",
            "birthdate": "1990-05-01",
            "phone": "０９０－１２３４－５６７８",
            "store_id": "ginza",
            "gender": "",
            "email": "",
            "custom_text_2": "紹介",
            "custom_date_1": "2015-10-10",
        },
        SHOP_FORM,
        TODAY,
    )
    assert profile.name == "山田\u3000花子"
    assert profile.name_kana == "ヤマダ ハナコ"
    assert profile.birthdate == date(1990, 5, 1)
    assert profile.phone == "09012345678"
    assert (profile.store_id, profile.gender, profile.email) == ("ginza", None, None)
    assert profile.custom_fields == {"custom_text_2": "紹介", "custom_date_1": "2015-10-10"}
    assert (profile.birth_month, profile.phone_last4) == ("05", "5678")


def test_a_birthdate_of_today_in_the_shops_time_zone_is_accepted():
    profile = read_registration({**COMPLETE, "birthdate": TODAY.isoformat()}, SHOP_FORM, TODAY)
    assert profile.birthdate == TODAY


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("090-1234-5678", "09012345678"),
        ("09012345678", "09012345678"),
        ("080 1234 5678", "08012345678"),
        ("070ー1234ー5678", "07012345678"),  # the long-vowel mark typed as a dash
        ("０９０－１２３４－５６７８", "09012345678"),  # full-width digits and hyphens
        ("+81 90-1234-5678", "09012345678"),
        ("+81-(0)3-1234-5678", "0312345678"),
        ("03-1234-5678", "0312345678"),
        ("03(1234)5678", "0312345678"),
        ("0466-12-3456", "0466123456"),  # a four-digit area code
        ("01267-2-3456", "0126723456"),  # a five-digit area code
        ("050-1234-5678", "05012345678"),  # IP phone
        ("0120-123-456", "0120123456"),
    ],
)
def test_japanese_phone_numbers_are_stored_as_digits(typed, stored):
    assert normalise_phone(typed) == stored


# Typed in another script's digits (a phone set to Arabic or Hindi): the page and the server both
# store ASCII digits, and both refuse what is still not a number.
PHONES_IN_OTHER_SCRIPTS = [
    ("٠٩٠-١٢٣٤-٥٦٧٨", "09012345678"),  # Arabic-Indic
    ("۰۸۰۱۲۳۴۵۶۷۸", "08012345678"),  # Extended Arabic-Indic (Persian)
    ("०९०-१२३४-५६७८", "09012345678"),  # Devanagari
    ("০৩-১২৩৪-৫৬৭৮", "0312345678"),  # Bengali
    ("๐๙๐๑๒๓๔๕๖๗๘", "09012345678"),  # Thai
    ("٠٩٠-١٢٣٤-٥٦٧", None),  # one digit short
]


def run_page_phone_normalisation(typed: list[str]) -> list[str | None]:
    module = (REPO_ROOT / "liff_static" / "js" / "validation.js").as_uri()
    script = (
        f"import {{ normalisePhone }} from {json.dumps(module)};"
        f"process.stdout.write(JSON.stringify({json.dumps(typed)}.map(normalisePhone)));"
    )
    completed = subprocess.run(
        ["node", "--input-type=module", "-e", script], capture_output=True, text=True, check=True, timeout=30
    )
    return list(json.loads(completed.stdout))


@pytest.mark.parametrize(("typed", "stored"), PHONES_IN_OTHER_SCRIPTS)
def test_phone_digits_of_any_script_are_stored_as_ascii_digits(typed, stored):
    assert normalise_phone(typed) == stored


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the page's checks")
def test_the_page_normalises_phone_digits_of_any_script_as_the_server_does():
    typed = [typed for typed, _ in PHONES_IN_OTHER_SCRIPTS]
    assert run_page_phone_normalisation(typed) == [normalise_phone(t) for t in typed]
    assert run_page_phone_normalisation(typed) == [stored for _, stored in PHONES_IN_OTHER_SCRIPTS]


@pytest.mark.parametrize(
    "typed", ["", "1234", "090-1234-567", "0901234567", "0312-345-678-9", "+1 212 555 0100", "電話"]
)
def test_what_is_not_a_japanese_phone_number_is_refused(typed):
    assert normalise_phone(typed) is None


def test_kana_accepts_hiragana_and_half_width_katakana():
    assert normalise_kana("やまだ はなこ") == "ヤマダ ハナコ"
    assert normalise_kana("ﾔﾏﾀﾞ") == "ヤマダ"
    assert normalise_kana("山田") is None


def test_the_form_definition_lists_only_the_fields_the_shop_turned_on():
    fields = {field.name: field for field in form_fields(SHOP_FORM, TODAY)}
    assert list(fields) == [
        "name",
        "name_kana",
        "birthdate",
        "phone",
        "store_id",
        "gender",
        "email",
        "custom_text_1",
        "custom_text_2",
        "custom_date_1",
    ]
    assert fields["birthdate"].max_date == TODAY and fields["birthdate"].required
    assert fields["custom_text_2"].kind == "select" and fields["custom_text_2"].label == "来店のきっかけ"
    assert [choice.value for choice in fields["store_id"].choices] == ["ginza", "ueno"]


def run_page_checks(cases: list[dict]) -> list[dict]:
    """js/validation.js's checkForm over each case, in Node, as the page runs it."""
    module = (REPO_ROOT / "liff_static" / "js" / "validation.js").as_uri()
    script = (
        f"import {{ checkForm }} from {json.dumps(module)};"
        "let input = '';"
        "process.stdin.on('data', (chunk) => { input += chunk; });"
        "process.stdin.on('end', () => {"
        "  const { fields, cases } = JSON.parse(input);"
        "  process.stdout.write(JSON.stringify(cases.map((values) => checkForm(fields, values))));"
        "});"
    )
    fields = [field.model_dump(mode="json") for field in form_fields(SHOP_FORM, TODAY)]
    completed = subprocess.run(
        ["node", "--input-type=module", "-e", script],
        input=json.dumps({"fields": fields, "cases": cases}),
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    return list(json.loads(completed.stdout))


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js runs the page's checks")
def test_the_page_checks_each_field_as_the_server_does():
    # Fields the form does not show cannot be typed into: those cases are the server's alone.
    shown = {field.name for field in form_fields(SHOP_FORM, TODAY)}
    table = [case for case in BAD_INPUTS if case[2] in shown]
    page_verdicts = run_page_checks([submitted(changes) for _, changes, _, _ in table])
    for (case, _, field, code), verdict in zip(table, page_verdicts, strict=True):
        assert verdict == {field: code}, case
    assert run_page_checks([COMPLETE]) == [{}]
