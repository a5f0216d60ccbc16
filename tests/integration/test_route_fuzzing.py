"""Every route, fuzzed through the local stack: the routes come from the resolvers' own route tables
(the LIFF API's routers and the webhook's), so a new route is fuzzed without anyone writing its case.

Hypothesis sends arbitrary JSON bodies, valid example bodies with one field replaced or one added,
path parameters (key-sized ones of thousands of characters, lone surrogates, control characters) and
query values (², ①, huge, negative). Whatever arrives, the answer is never a 5xx, and a 4xx is a
JSON object that says what was wrong. Staff routes are called as the owner (past every role check),
customer routes as a registered member, the webhook with a valid signature (past the signature
check). Example counts are bounded so the suite stays fast; there is no deadline (see tests/conftest.py).
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from datetime import date
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from daifuku.domain.webhook_signature import sign_webhook_body
from daifuku_local.aws_resources import LocalChannel
from functions.liff_api.handler import resolver
from functions.liff_api.request_context import PATH_PARAMETERS
from functions.liff_api.staff_routes import STAFF_PREFIX
from functions.partner_api.partner_routes import build_resolver as partner_resolver
from tests.unit.request_examples import EXAMPLES

pytestmark = pytest.mark.slow


def fuzz(examples: int) -> settings:
    """The profile's settings, with a bounded example count: each example is one HTTP request."""
    return settings(
        max_examples=examples,
        suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
    )


def routes_of(app: Any) -> list[tuple[str, str]]:
    """(method, path) of every route a Powertools resolver serves, from its route table."""
    return sorted({(route.method, route.path) for route in app._static_routes + app._dynamic_routes})


def webhook_routes() -> list[tuple[str, str]]:
    from functions.webhook.api import app

    return routes_of(app)


LIFF_ROUTES = sorted(routes_of(resolver("customer")) + routes_of(resolver("staff")))
PARTNER_ROUTES = [route for route in routes_of(partner_resolver()) if not route[1].endswith("openapi.json")]
STAFF = [route for route in LIFF_ROUTES if route[1].startswith(f"{STAFF_PREFIX}/")]
CUSTOMER = [route for route in LIFF_ROUTES if route not in STAFF]

# A body each route's sender could send, from the boundary models' examples: mutating one field of a
# valid body reaches further in than an arbitrary object, which the model refuses at its first key.
BODIES_BY_MODEL_NAME = {model.__name__: example for model, example in EXAMPLES.items()}
ROUTE_BODIES: dict[tuple[str, str], str] = {
    ("POST", f"{STAFF_PREFIX}/card-check"): "ScanRequest",
    ("POST", f"{STAFF_PREFIX}/scan"): "ScanRequest",
    ("POST", f"{STAFF_PREFIX}/members/<user_id>/visits"): "VisitRequest",
    ("POST", f"{STAFF_PREFIX}/members/<user_id>/points"): "PointsAdjustmentRequest",
    ("PUT", f"{STAFF_PREFIX}/members/<user_id>/tags"): "TagsRequest",
    ("POST", f"{STAFF_PREFIX}/members/<user_id>/memos"): "MemoRequest",
    ("PUT", f"{STAFF_PREFIX}/members/<user_id>/flags"): "FlagsRequest",
    ("POST", f"{STAFF_PREFIX}/flags/bulk"): "BulkFlagRequest",
    ("POST", f"{STAFF_PREFIX}/coupon-templates"): "CouponTemplateRequest",
    ("POST", f"{STAFF_PREFIX}/coupon-templates/<template_id>/issue"): "IssueRequest",
    ("POST", f"{STAFF_PREFIX}/segments/estimate"): "SegmentEstimateRequest",
    ("POST", f"{STAFF_PREFIX}/campaigns"): "CampaignRequest",
    ("PUT", f"{STAFF_PREFIX}/rich-menus/<menu_kind>"): "CustomRichMenuRequest",
    ("POST", "/liff/api/registration"): "RegistrationForm",
    ("PUT", "/liff/api/me"): "RegistrationForm",
    ("POST", "/liff/api/coupons/claim"): "ClaimRequest",
    ("POST", "/liff/api/points/exchange"): "ExchangeRequest",
    ("POST", "/webhook"): "WebhookRequest",
    ("POST", f"{STAFF_PREFIX}/api-keys"): "ApiKeyRequest",
    ("POST", "/liff/api/receipts/claim"): "ReceiptClaimRequest",
    ("POST", "/api/v1/members/lookup"): "LookupRequest",
    ("POST", "/api/v1/purchases"): "PurchaseRequest",
    ("POST", "/api/v1/visits"): "PartnerVisitRequest",
    ("POST", "/api/v1/receipt-codes"): "ReceiptCodeRequest",
}
# Query strings the routes read, by route; any route also gets unknown ones.
ROUTE_QUERIES: dict[tuple[str, str], tuple[str, ...]] = {
    ("GET", f"{STAFF_PREFIX}/members"): ("q",),
    ("GET", f"{STAFF_PREFIX}/dashboard"): ("days",),
    ("GET", f"{STAFF_PREFIX}/audit"): ("limit",),
}
# A campaign the fuzzing creates must never start during the test run.
FAR_FUTURE = {"send_at": "2100-01-01T10:00:00+09:00"}

