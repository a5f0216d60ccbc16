"""The boundary types refuse, at the model, every input that used to fail further in (DynamoDB, date
arithmetic, the scheduler) or to be stored as it should not be; and every request model uses them."""

from __future__ import annotations

import types
import typing
from collections.abc import Iterator
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Literal, get_args, get_origin

import pytest
from pydantic import AwareDatetime, BaseModel, TypeAdapter, ValidationError

from daifuku.domain.campaign_desk import CampaignRequest
from daifuku.domain.errors import InvalidRegistration
from daifuku.domain.registration import read_registration
from daifuku.domain.segments import Segment, matches
from daifuku.models.boundary_types import (
    KEY_ID_MAX_BYTES,
    LATEST_DATE,
    MAX_DAY_COUNT,
    ClientId,
    KeyId,
    LineUserId,
    TemplateId,
)
from daifuku.models.member import Member
from daifuku.models.registration import RegistrationForm
from daifuku.models.staff import (
    AuditQuery,
    DashboardQuery,
    IssueRequest,
    MemberSearchQuery,
    SegmentEstimateRequest,
    TagsRequest,
    VisitRequest,
)
from daifuku.models.webhook_events import WebhookRequest
from tests.unit.request_examples import (
    EXAMPLES,
    NOT_REQUESTS,
    SEGMENT,
    SHOP_FORM,
    TODAY,
    request_models_in_the_code,
    validate,
)

LONE_SURROGATE = "\ud83d"  # half of 😀, as a JSON body can carry it ("\ud83d")
LE, RANGE, PATTERN, EXTRA = "less_than_equal", "out_of_range", "string_pattern_mismatch", "extra_forbidden"


def campaign(**changes: Any) -> dict[str, Any]:
    return {"name": "x", "segment": {}, "messages": [{"type": "text", "text": "x"}], **changes}


def flex(contents: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"type": "flex", "alt_text": "x", "contents": contents}]


