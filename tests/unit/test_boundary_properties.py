"""Property-based tests of every boundary model: whatever a sender puts in a body, validation answers
with pydantic's ValidationError or a value that survives a JSON round trip and can be written to
DynamoDB as it is. Hypothesis makes the bodies, including the inputs nobody thought to write down."""

from __future__ import annotations

import json
import string
import sys
import unicodedata
from datetime import date
from typing import Annotated, Any

import pytest
from boto3.dynamodb.types import TypeSerializer
from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel, TypeAdapter, ValidationError

from daifuku.domain.errors import InvalidRegistration
from daifuku.domain.registration import read_registration
from daifuku.domain.segments import Segment, matches
from daifuku.models.boundary_types import (
    EARLIEST_DATE,
    KEY_ID_MAX_BYTES,
    LANDLINE_PHONE,
    LATEST_DATE,
    MOBILE_OR_IP_PHONE,
    KeyId,
    QueryCount,
    Text,
    normalise_phone,
)
from daifuku.models.member import Member
from daifuku.models.webhook_events import HANDLED_TYPES, UnreadableEvent, WebhookRequest, parse_event
from tests.unit.request_examples import EXAMPLES, SHOP_FORM, TODAY, USER, validate

# Any code point, lone surrogates and control characters included (a JSON body can carry "\ud800").
ANY_CHARACTER = st.characters(codec=None, exclude_categories=())
TEXT = st.text(ANY_CHARACTER, max_size=30)
# Text a person could type: what a model should mostly accept.
PLAUSIBLE = st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=30)
# ... with, sometimes, one character that breaks something further in hidden inside.
TWIST = st.sampled_from(["", "", "\ud800", "\x00", "\x85", "\n", "\t"])
TWISTED = st.tuples(PLAUSIBLE, TWIST, PLAUSIBLE).map("".join)
# Values near the edges of the boundary types, and what looks right but is not.
EDGES = st.sampled_from(
    [
        "",
        " ",
        "#",
        "＃vip",
        "vip",
        "²",
        "①",
        "١٢",
        "0",
        "30",
        "090-1234-5678",
        "٠٩٠١٢٣٤٥٦٧٨",
        "1990-05-01",
        "9999-12-31",
        "2100-12-31T23:59:59Z",
        "2101-01-01T00:00:00+09:00",
        "https://example.com/a.png",
        USER,
        "x" * 300,
        "\x00",
        "\ud800",
        36_500,
        36_501,
        10**18,
        -(10**40),
        1.5,
    ]
)
JSON_LEAF = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | TEXT
    | EDGES
)
JSON = st.recursive(
    JSON_LEAF,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TEXT | EDGES.map(str), inner, max_size=3),
    max_leaves=12,
)
MODELS = list(EXAMPLES)
EXAMPLES_BY_NAME = {model.__name__: body for model, body in EXAMPLES.items()}
serializer = TypeSerializer()


def field_names(model: type[BaseModel]) -> list[str]:
    return [field.alias or name for name, field in model.model_fields.items()]


def bodies(model: type[BaseModel]) -> st.SearchStrategy[dict[str, Any]]:
    """Bodies on the model's own fields: any of them with any JSON, or the example with one field changed."""
    names = st.sampled_from(field_names(model))
    example = EXAMPLES[model]
    return st.one_of(
        st.dictionaries(names | TEXT, JSON, max_size=6),
        st.tuples(names, TWISTED | st.integers(-100, 40_000)).map(
            lambda changed: {**example, changed[0]: changed[1]}
        ),
        st.tuples(names, JSON).map(lambda changed: {**example, changed[0]: changed[1]}),
        st.tuples(names, JSON, names).map(
            lambda changed: {k: v for k, v in {**example, changed[0]: changed[1]}.items() if k != changed[2]}
        ),
    )


def assert_storable(document: Any) -> None:
    """What DynamoDB would take: TypeSerializer accepts it and every string encodes as UTF-8."""
    serializer.serialize(document)
    strings = [document] if isinstance(document, str) else []
    stack = [document]
    while stack:
        value = stack.pop()
        if isinstance(value, dict):
            stack += [*value.keys(), *value.values()]
        elif isinstance(value, list):
            stack += value
        elif isinstance(value, str):
            strings.append(value)
    for text in strings:
        text.encode("utf-8")


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@given(data=st.data())
def test_any_body_is_refused_or_round_trips_and_is_storable(model, data):
    body = data.draw(bodies(model), label="body")
    try:
        accepted = validate(model, body)
    except ValidationError:
        return
    dumped = accepted.model_dump_json(by_alias=True)
    assert validate(model, json.loads(dumped)) == accepted
    if model is not WebhookRequest:  # its events are stored only once parse_event has read them
        assert_storable(accepted.model_dump(mode="json", by_alias=True))