# Strings that broke something once, or could: lone surrogates, control characters, digits int()
# refuses, key-sized ids, a bare tag prefix, numbers past what a date or DynamoDB can hold.
NASTY_TEXT = st.sampled_from(
    [
        "",
        " ",
        "#",
        "＃",
        "\ud800",
        "a\udfffb",
        "\x00",
        "tab\there",
        "²",
        "①",
        "٠٩٠١٢٣٤٥٦٧٨",
        "-1",
        "0",
        "99999999999999999999999999999999999999999",
        "1e400",
        "x" * 1025,
        "U" + "f" * 4000,
        "あ" * 3000,
        "9999-12-31",
        "../..",
        "%00",
        "null",
    ]
)
TEXT = st.one_of(NASTY_TEXT, st.text(max_size=50))
SCALAR = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**40), max_value=10**40),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
JSON = st.recursive(
    SCALAR,
    lambda children: st.one_of(st.lists(children, max_size=4), st.dictionaries(TEXT, children, max_size=4)),
    max_leaves=12,
)
# Replacing a field with a dict could turn a narrow segment into "every member"; a scalar or a list
# tests the same boundaries without sending coupons to the whole local stack.
REPLACEMENT = st.one_of(SCALAR, st.lists(SCALAR, max_size=3))


def quoted(value: str) -> str:
    """A path or query value as a client sends it: UTF-8, lone surrogates too, percent-encoded."""
    return urllib.parse.quote(value.encode("utf-8", "surrogatepass"), safe="")


@st.composite
def bodies(draw: st.DrawFn, route: tuple[str, str]) -> Any:
    model = ROUTE_BODIES.get(route)
    if model is None or draw(st.integers(0, 3)) == 0:
        return draw(JSON)
    body = dict(BODIES_BY_MODEL_NAME[model]) | (FAR_FUTURE if model == "CampaignRequest" else {})
    if draw(st.booleans()):
        body[draw(st.sampled_from(sorted(body)))] = draw(REPLACEMENT)
    else:
        body[draw(TEXT)] = draw(REPLACEMENT)
    return body


@st.composite
def requests(draw: st.DrawFn, routes: list[tuple[str, str]], real_ids: dict[str, str]) -> dict[str, Any]:
    """One request to one of `routes`: path parameters, a query string and a body."""
    method, path = route = draw(st.sampled_from(routes))

    def parameter(match: re.Match[str]) -> str:
        name = match.group(1)
        return quoted(draw(st.one_of(st.just(real_ids.get(name, "x")), TEXT)))

    concrete = re.sub(r"<(\w+)>", parameter, path)
    names = (*ROUTE_QUERIES.get(route, ()), draw(st.sampled_from(["days", "limit", "q", "zzz"])))
    query = {name: draw(TEXT) for name in names if draw(st.booleans())}
    if query:
        encoded = "&".join(f"{name}={quoted(value)}" for name, value in query.items())
        concrete = f"{concrete}?{encoded}"
    body = draw(bodies(route)) if method in ("POST", "PUT") else None
    return {"method": method, "path": concrete, "body": body, "route": route}