SURROGATE = LONE_SURROGATE
TEXT = "invalid_text"
ESTIMATE, CAMPAIGN, WEBHOOK = SegmentEstimateRequest, CampaignRequest, WebhookRequest
REG = "registration"  # through read_registration, as the registration and profile routes read the form
NESTED = {"a": [[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]}
DAYS = "segment.no_visit_for_days"
FLEX = "messages.0.flex.contents"
# Issue #15, items 1 and 2: (what was let through, model, body, field, code)
REFUSED = [
    ("lone surrogate in a name", REG, {"name": f"山田{SURROGATE}"}, "name", TEXT),
    ("lone surrogate, custom text", REG, {"custom_text_1": SURROGATE}, "custom_text_1", TEXT),
    ("lone surrogate in an e-mail", REG, {"email": f"a{SURROGATE}@example.jp"}, "email", "invalid_email"),
    ("a C1 control character in a name", REG, {"name": "山田\x85花子"}, "name", TEXT),
    ("NUL in an e-mail address", REG, {"email": "a\x00@example.jp"}, "email", "invalid_email"),
    ("a number of another country", REG, {"phone": "+1 415 555 0100"}, "phone", "invalid_phone"),
    ("a short phone in Arabic-Indic digits", REG, {"phone": "٠٩٠١٢٣٤٥٦٧"}, "phone", "invalid_phone"),
    ("a birthdate in Arabic-Indic digits", REG, {"birthdate": "١٩٩٠-٠٥-٠١"}, "birthdate", "invalid_date"),
    ("a huge day count", ESTIMATE, {"segment": {"no_visit_for_days": 10**18}}, DAYS, LE),
    ("past 100 years", ESTIMATE, {"segment": {"no_visit_for_days": 36501}}, DAYS, LE),
    ("a huge day count on an issue", IssueRequest, {"segment": {"no_visit_for_days": 10**18}}, DAYS, LE),
    ("a huge day count, campaign", CAMPAIGN, campaign(segment={"no_visit_for_days": 10**18}), DAYS, LE),
    ("a campaign in year 9999", CAMPAIGN, campaign(send_at="9999-12-31T23:59+09:00"), "send_at", RANGE),
    ("a segment date in year 9999", Segment, {"last_visit_before": "9999-12-31"}, "last_visit_before", RANGE),
    ("points past DynamoDB's 38 digits", Segment, {"points_min": 10**40}, "points_min", LE),
    ("a superscript query integer", DashboardQuery, {"days": "²"}, "days", "invalid_integer"),
    ("a circled query integer", AuditQuery, {"limit": "①"}, "limit", "invalid_integer"),
    ("an Arabic-Indic query integer", AuditQuery, {"limit": "٥٠"}, "limit", "invalid_integer"),
    ("a search for just #", MemberSearchQuery, {"q": "#"}, "q", "invalid_tag"),
    ("a search for # and spaces", MemberSearchQuery, {"q": " #　"}, "q", "invalid_tag"),
    ("an empty store id on a visit", VisitRequest, {"visit_id": "v1", "store_id": ""}, "store_id", PATTERN),
    ("a visit id of 5000 characters", VisitRequest, {"visit_id": "v" * 5000}, "visit_id", PATTERN),
    ("NUL in a tag", TagsRequest, {"tags": ["vip\x00"]}, "tags.0", TEXT),
    ("a control character in a tag", TagsRequest, {"tags": ["\x1bvip"]}, "tags.0", TEXT),
    ("a tag starting with #", TagsRequest, {"tags": ["#vip"]}, "tags.0", "invalid_tag"),
    ("a tag starting with a full-width #", TagsRequest, {"tags": ["＃vip"]}, "tags.0", "invalid_tag"),
    ("an empty tag", TagsRequest, {"tags": [""]}, "tags.0", "too_short"),
    ("NUL in a segment's tag", Segment, {"tags_any": ["\x00"]}, "tags_any.0", TEXT),
    ("an empty store id in a segment", Segment, {"store_id": ""}, "store_id", PATTERN),
    ("an estimate without a segment", ESTIMATE, {}, "segment", "missing"),
    ("an unknown field in an estimate", ESTIMATE, {"segment": {}, "all": 1}, "all", EXTRA),
    ("an unknown field in a segment", ESTIMATE, {"segment": {"all": 1}}, "segment.all", EXTRA),
    ("a float in Flex", CAMPAIGN, campaign(messages=flex({"flex": 1.5})), FLEX, "float_not_allowed"),
    ("a Flex message nested too deep", CAMPAIGN, campaign(messages=flex(NESTED)), FLEX, "too_deep"),
    ("a huge destination", WEBHOOK, {"destination": "U" * 5000, "events": []}, "destination", "too_long"),
    (
        "a lone surrogate in a raw webhook event (found by Hypothesis)",
        WEBHOOK,
        {"destination": "U" + "d" * 32, "events": [{SURROGATE: None}]},
        "events.0",
        TEXT,
    ),
]


def problems_of(model: Any, body: dict[str, Any]) -> list[tuple[str, str]]:
    if model == "registration":
        with pytest.raises(InvalidRegistration) as rejected:
            read_registration({**EXAMPLES_REGISTRATION, **body}, SHOP_FORM, TODAY)
        return [(problem.field, problem.code) for problem in rejected.value.problems]
    with pytest.raises(ValidationError) as refused:
        validate(model, body)
    return [(".".join(str(part) for part in e["loc"]), e["type"]) for e in refused.value.errors()]


EXAMPLES_REGISTRATION = EXAMPLES[RegistrationForm]


@pytest.mark.parametrize(("case", "model", "body", "field", "code"), REFUSED, ids=[c[0] for c in REFUSED])
def test_each_input_issue_15_found_is_refused_at_the_model(case, model, body, field, code):
    assert (field, code) in problems_of(model, body)


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("٠٩٠-١٢٣٤-٥٦٧٨", "09012345678"),  # Arabic-Indic
        ("۰۹۰۱۲۳۴۵۶۷۸", "09012345678"),  # Eastern Arabic-Indic (Persian)
        ("०९०-१२३४-५६७८", "09012345678"),  # Devanagari
        ("０３－１２３４－５６７８", "0312345678"),  # full-width
    ],
)
def test_phone_digits_of_any_script_are_stored_as_ascii(typed, stored):
    profile = read_registration({**EXAMPLES_REGISTRATION, "phone": typed}, SHOP_FORM, TODAY)
    assert profile.phone == stored


def test_a_search_for_a_tag_names_the_tag():
    assert MemberSearchQuery(q=" #常連さん ").tag == "常連さん"
    assert MemberSearchQuery(q="0001").tag is None


def test_query_integers_are_read_from_ascii_digits():
    assert (DashboardQuery.model_validate({"days": "90"}).days, DashboardQuery().days) == (90, 30)
    assert AuditQuery.model_validate({"limit": "200"}).limit == 200


def test_the_longest_day_count_from_the_latest_day_does_not_overflow():
    segment = Segment(no_visit_for_days=MAX_DAY_COUNT, last_visit_before=LATEST_DATE)
    member = Member(user_id="U" + "0" * 32, last_visit_on=date(1900, 1, 1))
    assert matches(segment, member, LATEST_DATE)


