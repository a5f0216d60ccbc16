"""The staff console's calls, for tests and benchmarks: members at the counter, their card QR, coupons."""

from __future__ import annotations

import uuid
from typing import Any

from daifuku.adapters.dynamodb.keys import member_key
from tests.integration.member_api import MemberApi, a_form


def registered_member(api: MemberApi, follow: bool = True, **form: Any) -> tuple[str, str]:
    """(user id, member number) of a new simulated friend who registered through the card's API."""
    user = api.simulated_user(follow=follow)
    status, registered = api.register(user, a_form(**form))
    assert status == 200, registered
    return user, str(registered["member_no"])


def card_qr(api: MemberApi, user: str) -> str:
    """The token the member's card QR shows right now."""
    status, token = api.call("GET", "/liff/api/card/token", user)
    assert status == 200, token
    return str(token["token"])


def new_template(api: MemberApi, owner: str, **fields: Any) -> dict[str, Any]:
    body = {"title": f"クーポン{uuid.uuid4().hex[:6]}", "discount_text": "10%OFF", **fields}
    status, template = api.call("POST", "/liff/api/staff/coupon-templates", owner, body)
    assert status == 201, template
    return template


def give_coupon(api: MemberApi, owner: str, template_id: str, user: str) -> str:
    """Issue the template's coupon to the member; the coupon's id."""
    issue_id = uuid.uuid4().hex[:10]
    status, answer = api.call(
        "POST",
        f"/liff/api/staff/coupon-templates/{template_id}/issue",
        owner,
        {"user_id": user, "issue_id": issue_id},
    )
    assert (status, answer) == (200, {"issued": 1}), answer
    return f"{template_id}-{issue_id}"


def member_item(member_table: Any, user: str) -> dict[str, Any]:
    item: dict[str, Any] = member_table.get_item(Key=member_key(user), ConsistentRead=True)["Item"]
    return item


def visit(api: MemberApi, staff: str, user: str, visit_id: str | None = None) -> tuple[int, dict[str, Any]]:
    body = {"visit_id": visit_id or uuid.uuid4().hex, "store_id": None}
    return api.call("POST", f"/liff/api/staff/members/{user}/visits", staff, body)


def items_under(member_table: Any, user: str, prefix: str) -> list[dict[str, Any]]:
    """The user's items whose sort key starts with `prefix` (coupons, ledger entries, visits…)."""
    answer = member_table.query(
        KeyConditionExpression="pk = :pk AND begins_with(sk, :prefix)",
        ExpressionAttributeValues={":pk": f"USER#{user}", ":prefix": prefix},
        ConsistentRead=True,
    )
    items: list[dict[str, Any]] = answer["Items"]
    return items