def send(url: str, method: str, body: Any, headers: dict[str, str]) -> tuple[int, bytes]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def assert_a_clear_answer(request: dict[str, Any], status: int, raw: bytes) -> None:
    """Never a 5xx; a 4xx is a JSON object that says what was wrong."""
    described = f"{request['method']} {request['path'][:200]} {str(request['body'])[:300]}"
    assert status < 500, f"{status} for {described}: {raw[:300]!r}"
    if status >= 400:
        answer = json.loads(raw)
        assert isinstance(answer, dict) and ("code" in answer or "message" in answer), described


@pytest.fixture(scope="module")
def fuzz_ids(api, owner) -> dict[str, str]:
    """Real ids, so that some requests reach past the lookups: a member, a template, a campaign."""
    from tests.integration.staff_api import new_template, registered_member

    user, member_no = registered_member(api)
    template = new_template(api, owner, title="ファズ用", points_cost=1)
    return {
        "user_id": user,
        "member_no": member_no,
        "template_id": str(template["template_id"]),
        "coupon_id": "x",
        "campaign_id": "c-spring",
    }


def test_every_path_parameter_of_every_route_has_a_boundary_type():
    # A route with a parameter the boundary does not know is refused at its first request (a 500):
    # this finds it before any request does.
    names = {name for _, path in LIFF_ROUTES for name in re.findall(r"<(\w+)>", path)}
    assert names <= set(PATH_PARAMETERS), names - set(PATH_PARAMETERS)


@fuzz(150)
@given(data=st.data())
def test_staff_routes_answer_any_input_with_a_4xx_never_a_5xx(api, owner, fuzz_ids, data):
    request = data.draw(requests(STAFF, fuzz_ids))
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api.id_token_for(owner)}"}
    status, raw = send(f"{api.api_url}{request['path']}", request["method"], request["body"], headers)
    assert_a_clear_answer(request, status, raw)


@fuzz(80)
@given(data=st.data())
def test_customer_routes_answer_any_input_with_a_4xx_never_a_5xx(api, fuzz_ids, data):
    request = data.draw(requests(CUSTOMER, fuzz_ids))
    customer = fuzz_ids["user_id"]
    headers = {"Content-Type": "application/json", "Authorization": f"Bearer {api.id_token_for(customer)}"}
    if request["route"] == ("DELETE", "/liff/api/me"):
        headers["Authorization"] = f"Bearer {api.id_token_for(api.simulated_user())}"
    status, raw = send(f"{api.api_url}{request['path']}", request["method"], request["body"], headers)
    assert_a_clear_answer(request, status, raw)


@fuzz(60)
@given(data=st.data())
def test_partner_api_routes_answer_any_input_with_a_4xx_never_a_5xx(api, owner, fuzz_ids, data):
    from tests.integration.pos_api import new_key

    if "api_key" not in fuzz_ids:
        fuzz_ids["api_key"] = new_key(api, owner, calls_per_minute=600)["key"]
    request = data.draw(requests(PARTNER_ROUTES, fuzz_ids))
    headers = {"Content-Type": "application/json", "X-Api-Key": fuzz_ids["api_key"]}
    status, raw = send(f"{api.api_url}{request['path']}", request["method"], request["body"], headers)
    assert_a_clear_answer(request, status, raw)


@fuzz(40)
@given(data=st.data())
def test_the_webhook_answers_any_signed_body_without_a_5xx(local_stack, data):
    request = data.draw(requests(webhook_routes(), {}))
    body = json.dumps(request["body"]).encode()
    headers = {
        "Content-Type": "application/json",
        "X-Line-Signature": sign_webhook_body(body, LocalChannel().channel_secret),
    }
    url = f"{local_stack.urls.api}{request['path']}"
    req = urllib.request.Request(url, data=body, method=request["method"], headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=120) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as error:
        status, raw = error.code, error.read()
    assert status < 500, f"{status} for {body[:300]!r}: {raw[:300]!r}"