@pytest.mark.parametrize(
    ("id_type", "longest"),
    [(ClientId, "a" * 64), (TemplateId, "t" * 40), (LineUserId, "U" + "f" * 32), (KeyId, "あ" * 42)],
)
def test_ids_are_bounded_well_under_dynamodbs_key_limits(id_type, longest):
    adapter = TypeAdapter(id_type)
    assert adapter.validate_python(longest) == longest
    with pytest.raises(ValidationError):
        adapter.validate_python(longest + ("あ" if id_type is KeyId else "a"))
    assert len(longest.encode()) <= KEY_ID_MAX_BYTES < 1024


# Every request model: its example is valid, and each of its fields refuses what breaks further in


def test_every_request_model_in_the_code_has_an_example_here():
    missing = request_models_in_the_code() - NOT_REQUESTS - set(EXAMPLES)
    assert not missing, f"add an example to tests/unit/request_examples.py for {missing}"


@pytest.mark.parametrize("model", list(EXAMPLES), ids=lambda model: model.__name__)
def test_each_example_is_valid(model):
    validate(model, EXAMPLES[model])


# What a field of each kind must refuse: a lone surrogate, a control character, a huge value, year 9999.
BAD_VALUES: dict[str, list[Any]] = {
    "str": [LONE_SURROGATE, "a\x00b", "x" * 20_000],
    "int": [10**40, -(10**40)],
    "date": ["9999-12-31"],
    "datetime": ["9999-12-31T00:00:00+00:00"],
    "dict": [{LONE_SURROGATE: "x"}, {"k": "a\x00b"}],
    "list:str": [[LONE_SURROGATE], ["a\x00b"], ["x" * 20_000]],
    "list:int": [[10**40]],
}
# Fields another step reads: a webhook's events are parsed one by one (test_boundary_properties.py).
NOT_LEAVES = {(WebhookRequest, "events")}


def kinds(annotation: Any) -> set[str]:
    """What a field holds ("str", "list:str", "model"…), through Optional and Annotated."""
    origin = get_origin(annotation)
    if origin is Annotated:
        return kinds(get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(kinds(arg) for arg in get_args(annotation) if arg is not type(None)))
    if origin in (tuple, list, set, frozenset):
        return {f"list:{kind}" for kind in kinds(get_args(annotation)[0])}
    if origin is dict:
        return {"dict"}
    if origin is Literal or annotation is bool:
        return set()
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return set()
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return {"model"}
    if annotation in (str, int):
        return {annotation.__name__}
    if annotation is AwareDatetime or (isinstance(annotation, type) and issubclass(annotation, datetime)):
        return {"datetime"}
    if isinstance(annotation, type) and issubclass(annotation, date):
        return {"date"}
    return set()


def nested_model(annotation: Any) -> type[BaseModel] | None:
    for arg in (annotation, *get_args(annotation)):
        if get_origin(arg) is Annotated:
            arg = get_args(arg)[0]
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def spoiled(
    model: type[BaseModel], example: dict[str, Any], path: str = ""
) -> Iterator[tuple[str, Any, dict]]:
    """(field path, bad value, the example with that one field spoiled) for every leaf of `model`."""
    for name, field in model.model_fields.items():
        if (model, name) in NOT_LEAVES:
            continue
        key = field.alias or name
        for kind in kinds(field.annotation):
            if kind == "model":
                inner = nested_model(field.annotation)
                if inner is not None and isinstance(example.get(key), dict):
                    for where, bad, inner_spoiled in spoiled(inner, example[key], f"{path}{key}."):
                        yield where, bad, {**example, key: inner_spoiled}
                continue
            for bad in BAD_VALUES.get(kind, []):
                yield f"{path}{key}", bad, {**example, key: bad}


@pytest.mark.parametrize("model", list(EXAMPLES), ids=lambda model: model.__name__)
def test_every_field_of_every_request_model_refuses_what_would_break_further_in(model):
    let_through = []
    for where, bad, body in spoiled(model, EXAMPLES[model]):
        try:
            validate(model, body)
        except ValidationError:
            continue
        let_through.append((where, repr(bad)[:40]))
    assert not let_through


def test_the_walk_reaches_nested_models_and_every_kind_of_field():
    walked = {where for where, _, _ in spoiled(CampaignRequest, EXAMPLES[CampaignRequest])}
    assert {"name", "send_at", "segment.tags_any", "segment.points_min", "coupon.valid_days"} <= walked
    assert {"segment.custom_field_equals", "segment.registered_after", "segment.last_visit_before"} <= walked
    assert set(SEGMENT) - {"birth_month", "registered"} <= {w.removeprefix("segment.") for w in walked}
