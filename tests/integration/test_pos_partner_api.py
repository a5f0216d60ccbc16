"""The partner API against its own OpenAPI document: every documented answer of every route is
reached through the local stack, with keys and scopes, and each body has the documented schema; the
document served is the checked-in one; a refused call changes nothing; keys are audited by name."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from daifuku.adapters.dynamodb.keys import LEDGER_SK_PREFIX
from daifuku.domain.api_keys import key_hash
from daifuku.models.shop import PointsRule
from tests.integration.member_api import MemberApi, shop_configured
from tests.integration.pos_api import PosClient, new_key
from tests.integration.staff_api import (
    card_qr,
    give_coupon,
    items_under,
    member_item,
    new_template,
    registered_member,
)

REPO_ROOT = Path(__file__).resolve().parents[2]
DOCUMENT = json.loads((REPO_ROOT / "docs" / "partner-api.openapi.json").read_text())
OVERSIZED = json.dumps({"member_no": "1", "padding": "x" * 20_000}).encode()
Answer = tuple[int, dict[str, Any], dict[str, str]]


def documented_answers() -> set[tuple[str, str, int]]:
    return {
        (method.upper(), path, int(status))
        for path, operations in DOCUMENT["paths"].items()
        for method, operation in operations.items()
        for status in operation["responses"]
    }


def schema_of(method: str, path: str, status: int) -> dict[str, Any]:
    response = DOCUMENT["paths"][path][method.lower()]["responses"][str(status)]
    return response["content"]["application/json"]["schema"] | {"components": DOCUMENT["components"]}


@dataclass
class World:
    api: MemberApi
    owner: str
    url: str
    member_no: str
    user: str
    template_id: str
    full: PosClient  # a key with every scope

    def key(self, scopes: list[str], **fields: Any) -> PosClient:
        return PosClient(self.url, new_key(self.api, self.owner, scopes, **fields)["key"])

    def rate_limited(self, method: str, path: str, body: Any = None) -> Answer:
        """A key allowed one call a minute, called until it is refused (at most two windows: 3 calls)."""
        client = self.key(
            ["members:read", "points:write", "visits:write", "coupons:redeem"], calls_per_minute=1
        )
        for _ in range(3):
            answer = client.call(method, path, body)
            if answer[0] == 429:
                return answer
        raise AssertionError("never refused")


@pytest.fixture(scope="module")
def world(api: MemberApi, owner: str, member_table: Any, local_stack: Any) -> Iterator[World]:
    with shop_configured(member_table, points_rule=PointsRule(points_per_visit=1, yen_per_point=100)):
        user, member_no = registered_member(api)
        template_id = new_template(api, owner)["template_id"]
        full = PosClient(local_stack.urls.api, new_key(api, owner)["key"])
        yield World(api, owner, local_stack.urls.api, member_no, user, template_id, full)


def purchase(world: World, **changes: Any) -> dict[str, Any]:
    body = {
        "member_no": world.member_no,
        "receipt_id": uuid.uuid4().hex,
        "amount_yen": 1280,
        "store_id": None,
    }
    return body | changes


def visit_body(world: World, **changes: Any) -> dict[str, Any]:
    return {"member_no": world.member_no, "visit_id": uuid.uuid4().hex} | changes


def code_body(**changes: Any) -> dict[str, Any]:
    return {"receipt_id": uuid.uuid4().hex, "amount_yen": 500} | changes


def twice(client: PosClient, path: str, first: dict[str, Any], second: dict[str, Any]) -> Answer:
    status, answer, _ = client.call("POST", path, first)
    assert status == 201, answer
    return client.call("POST", path, second)


def redeem_path(world: World, coupon_id: str) -> str:
    return f"/members/{world.member_no}/coupons/{coupon_id}/redeem"


def a_coupon(world: World) -> str:
    return give_coupon(world.api, world.owner, world.template_id, world.user)


LOOKUP = "/api/v1/members/lookup"
BY_NUMBER = "/api/v1/members/{member_no}"
PURCHASES = "/api/v1/purchases"
VISITS = "/api/v1/visits"
REDEEM = "/api/v1/members/{member_no}/coupons/{coupon_id}/redeem"
CODES = "/api/v1/receipt-codes"

# Every documented answer, and how a POS gets it.
SCENARIOS: dict[tuple[str, str, int], Callable[[World], Answer]] = {
    ("POST", LOOKUP, 200): lambda w: w.full.call("POST", "/members/lookup", {"member_no": w.member_no}),
    ("POST", LOOKUP, 400): lambda w: w.full.call("POST", "/members/lookup", raw_body=b"{member_no"),
    ("POST", LOOKUP, 401): lambda w: PosClient(w.url, None).call(
        "POST", "/members/lookup", {"member_no": "1"}
    ),
    ("POST", LOOKUP, 403): lambda w: w.key(["points:write"]).call(
        "POST", "/members/lookup", {"member_no": "1"}
    ),
    ("POST", LOOKUP, 404): lambda w: w.full.call("POST", "/members/lookup", {"member_no": "99999999"}),
    ("POST", LOOKUP, 413): lambda w: w.full.call("POST", "/members/lookup", raw_body=OVERSIZED),
    ("POST", LOOKUP, 422): lambda w: w.full.call(
        "POST", "/members/lookup", {"member_no": "1", "card_token": "x"}
    ),
    ("POST", LOOKUP, 429): lambda w: w.rate_limited("POST", "/members/lookup", {"member_no": w.member_no}),
    ("GET", BY_NUMBER, 200): lambda w: w.full.call("GET", f"/members/{w.member_no}"),
    ("GET", BY_NUMBER, 401): lambda w: PosClient(w.url, "dfk_aaaaaaaaaaaa_" + "A" * 43).call(
        "GET", "/members/1"
    ),
    ("GET", BY_NUMBER, 403): lambda w: w.key(["coupons:redeem"]).call("GET", f"/members/{w.member_no}"),
    ("GET", BY_NUMBER, 404): lambda w: w.full.call("GET", "/members/99999999"),
    ("GET", BY_NUMBER, 422): lambda w: w.full.call("GET", "/members/" + "9" * 200),
    ("GET", BY_NUMBER, 429): lambda w: w.rate_limited("GET", f"/members/{w.member_no}"),
    ("POST", PURCHASES, 201): lambda w: w.full.call("POST", "/purchases", purchase(w)),
    ("POST", PURCHASES, 200): lambda w: twice(w.full, "/purchases", body := purchase(w), body),
    ("POST", PURCHASES, 400): lambda w: w.full.call("POST", "/purchases", raw_body=b"[1,"),
    ("POST", PURCHASES, 401): lambda w: PosClient(w.url, "not-a-key").call("POST", "/purchases", purchase(w)),
    ("POST", PURCHASES, 403): lambda w: w.key(["members:read"]).call("POST", "/purchases", purchase(w)),
    ("POST", PURCHASES, 404): lambda w: w.full.call("POST", "/purchases", purchase(w, member_no="99999999")),
    ("POST", PURCHASES, 409): lambda w: twice(
        w.full, "/purchases", body := purchase(w), body | {"amount_yen": body["amount_yen"] + 1}
    ),
    ("POST", PURCHASES, 413): lambda w: w.full.call("POST", "/purchases", raw_body=OVERSIZED),
    ("POST", PURCHASES, 422): lambda w: w.full.call("POST", "/purchases", purchase(w, amount_yen=-1)),
    ("POST", PURCHASES, 429): lambda w: w.rate_limited("POST", "/purchases", purchase(w)),
    ("POST", VISITS, 201): lambda w: w.full.call("POST", "/visits", visit_body(w)),
    ("POST", VISITS, 200): lambda w: twice(w.full, "/visits", body := visit_body(w), body),
    ("POST", VISITS, 400): lambda w: w.full.call("POST", "/visits", raw_body=b"visit"),
    ("POST", VISITS, 401): lambda w: PosClient(w.url, None).call("POST", "/visits", visit_body(w)),
    ("POST", VISITS, 403): lambda w: w.key(["points:write"]).call("POST", "/visits", visit_body(w)),
    ("POST", VISITS, 404): lambda w: w.full.call("POST", "/visits", visit_body(w, member_no="99999999")),
    ("POST", VISITS, 409): lambda w: twice(
        w.full, "/visits", body := visit_body(w), body | {"store_id": "s2"}
    ),
    ("POST", VISITS, 413): lambda w: w.full.call("POST", "/visits", raw_body=OVERSIZED),
    ("POST", VISITS, 422): lambda w: w.full.call("POST", "/visits", visit_body(w, visit_id="has space")),
    ("POST", VISITS, 429): lambda w: w.rate_limited("POST", "/visits", visit_body(w)),
    ("POST", REDEEM, 200): lambda w: w.full.call("POST", redeem_path(w, a_coupon(w))),
    ("POST", REDEEM, 401): lambda w: PosClient(w.url, None).call("POST", redeem_path(w, "c1")),
    ("POST", REDEEM, 403): lambda w: w.key(["members:read"]).call("POST", redeem_path(w, a_coupon(w))),
    ("POST", REDEEM, 404): lambda w: w.full.call("POST", redeem_path(w, "no-such-coupon")),
    ("POST", REDEEM, 409): lambda w: (
        w.full.call("POST", (p := redeem_path(w, a_coupon(w)))) and w.full.call("POST", p)
    ),
    ("POST", REDEEM, 422): lambda w: w.full.call("POST", redeem_path(w, "c" * 200)),
    ("POST", REDEEM, 429): lambda w: w.rate_limited("POST", redeem_path(w, a_coupon(w))),
    ("POST", CODES, 201): lambda w: w.full.call("POST", "/receipt-codes", code_body()),
    ("POST", CODES, 400): lambda w: w.full.call("POST", "/receipt-codes", raw_body=b"{"),
    ("POST", CODES, 401): lambda w: PosClient(w.url, None).call("POST", "/receipt-codes", code_body()),
    ("POST", CODES, 403): lambda w: w.key(["visits:write"]).call("POST", "/receipt-codes", code_body()),
    ("POST", CODES, 413): lambda w: w.full.call("POST", "/receipt-codes", raw_body=OVERSIZED),
    ("POST", CODES, 422): lambda w: w.full.call("POST", "/receipt-codes", code_body(amount_yen="千円")),
    ("POST", CODES, 429): lambda w: w.rate_limited("POST", "/receipt-codes", code_body()),
}


def test_every_documented_answer_has_a_scenario_and_every_scenario_is_documented() -> None:
    assert set(SCENARIOS) == documented_answers()


@pytest.mark.parametrize("answer", sorted(SCENARIOS), ids=lambda a: f"{a[0]} {a[1]} {a[2]}")
def test_each_documented_answer_is_reached_with_its_schema(
    world: World, answer: tuple[str, str, int]
) -> None:
    # When a POS makes the call the scenario describes
    method, path, status = answer
    got_status, body, headers = SCENARIOS[answer](world)

    # Then the answer is the documented one, and its body has the documented schema
    assert got_status == status, body
    Draft202012Validator(schema_of(method, path, status)).validate(body)
    if status == 429:
        assert int(headers["Retry-After"]) >= 1
    if status >= 400:
        assert set(body) >= {"message", "code"}


def test_the_served_document_is_the_checked_in_one(world: World) -> None:
    status, served, _ = PosClient(world.url, None).call("GET", "/openapi.json")
    assert status == 200
    assert served == DOCUMENT


def test_personal_fields_only_with_the_personal_scope(world: World) -> None:
    # Given a key that may read members, and one that may also read their personal fields
    plain = world.key(["members:read"])
    personal = world.key(["members:read", "members:read:personal"])
    token = card_qr(world.api, world.user)

    # When each looks up the member by the scanned card
    _, without, _ = plain.call("POST", "/members/lookup", {"card_token": token})
    _, with_personal, _ = personal.call("POST", "/members/lookup", {"card_token": token})

    # Then only the second sees the name and phone
    assert without["member_no"] == world.member_no and without["personal"] is None
    assert with_personal["personal"]["name"] and with_personal["personal"]["phone"]


def test_a_revoked_key_is_refused_at_once(world: World) -> None:
    created = new_key(world.api, world.owner, ["members:read"])
    client = PosClient(world.url, created["key"])
    assert client.call("GET", f"/members/{world.member_no}")[0] == 200

    status, revoked = world.api.call(
        "POST", f"/liff/api/staff/api-keys/{created['key_id']}/revoke", world.owner
    )
    assert status == 200 and revoked["revoked_at"]

    assert client.call("GET", f"/members/{world.member_no}")[0] == 401


def test_refused_purchases_change_nothing(world: World, member_table: Any) -> None:
    # Given the member's points and ledger now
    before = member_item(member_table, world.user).get("points")
    ledger_before = items_under(member_table, world.user, LEDGER_SK_PREFIX)

    # When a purchase is refused for each reason a POS can meet
    for refused in (
        ("POST", PURCHASES, 400),
        ("POST", PURCHASES, 401),
        ("POST", PURCHASES, 403),
        ("POST", PURCHASES, 413),
        ("POST", PURCHASES, 422),
    ):
        assert SCENARIOS[refused](world)[0] == refused[2]

    # Then neither the points nor the ledger moved
    assert member_item(member_table, world.user).get("points") == before
    assert items_under(member_table, world.user, LEDGER_SK_PREFIX) == ledger_before


def test_the_owner_lists_keys_by_name_and_scopes_never_the_key(world: World) -> None:
    created = new_key(world.api, world.owner, ["members:read", "points:write"], name="レジ1")
    status, listing = world.api.call("GET", "/liff/api/staff/api-keys", world.owner)
    assert status == 200
    listed = next(k for k in listing["keys"] if k["key_id"] == created["key_id"])
    assert listed["name"] == "レジ1"
    assert listed["scopes"] == ["members:read", "points:write"]
    assert "key" not in listed and "key_hash" not in listed and created["key"] not in json.dumps(listing)


def test_every_call_is_audited_with_the_keys_name(world: World) -> None:
    created = new_key(world.api, world.owner, ["members:read", "points:write"], name="レジ監査")
    client = PosClient(world.url, created["key"])
    assert client.call("GET", f"/members/{world.member_no}")[0] == 200
    assert client.call("POST", "/purchases", purchase(world))[0] == 201

    status, audit = world.api.call("GET", "/liff/api/staff/audit?limit=20", world.owner)
    assert status == 200
    by_key = [e for e in audit["entries"] if e["actor_user_id"] == f"api-key:{created['key_id']}"]
    assert {e["action"] for e in by_key} >= {"api.member.lookup", "visit.record"}
    assert {e["actor_display_name"] for e in by_key} == {"レジ監査"}


def test_keys_and_receipt_secrets_never_reach_the_logs(world: World, local_stack: Any) -> None:
    # Given a key used well, refused for its scope, revoked and then refused
    created = new_key(world.api, world.owner, ["members:read"], name="ログ確認")
    client = PosClient(world.url, created["key"])
    client.call("GET", f"/members/{world.member_no}")
    client.call("POST", "/purchases", purchase(world))
    world.api.call("POST", f"/liff/api/staff/api-keys/{created['key_id']}/revoke", world.owner)
    client.call("GET", f"/members/{world.member_no}")

    # Then the logs name the key by its id at most: neither the key, its secret part nor its hash
    log = local_stack.log_text()
    assert "API key created" in log, "the functions' logs are captured"
    secret_part = created["key"].rsplit("_", 1)[1]
    for leaked in (created["key"], secret_part, key_hash(created["key"]), created["receipt_secret"]):
        assert leaked not in log