KEY_SIZED = ["\ud800", "a\x00b", "x" * 1025, "あ" * 3000, "U" + "f" * 4000]


def test_every_route_with_a_path_parameter_refuses_key_sized_and_unencodable_values(api, owner, fuzz_ids):
    # Not left to chance: each parameter of each route, with each value DynamoDB would refuse on AWS.
    token = {"Authorization": f"Bearer {api.id_token_for(owner)}", "Content-Type": "application/json"}
    for method, path in LIFF_ROUTES:
        for name in re.findall(r"<(\w+)>", path):
            for value in KEY_SIZED:
                values = fuzz_ids | {name: value}
                concrete = re.sub(r"<(\w+)>", lambda m, values=values: quoted(values[m.group(1)]), path)
                request = {"method": method, "path": concrete, "body": {}}
                status, raw = send(f"{api.api_url}{concrete}", method, {} if method != "GET" else None, token)
                assert_a_clear_answer(request, status, raw)
                # 422 naming the parameter; 404 when the path is not even valid UTF-8 to route on.
                assert status in (404, 422), (method, path, name, status)


LONG_USER = "U" + "f" * 3000
# What once reached a 500 on a route, each now a 422 naming the field (issue #15, item 1).
ONCE_A_500 = [
    ("GET", f"{STAFF_PREFIX}/dashboard?days=%C2%B2", None, "days"),  # ² passes str.isdigit()
    ("GET", f"{STAFF_PREFIX}/audit?limit=%E2%91%A0", None, "limit"),  # ① too
    ("GET", f"{STAFF_PREFIX}/dashboard?days=-3", None, "days"),
    ("GET", f"{STAFF_PREFIX}/members?q=%23", None, "q"),  # a search for just #
    ("POST", f"{STAFF_PREFIX}/segments/estimate", {}, "segment"),  # no segment: every member
    ("POST", f"{STAFF_PREFIX}/segments/estimate", {"segment": {}, "extra": 1}, "extra"),
    ("POST", f"{STAFF_PREFIX}/members/<user_id>/visits", {"visit_id": "v1", "store_id": ""}, "store_id"),
    ("GET", f"{STAFF_PREFIX}/members/{LONG_USER}", None, "user_id"),
    ("GET", f"{STAFF_PREFIX}/members/by-number/{'9' * 3000}", None, "member_no"),
    ("GET", f"{STAFF_PREFIX}/campaigns/{'c' * 3000}", None, "campaign_id"),
    (
        "POST",
        f"{STAFF_PREFIX}/coupon-templates/{'t' * 3000}/issue",
        {"user_id": "U" + "0" * 32},
        "template_id",
    ),
    ("POST", f"{STAFF_PREFIX}/members/<user_id>/coupons/{'x' * 3000}/redeem", {}, "coupon_id"),
]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"), ONCE_A_500, ids=[c[1][-40:] for c in ONCE_A_500]
)
def test_inputs_that_once_reached_a_500_are_a_422_naming_the_field(
    api, owner, fuzz_ids, method, path, body, field
):
    path = path.replace("<user_id>", fuzz_ids["user_id"])
    status, answer = api.call(method, path, owner, body)
    assert status == 422, answer
    assert field in {problem["field"].split(".")[0] for problem in answer["errors"]}, answer


def test_the_fuzzed_examples_are_still_valid_bodies():
    # The mutations start from valid bodies: if an example stops being valid, the fuzzing only ever
    # reaches the model's first refusal.
    from tests.unit.request_examples import validate

    by_name = {model.__name__: model for model in EXAMPLES}
    for name in set(ROUTE_BODIES.values()):
        validate(
            by_name[name], BODIES_BY_MODEL_NAME[name] | (FAR_FUTURE if name == "CampaignRequest" else {})
        )
    assert date.today().year < 2100
