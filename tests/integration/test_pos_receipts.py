"""A receipt earns points once: the same receipt id sent by the POS many times at once, and a receipt
QR scanned by the card page many times at once, each add the points once. A QR signed offline by the
POS with its receipt secret works as the API's own; a reused, forged, expired or revoked one is
refused with its reason."""

from __future__ import annotations

import hashlib
import hmac
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from daifuku.adapters.dynamodb.keys import LEDGER_SK_PREFIX, receipt_key
from daifuku.models.shop import PointsRule
from tests.integration.member_api import MemberApi, shop_configured
from tests.integration.pos_api import PosClient, new_key
from tests.integration.staff_api import items_under, member_item, registered_member

AT_ONCE = 8


@pytest.fixture(scope="module")
def pos(api: MemberApi, owner: str, member_table: Any, local_stack: Any) -> Iterator[tuple[PosClient, dict]]:
    with shop_configured(member_table, points_rule=PointsRule(points_per_visit=1, yen_per_point=100)):
        created = new_key(api, owner, ["members:read", "points:write"], calls_per_minute=600)
        yield PosClient(local_stack.urls.api, created["key"]), created


def receipt_entries(member_table: Any, user: str) -> list[dict[str, Any]]:
    return [e for e in items_under(member_table, user, LEDGER_SK_PREFIX) if "receipt-" in e["sk"]]


def offline_code(created: dict, receipt_id: str, amount: int, issued: int) -> str:
    """What a POS makes without calling the API, by the recipe in docs/deploy.md."""
    key_id, secret = created["key_id"], bytes.fromhex(created["receipt_secret"])
    message = "\n".join(("DR1", key_id, receipt_id, str(amount), "", str(issued))).encode()
    signature = hmac.new(secret, message, hashlib.sha256).hexdigest()[:32]
    return ".".join(("DR1", key_id, receipt_id, str(amount), "", str(issued), signature))


def claim(api: MemberApi, user: str, code: str) -> tuple[int, dict[str, Any]]:
    return api.call("POST", "/liff/api/receipts/claim", user, {"code": code})


def test_one_receipt_sent_many_times_at_once_gives_its_points_once(pos, api, member_table) -> None:
    # Given a member and a purchase of 1,280 yen (1 point a visit + 1 per 100 yen: 13 points)
    client, _ = pos
    user, member_no = registered_member(api)
    body = {"member_no": member_no, "receipt_id": uuid.uuid4().hex, "amount_yen": 1280}

    # When the POS sends it AT_ONCE times at the same moment (a retry storm)
    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(lambda _: client.call("POST", "/purchases", body), range(AT_ONCE)))

    # Then one answer made it, the rest repeat it, and the member has the 13 points once
    statuses = Counter(status for status, _, _ in answers)
    assert statuses == {201: 1, 200: AT_ONCE - 1}, statuses
    assert {answer["points_added"] for _, answer, _ in answers} == {13}
    assert member_item(member_table, user)["points"] == 13
    assert len(receipt_entries(member_table, user)) == 1


def test_a_receipt_qr_scanned_many_times_at_once_gives_its_points_once(pos, api, member_table) -> None:
    # Given a receipt code the POS asked for
    client, _ = pos
    user, _ = registered_member(api)
    status, made, _ = client.call(
        "POST", "/receipt-codes", {"receipt_id": uuid.uuid4().hex, "amount_yen": 500}
    )
    assert status == 201, made

    # When the customer's page sends it AT_ONCE times together
    with ThreadPoolExecutor(AT_ONCE) as pool:
        answers = list(pool.map(lambda _: claim(api, user, made["code"]), range(AT_ONCE)))

    # Then the points came once, and every other answer says they were received already
    assert Counter(status for status, _ in answers) == {201: 1, 422: AT_ONCE - 1}
    assert {a["reason"] for s, a in answers if s == 422} == {"already_claimed"}
    assert member_item(member_table, user)["points"] == 6
    assert len(receipt_entries(member_table, user)) == 1


def test_a_code_signed_offline_by_the_pos_gives_points_and_nobody_else_gets_them(
    pos, api, member_table
) -> None:
    _, created = pos
    first, second = registered_member(api)[0], registered_member(api)[0]
    receipt_id = uuid.uuid4().hex
    code = offline_code(created, receipt_id, 2000, int(time.time()))

    status, answer = claim(api, first, code)
    assert status == 201 and answer["points_added"] == 21, answer

    status, answer = claim(api, second, code)
    assert (status, answer["reason"]) == (422, "used")
    assert member_item(member_table, second).get("points") in (None, 0)
    assert member_table.get_item(Key=receipt_key(receipt_id))["Item"]["via"] == "qr"


@pytest.mark.parametrize(
    ("make", "reason"),
    [
        (lambda c: offline_code(c, uuid.uuid4().hex, 100, int(time.time()) - 8 * 86400), "expired"),
        (lambda c: offline_code(c, uuid.uuid4().hex, 100, int(time.time()))[:-4] + "0000", "forged"),
        (
            lambda c: offline_code(c | {"key_id": "zzzzzzzzzzzz"}, uuid.uuid4().hex, 100, int(time.time())),
            "forged",
        ),
        (lambda c: "https://example.com/not-a-receipt", "malformed"),
    ],
    ids=["expired", "forged", "unknown key", "not a receipt"],
)
def test_a_bad_code_is_refused_with_its_reason_and_gives_nothing(
    pos, api, member_table, make, reason
) -> None:
    _, created = pos
    user, _ = registered_member(api)
    status, answer = claim(api, user, make(created))
    assert (status, answer.get("reason")) == (422, reason), answer
    assert receipt_entries(member_table, user) == []


def test_a_revoked_keys_codes_are_refused(api, owner, member_table, pos) -> None:
    created = new_key(api, owner, ["points:write"])
    code = offline_code(created, uuid.uuid4().hex, 100, int(time.time()))
    status, _ = api.call("POST", f"/liff/api/staff/api-keys/{created['key_id']}/revoke", owner)
    assert status == 200
    user, _ = registered_member(api)
    status, answer = claim(api, user, code)
    assert (status, answer["reason"]) == (422, "revoked")


def test_a_coupon_redeemed_by_several_registers_at_once_is_used_once(api, owner, local_stack) -> None:
    # Given a member's coupon, and four registers with the redeem scope
    from tests.integration.staff_api import give_coupon, new_template

    user, member_no = registered_member(api)
    coupon_id = give_coupon(api, owner, new_template(api, owner)["template_id"], user)
    registers = [
        PosClient(local_stack.urls.api, new_key(api, owner, ["coupons:redeem"])["key"]) for _ in range(4)
    ]

    # When all four redeem it at the same moment
    path = f"/members/{member_no}/coupons/{coupon_id}/redeem"
    with ThreadPoolExecutor(len(registers)) as pool:
        answers = list(pool.map(lambda register: register.call("POST", path), registers))

    # Then one succeeds and the others are told it was used
    assert Counter(status for status, _, _ in answers) == {200: 1, 409: 3}
    assert {answer["code"] for status, answer, _ in answers if status == 409} == {"coupon_already_used"}