@given(
    raw=st.dictionaries(TEXT | EDGES.map(str), JSON, max_size=8),
    kind=st.sampled_from(sorted(HANDLED_TYPES)),
)
def test_any_webhook_event_is_typed_or_unreadable_never_raised(raw, kind):
    for event in (raw, {**raw, "type": kind}, {**EXAMPLES_BY_NAME["FollowEvent"], **raw}):
        parsed = parse_event(event)
        if not isinstance(parsed, UnreadableEvent):
            assert_storable(parsed.model_dump(mode="json", by_alias=True))


@given(changes=st.dictionaries(st.sampled_from(list(EXAMPLES_BY_NAME["RegistrationForm"])) | TEXT, JSON))
def test_a_registration_is_refused_field_by_field_or_stored_as_it_is(changes):
    form = {**EXAMPLES_BY_NAME["RegistrationForm"], **changes}
    try:
        profile = read_registration(form, SHOP_FORM, TODAY)
    except InvalidRegistration as refused:
        assert refused.problems
        return
    assert_storable(profile.model_dump(mode="json"))


# The page's own normalisation: phone digits of any script


DIGIT_ZEROS = [
    chr(code)
    for code in range(sys.maxunicode + 1)
    if unicodedata.category(chr(code)) == "Nd" and unicodedata.decimal(chr(code)) == 0
]
ASCII_PHONES = st.one_of(st.from_regex(rule, fullmatch=True) for rule in (MOBILE_OR_IP_PHONE, LANDLINE_PHONE))
SEPARATORS = st.sampled_from(["", "-", "－", "ー", " "])


@given(phone=ASCII_PHONES, zero=st.sampled_from(DIGIT_ZEROS), hyphen=SEPARATORS)
def test_a_phone_in_any_scripts_digits_is_stored_as_the_same_ascii_digits(phone, zero, hyphen):
    typed = phone[:3] + hyphen + "".join(chr(ord(zero) + int(d)) for d in phone[3:])
    assert normalise_phone(typed) == phone


@given(raw=TEXT | EDGES.map(str))
def test_a_normalised_phone_is_ascii_digits_by_the_japanese_rule_or_none(raw):
    phone = normalise_phone(raw)
    assert phone is None or (
        set(phone) <= set(string.digits)
        and bool(MOBILE_OR_IP_PHONE.match(phone) or LANDLINE_PHONE.match(phone))
    )


# Text, keys and query integers


SINGLE_LINE = TypeAdapter(Annotated[str, Text(40)])
MULTI_LINE = TypeAdapter(Annotated[str, Text(2000, multiline=True)])
KEY = TypeAdapter(KeyId)
QUERY = TypeAdapter(QueryCount)


@given(raw=TEXT | EDGES.map(str))
def test_accepted_text_has_no_control_characters_or_lone_surrogates(raw):
    for adapter, allowed in ((SINGLE_LINE, ""), (MULTI_LINE, "\t\r\n")):
        try:
            text = adapter.validate_python(raw)
        except ValidationError:
            continue
        text.encode("utf-8")
        assert not [c for c in text if unicodedata.category(c) == "Cc" and c not in allowed]


@given(raw=st.text(ANY_CHARACTER, max_size=200))
def test_an_accepted_key_id_fits_a_dynamodb_key_many_times_over(raw):
    try:
        key = KEY.validate_python(raw)
    except ValidationError:
        return
    assert 0 < len(key.encode("utf-8")) <= KEY_ID_MAX_BYTES


@given(raw=TEXT | EDGES.map(str) | st.integers().map(str))
def test_a_query_integer_is_only_ever_ascii_digits(raw):
    try:
        count = QUERY.validate_python(raw)
    except ValidationError:
        return
    assert raw.isascii() and raw.isdigit() and count == int(raw)


# Date arithmetic: no accepted segment overflows on any day a member could have


MEMBERS = [
    Member(user_id=USER),
    Member(user_id=USER, last_visit_on=EARLIEST_DATE),
    Member(user_id=USER, last_visit_on=LATEST_DATE),
]


@given(
    body=bodies(Segment),
    today=st.dates(min_value=EARLIEST_DATE, max_value=LATEST_DATE) | st.just(date(2025, 6, 15)),
)
def test_an_accepted_segment_matches_members_on_any_day_without_overflow(body, today):
    try:
        segment = Segment.model_validate(body)
    except ValidationError:
        return
    for member in MEMBERS:
        matches(segment, member, today)
