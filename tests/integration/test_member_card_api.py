"""The member card through the local stack: LIFF ID tokens from the LINE simulator, the real handler
behind the API Gateway emulation, and the table in moto."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from boto3.dynamodb.conditions import Attr

from daifuku.models.shop import CouponTemplate, RegistrationMode
from tests.integration.member_api import a_form, shop_configured, unique

pytestmark = pytest.mark.slow


def member_item(member_table, user_id: str) -> dict[str, Any] | None:
    key = {"pk": f"USER#{user_id}", "sk": "MEMBER"}
    return member_table.get_item(Key=key, ConsistentRead=True).get("Item")


def number_item(member_table, member_no: str) -> dict[str, Any] | None:
    key = {"pk": f"MEMBER_NO#{member_no}", "sk": "MEMBER_NO"}
    return member_table.get_item(Key=key, ConsistentRead=True).get("Item")


def counter(member_table) -> int:
    item = member_table.get_item(Key={"pk": "COUNTER#member_no", "sk": "COUNTER"}, ConsistentRead=True)
    return int(item.get("Item", {}).get("last_sequence", 0))


def scan_all(member_table) -> list[dict[str, Any]]:
    items, request = [], {"ConsistentRead": True}
    while True:
        page = member_table.scan(**request)
        items += page["Items"]
        if "LastEvaluatedKey" not in page:
            return items
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


# Numbering under concurrency


def test_200_concurrent_registrations_of_different_users_get_200_distinct_consecutive_numbers(
    api, member_table
):
    users = [api.simulated_user() for _ in range(200)]
    tokens = {user: api.id_token_for(user) for user in users}
    assert len(tokens) == 200
    with ThreadPoolExecutor(max_workers=200) as pool:
        answers = list(pool.map(lambda user: api.register(user, a_form()), users))

    assert [status for status, _ in answers] == [200] * 200, [a for a in answers if a[0] != 200][:3]
    numbers = sorted(int(payload["member_no"]) for _, payload in answers)
    assert len(set(numbers)) == 200
    assert numbers == list(range(numbers[0], numbers[0] + 200)), "a gap in the numbers"
    assert counter(member_table) >= numbers[-1]
    for user, (_, payload) in zip(users, answers, strict=True):
        assert member_item(member_table, user)["member_no"] == payload["member_no"]
        assert number_item(member_table, payload["member_no"])["user_id"] == user


def test_20_concurrent_submits_of_the_same_user_make_one_member_with_one_number(api, member_table):
    user = api.simulated_user()
    api.id_token_for(user)
    counter_before = counter(member_table)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: api.register(user, a_form(name="同時 送信")), range(20)))

    assert {status for status, _ in answers} == {200}
    assert len({payload["member_no"] for _, payload in answers}) == 1
    [member_no] = {payload["member_no"] for _, payload in answers}
    assert counter(member_table) == counter_before + 1
    owned = member_table.scan(FilterExpression=Attr("user_id").eq(user) & Attr("sk").eq("MEMBER_NO"))
    assert [item["member_no"] for item in owned["Items"]] == [member_no]
    assert member_item(member_table, user)["name"] == "同時 送信"


# Who is calling


@pytest.mark.parametrize(
    "token_case",
    ["none", "expired", "wrong audience", "bad signature", "not a JWT", "another scheme"],
)
def test_a_missing_or_bad_id_token_is_401_and_changes_nothing(api, member_table, token_case):
    user = api.simulated_user()
    good = api.id_token_for(user)
    token = {
        "none": None,
        "expired": api.id_token_for(user, expires_in=-60),
        "wrong audience": api.id_token_for(user, audience="1999999999"),
        "bad signature": good[:-4] + ("AAAA" if not good.endswith("AAAA") else "BBBB"),
        "not a JWT": "hello",
        "another scheme": None,
    }[token_case]
    for method, path, body in [
        ("POST", "/liff/api/card", None),
        ("POST", "/liff/api/registration", a_form()),
        ("GET", "/liff/api/me", None),
        ("DELETE", "/liff/api/me", None),
    ]:
        if token_case == "another scheme":
            status, payload = api.call(method, path, body=body, token=None)
        else:
            status, payload = api.call(method, path, body=body, token=token or None)
        assert status == 401, (method, path, payload)
        assert payload["message"] and payload["code"] == "unauthenticated"
    assert member_item(member_table, user) is None


def test_the_user_id_comes_only_from_the_token(api, member_table):
    user, other = api.simulated_user(), api.simulated_user()
    status, payload = api.register(user, {**a_form(), "user_id": other})
    assert status == 422 and payload["errors"] == [{"field": "user_id", "code": "unknown_field"}]
    assert member_item(member_table, other) is None and member_item(member_table, user) is None


# Bad bodies


def test_a_bad_form_gets_field_level_errors_and_writes_nothing(api, member_table):
    user = api.simulated_user()
    status, payload = api.register(
        user, {"name": "", "birthdate": "2999-01-01", "phone": "0120", "nickname": "x"}
    )
    assert status == 422
    assert payload["errors"] == [
        {"field": "name", "code": "required"},
        {"field": "birthdate", "code": "future_date"},
        {"field": "phone", "code": "invalid_phone"},
        {"field": "nickname", "code": "unknown_field"},
    ]
    assert member_item(member_table, user) is None


@pytest.mark.parametrize(
    ("raw_body", "status"),
    [
        (b"{not json", 400),
        (b"[1, 2]", 400),
        (b'"a string"', 400),
        ('{"name": "山田"}'.encode("shift_jis"), 400),
        (b"{" + b" " * 17_000 + b"}", 413),
    ],
    ids=["broken JSON", "a list", "a string", "not UTF-8", "over 16 KB"],
)
def test_malformed_or_oversized_bodies_are_refused(api, member_table, raw_body, status):
    user = api.simulated_user()
    answer_status, payload = api.call("POST", "/liff/api/registration", user, raw_body=raw_body)
    assert (answer_status, payload["code"]) == (
        status,
        "body_too_large" if status == 413 else "malformed_body",
    )
    assert member_item(member_table, user) is None


# Both ways to join


def test_guest_card_first_a_number_at_once_then_registration_keeps_it(api, member_table, line):
    user = api.simulated_user(follow=True)
    with shop_configured(member_table, registration_mode=RegistrationMode.GUEST_CARD_FIRST):
        status, card = api.open_card(user)
        assert status == 200 and card["status"] == "guest" and card["can_register"] is True
        assert api.open_card(user)[1]["member_no"] == card["member_no"]
        status, registered = api.register(user, a_form())
    assert status == 200
    assert (registered["member_no"], registered["status"]) == (card["member_no"], "registered")
    assert line.rich_menu(user)["name"] == "会員メニュー"


def test_registration_first_the_form_comes_before_the_card(api, member_table, line):
    user = api.simulated_user(follow=True)
    with shop_configured(member_table, registration_mode=RegistrationMode.REGISTRATION_FIRST):
        status, payload = api.open_card(user)
        assert (status, payload["code"]) == (409, "registration_required")
        assert line.rich_menu(user)["name"] == "会員登録メニュー"
        status, registered = api.register(user, a_form())
        assert status == 200
        status, card = api.open_card(user)
    assert status == 200 and card["member_no"] == registered["member_no"]
    assert card["barcode"]["text"] == card["member_no"]
    assert line.rich_menu(user)["name"] == "会員メニュー"


def test_the_welcome_coupon_is_on_the_card_once(api, member_table):
    user = api.simulated_user()
    with shop_configured(member_table, welcome_coupon=CouponTemplate(title="ようこそ 焼き菓子1個")):
        assert api.register(user, a_form())[1]["welcome_coupon_granted"] is True
        assert api.register(user, a_form())[1]["welcome_coupon_granted"] is False
        _, card = api.open_card(user)
    assert [coupon["title"] for coupon in card["coupons"]] == ["ようこそ 焼き菓子1個"]


def test_a_customer_from_before_claims_their_imported_number(api, member_table):
    # What the operator's CSV import writes: the imported member, and the number marked as taken.
    phone, legacy_no = "09087650001", unique("L").upper()[:7]
    member_table.put_item(
        Item={
            "pk": f"LEGACY_PHONE#{phone}",
            "sk": f"LEGACY#{legacy_no}",
            "member_no": legacy_no,
            "phone": phone,
            "birthdate": "1975-02-14",
        }
    )
    member_table.put_item(
        Item={"pk": f"MEMBER_NO#{legacy_no}", "sk": "MEMBER_NO", "member_no": legacy_no, "status": "imported"}
    )
    someone_else = api.simulated_user()
    status, other = api.register(someone_else, a_form(phone="090-8765-0001", birthdate="1975-02-15"))
    assert status == 200 and other["member_no"] != legacy_no
    user = api.simulated_user()
    status, claimed = api.register(user, a_form(phone="090-8765-0001", birthdate="1975-02-14"))
    assert status == 200 and claimed["member_no"] == legacy_no and claimed["legacy_number_claimed"]
    assert number_item(member_table, legacy_no)["user_id"] == user


# The card's token, as the staff scanner checks it


def test_the_cards_qr_token_is_accepted_by_the_staff_check_until_it_expires(api, member_table):
    member, clerk, stranger = (api.simulated_user() for _ in range(3))
    member_table.put_item(Item={"pk": "STAFF", "sk": clerk, "role": "staff"})
    api.register(member, a_form())
    status, card = api.open_card(member)
    token = card["card_token"]["token"]
    status, fresh = api.call("GET", "/liff/api/card/token", member)
    assert status == 200 and fresh["token"].startswith(f"DC1.{card['member_no']}.")

    status, check = api.call("POST", "/liff/api/staff/card-check", clerk, {"token": token})
    assert status == 200 and check == {
        "valid": True,
        "reason": "ok",
        "member_no": card["member_no"],
        "status": "registered",
    }
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    status, check = api.call("POST", "/liff/api/staff/card-check", clerk, {"token": forged})
    assert (status, check["valid"], check["reason"]) == (200, False, "forged")
    status, _ = api.call("POST", "/liff/api/staff/card-check", stranger, {"token": token})
    assert status == 403


# Deleting my data


def test_deletion_leaves_no_personal_data_and_the_number_is_never_reissued(api, member_table, line):
    display_name = unique("削除される人")
    user = api.simulated_user(display_name, follow=True)
    line.send_text(user, "誕生日ケーキの予約をしたいです")  # a message is personal data too
    form = a_form(name=unique("削除 花子"), phone="080-2468-1357", birthdate="1969-07-20")
    with shop_configured(member_table, welcome_coupon=CouponTemplate(title="削除テストのクーポン")):
        status, registered = api.register(user, form)
    assert status == 200
    member_table.put_item(Item={"pk": f"USER#{user}", "sk": "TAG#常連", "tag": "常連", "user_id": user})
    member_no = registered["member_no"]

    status, _ = api.delete_my_data(user)
    assert status == 200

    personal = [
        display_name,
        form["name"],
        "08024681357",
        "1969-07-20",
        "誕生日ケーキ",
        "削除テストのクーポン",
    ]
    for item in scan_all(member_table):
        flat = repr(item)
        for value in personal:
            assert value not in flat, (value, item)
    user_items = [item for item in scan_all(member_table) if item["pk"] == f"USER#{user}"]
    assert [item["sk"] for item in user_items] == ["MEMBER"]
    [tombstone] = user_items
    assert tombstone["status"] == "deleted" and tombstone["member_no"] == member_no
    assert set(tombstone) <= {
        "pk", "sk", "user_id", "status", "member_no", "deleted_at", "follow_state_ms", "blocked",
    }  # fmt: skip
    retired = number_item(member_table, member_no)
    assert retired["status"] == "deleted" and "user_id" not in retired
    assert line.rich_menu(user)["name"] == "会員登録メニュー"
    assert api.me(user)["name"] is None

    newcomer = api.simulated_user()
    assert api.register(newcomer, a_form())[1]["member_no"] != member_no
    status, again = api.register(user, a_form())
    assert status == 200 and again["member_no"] != member_no
