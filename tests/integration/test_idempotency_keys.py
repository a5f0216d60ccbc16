"""Retry keys through the local stack: the same request again answers the first result; the same key
with a different request is refused (409 idempotency_key_reused), never answered as if it matched."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.staff_api import member_item, new_template, registered_member

pytestmark = pytest.mark.slow
REUSED = (409, "idempotency_key_reused")


def test_an_exchange_id_reused_for_another_template_is_refused_and_spends_nothing(
    api, owner, clerk, member_table
):
    # Given a member with points who bought one coupon with an exchange id
    user, _ = registered_member(api, follow=False)
    first_template = new_template(api, owner, title="交換A", points_cost=10)
    other_template = new_template(api, owner, title="交換B", points_cost=10)
    body = {"delta": 50, "reason": "移行", "entry_id": uuid.uuid4().hex}
    assert api.call("POST", f"/liff/api/staff/members/{user}/points", clerk, body)[0] == 200
    exchange_id = uuid.uuid4().hex
    first = api.call(
        "POST",
        "/liff/api/points/exchange",
        user,
        {"template_id": first_template["template_id"], "exchange_id": exchange_id},
    )
    assert first[0] == 201

    # When the same exchange id comes with another template
    status, answer = api.call(
        "POST",
        "/liff/api/points/exchange",
        user,
        {"template_id": other_template["template_id"], "exchange_id": exchange_id},
    )

    # Then it is refused, no coupon the member does not hold is named, and no points move
    assert (status, answer["code"]) == REUSED
    assert "coupon_id" not in answer
    assert int(member_item(member_table, user)["points"]) == 40
    # and the same request again still answers the first result
    again = api.call(
        "POST",
        "/liff/api/points/exchange",
        user,
        {"template_id": first_template["template_id"], "exchange_id": exchange_id},
    )
    assert again == (200, first[1])


def test_a_visit_id_or_an_adjustment_id_reused_with_another_body_is_refused(api, clerk, member_table):
    user, _ = registered_member(api, follow=False)
    visit_id = uuid.uuid4().hex
    visits = f"/liff/api/staff/members/{user}/visits"
    assert api.call("POST", visits, clerk, {"visit_id": visit_id, "store_id": None})[0] == 201
    assert api.call("POST", visits, clerk, {"visit_id": visit_id, "store_id": None})[0] == 200
    status, answer = api.call("POST", visits, clerk, {"visit_id": visit_id, "store_id": "another-store"})
    assert (status, answer["code"]) == REUSED

    points = f"/liff/api/staff/members/{user}/points"
    before = int(member_item(member_table, user).get("points", 0))
    adjustment = {"delta": 30, "reason": "お詫び", "entry_id": uuid.uuid4().hex}
    assert api.call("POST", points, clerk, adjustment)[0] == 200
    assert api.call("POST", points, clerk, adjustment)[0] == 200
    status, answer = api.call("POST", points, clerk, adjustment | {"delta": 3000})
    assert (status, answer["code"]) == REUSED
    assert int(member_item(member_table, user)["points"]) == before + 30


def test_a_template_id_or_a_campaign_id_reused_for_another_one_is_refused(api, owner):
    template_id = f"t-{uuid.uuid4().hex[:8]}"
    body = {"template_id": template_id, "title": "初回", "discount_text": "10%OFF"}
    first = api.call("POST", "/liff/api/staff/coupon-templates", owner, body)
    assert first[0] == 201
    assert api.call("POST", "/liff/api/staff/coupon-templates", owner, body) == first
    status, answer = api.call("POST", "/liff/api/staff/coupon-templates", owner, body | {"title": "別物"})
    assert (status, answer["code"]) == REUSED

    campaign = {
        "campaign_id": f"c-{uuid.uuid4().hex[:8]}",
        "name": "冬の新作",
        "segment": {"tags_any": [f"t{uuid.uuid4().hex[:6]}"]},
        "messages": [{"type": "text", "text": "新作のご案内です。"}],
        "send_at": "2100-01-01T10:00:00+09:00",
    }
    created = api.call("POST", "/liff/api/staff/campaigns", owner, campaign)
    assert created[0] == 201, created
    assert api.call("POST", "/liff/api/staff/campaigns", owner, campaign)[0] == 201
    status, answer = api.call(
        "POST",
        "/liff/api/staff/campaigns",
        owner,
        campaign | {"messages": [{"type": "text", "text": "別の文面"}]},
    )
    assert (status, answer["code"]) == REUSED


def test_an_issue_id_reused_for_another_template_or_member_is_refused_and_gives_nothing(api, owner):
    # Given an owner who gave one member a coupon with an issue id
    first_member, _ = registered_member(api, follow=False)
    other_member, _ = registered_member(api, follow=False)
    template = new_template(api, owner, title="発行A")
    other_template = new_template(api, owner, title="発行B")
    issue_id = uuid.uuid4().hex[:12]
    body = {"user_id": first_member, "issue_id": issue_id}
    issue = f"/liff/api/staff/coupon-templates/{template['template_id']}/issue"
    first = api.call("POST", issue, owner, body)
    assert first == (200, {"issued": 1})

    # When the same issue id comes for another template, another member or a segment
    reused = [
        api.call(
            "POST", f"/liff/api/staff/coupon-templates/{other_template['template_id']}/issue", owner, body
        ),
        api.call("POST", issue, owner, body | {"user_id": other_member}),
        api.call("POST", issue, owner, {"segment": {"tags_any": ["vip"]}, "issue_id": issue_id}),
    ]

    # Then each is refused and nobody gets another coupon
    assert [(status, answer["code"]) for status, answer in reused] == [REUSED] * 3
    titles = {"発行A", "発行B"}
    held = {
        user: [c["title"] for c in api.open_card(user)[1]["coupons"] if c["title"] in titles]
        for user in (first_member, other_member)
    }
    assert held == {first_member: ["発行A"], other_member: []}
    # and the same request again answers the first result
    assert api.call("POST", issue, owner, body) == first
