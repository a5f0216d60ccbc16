"""The staff console's API through the local stack: who may call what, the counter, points, coupons,
the expiry reminder, the poster code, member management, the audit log and the dashboard."""

from __future__ import annotations

import json
import random
import re
import threading
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from boto3.dynamodb.conditions import Attr, Key

from daifuku.domain.poster_codes import issue_poster_code, poster_signing_key
from daifuku.models.shop import PointsRule, Rank
from daifuku_local.aws_resources import LocalChannel
from functions.liff_api.handler import resolver
from functions.liff_api.staff_routes import STAFF_PREFIX, STAFF_ROUTES
from tests.integration.campaign_api import make_staff, wait_until_finished
from tests.integration.member_api import a_form, shop_configured
from tests.integration.pos_api import new_key
from tests.integration.scenario_api import scenario_calls
from tests.integration.staff_api import (
    card_qr,
    give_coupon,
    member_item,
    new_template,
    registered_member,
    visit,
)

pytestmark = pytest.mark.slow

SOME_USER = "U" + "0" * 32


def shop_today():
    return datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).date()


def staff_routes() -> list[tuple[str, str]]:
    """(method, path) of every /liff/api/staff route the resolver serves, from its route table."""
    staff = resolver("staff")
    routes = [(route.method, route.path) for route in staff._static_routes + staff._dynamic_routes]
    return sorted(route for route in routes if route[1].startswith(f"{STAFF_PREFIX}/"))


def concrete(path: str, **values: str) -> str:
    """The path with its <parameters> filled in."""
    user_ids = {"user_id", "staff_user_id"}  # a LINE user id (the boundary checks its shape first)
    shaped = {"route_id": "other"}  # an inflow route: made ids or 「その他」

    def value(name: str) -> str:
        return values.get(name, SOME_USER if name in user_ids else shaped.get(name, "x"))

    return re.sub(r"<(\w+)>", lambda m: value(m.group(1)), path)


def audit_entries(api, owner: str, limit: int = 50) -> list[dict[str, Any]]:
    status, answer = api.call("GET", f"/liff/api/staff/audit?limit={limit}", owner)
    assert status == 200, answer
    return list(answer["entries"])


# Who may call what


def test_every_staff_route_is_declared_with_its_policy():
    # Given the resolver's route table, when the staff routes are listed,
    # then each went through staff_route (the role check) and there are all the console's routes
    routes = staff_routes()
    assert len(routes) >= 24
    assert set(routes) == set(STAFF_ROUTES), set(routes) ^ set(STAFF_ROUTES)


def test_a_signed_in_customer_gets_403_not_staff_on_every_staff_route(api):
    customer = api.simulated_user()
    answers = {
        (method, path): api.call(method, concrete(path), customer, {}) for method, path in staff_routes()
    }
    refused = {route: (status, body.get("code")) for route, (status, body) in answers.items()}
    assert refused == dict.fromkeys(staff_routes(), (403, "not_staff"))


def test_without_a_token_every_staff_route_is_401(api):
    answers = {route: api.call(route[0], concrete(route[1]), body={})[0] for route in staff_routes()}
    assert answers == dict.fromkeys(staff_routes(), 401)


def test_staff_who_are_not_owners_get_403_not_owner_on_each_owner_only_route(api, clerk, member_table):
    owner_only = [route for route, policy in STAFF_ROUTES.items() if policy.owner_only]
    assert {"/liff/api/staff/flags/bulk", "/liff/api/staff/audit", "/liff/api/staff/campaigns"} <= {
        path for _, path in owner_only
    }
    before = len(member_table.query(KeyConditionExpression=Key("pk").eq("AUDIT"))["Items"])
    answers = {route: api.call(route[0], concrete(route[1]), clerk, {}) for route in owner_only}
    assert {route: (s, b.get("code")) for route, (s, b) in answers.items()} == dict.fromkeys(
        owner_only, (403, "not_owner")
    )
    assert len(member_table.query(KeyConditionExpression=Key("pk").eq("AUDIT"))["Items"]) == before


def test_me_tells_the_console_the_callers_role(api, owner, clerk):
    assert api.call("GET", "/liff/api/staff/me", owner)[1]["role"] == "owner"
    status, me = api.call("GET", "/liff/api/staff/me", clerk)
    assert status == 200 and me["role"] == "staff" and me["user_id"] == clerk and me["shop_name"]


# The counter


def test_scan_opens_the_member_and_a_visit_adds_points_once_per_visit_id(api, clerk, member_table):
    user, member_no = registered_member(api)
    with shop_configured(member_table, points_rule=PointsRule(points_per_visit=10)):
        status, scanned = api.call("POST", "/liff/api/staff/scan", clerk, {"token": card_qr(api, user)})
        assert status == 200 and scanned["valid"] is True, scanned
        member = scanned["member"]
        assert (member["user_id"], member["member_no"], member["points"], member["visits"]) == (
            user,
            member_no,
            0,
            [],
        )
        status, detail = api.call("GET", f"/liff/api/staff/members/{user}", clerk)
        assert status == 200 and detail["name"] == member["name"]

        visit_id = uuid.uuid4().hex
        first = visit(api, clerk, user, visit_id)
        again = visit(api, clerk, user, visit_id)

    assert first[0] == 201 and (first[1]["points_added"], first[1]["points"]) == (10, 10)
    assert again[0] == 200 and (again[1]["points_added"], again[1]["points"]) == (10, 10)
    status, detail = api.call("GET", f"/liff/api/staff/members/by-number/{member_no}", clerk)
    assert status == 200 and detail["points"] == 10
    assert [v["visit_id"] for v in detail["visits"]] == [visit_id]
    assert detail["last_visit_on"] == shop_today().isoformat()
    assert member_item(member_table, user)["last_visit_on"] == shop_today().isoformat()


def test_a_forged_or_malformed_card_is_refused_with_the_reason(api, clerk):
    user, _ = registered_member(api, follow=False)
    token = card_qr(api, user)
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    assert api.call("POST", "/liff/api/staff/scan", clerk, {"token": forged})[1] == {
        "valid": False,
        "reason": "forged",
    }
    assert api.call("POST", "/liff/api/staff/scan", clerk, {"token": "hello"})[1] == {
        "valid": False,
        "reason": "malformed",
    }
    assert api.call("POST", "/liff/api/staff/scan", clerk, {})[0] == 422
    status, unknown = api.call("GET", "/liff/api/staff/members/by-number/999999999", clerk)
    assert (status, unknown["code"]) == (404, "not_a_member")


def test_two_staff_redeeming_one_coupon_at_once_give_one_redemption(api, owner, clerk):
    user, _ = registered_member(api, follow=False)
    template = new_template(api, owner, title="同時利用テスト", valid_days=10)
    coupon_id = give_coupon(api, owner, template["template_id"], user)
    detail = api.call("GET", f"/liff/api/staff/members/{user}", clerk)[1]
    assert [c["coupon_id"] for c in detail["coupons"]] == [coupon_id]

    path = f"/liff/api/staff/members/{user}/coupons/{coupon_id}/redeem"
    start = threading.Barrier(2)

    def tap(staff: str) -> tuple[int, dict[str, Any]]:
        start.wait()
        return api.call("POST", path, staff)

    with ThreadPoolExecutor(max_workers=2) as pool:
        answers = list(pool.map(tap, [owner, clerk]))

    assert sorted(status for status, _ in answers) == [200, 409]
    assert [body["code"] for status, body in answers if status == 409] == ["coupon_already_used"]
    assert api.call("POST", path, clerk) == (409, api.call("POST", path, owner)[1])
    assert api.call("GET", f"/liff/api/staff/members/{user}", clerk)[1]["coupons"] == []
    card = api.open_card(user)[1]
    assert [(c["coupon_id"], c["used"]) for c in card["coupons"]] == [(coupon_id, True)]


# Points: a ledger, ranks


def test_concurrent_visits_and_adjustments_give_the_exact_total_and_one_rank_up_message(
    api, owner, clerk, member_table, line
):
    user, _ = registered_member(api)
    visit_ids = [uuid.uuid4().hex for _ in range(8)]
    adjustments = [{"delta": 5, "reason": "キャンペーン加算", "entry_id": uuid.uuid4().hex} for _ in range(4)]
    ranks = (Rank(name="レギュラー", min_points=0), Rank(name="シルバー", min_points=50))
    message = "{name}さま、{rank}会員になりました!"

    def call(n: int) -> tuple[int, dict[str, Any]]:
        staff = owner if n % 2 else clerk
        if n < 16:  # every visit twice: the repeats add nothing
            return visit(api, staff, user, visit_ids[n % 8])
        return api.call("POST", f"/liff/api/staff/members/{user}/points", staff, adjustments[n % 4])

    with (
        shop_configured(
            member_table, points_rule=PointsRule(points_per_visit=10), ranks=ranks, rank_up_message=message
        ),
        ThreadPoolExecutor(max_workers=12) as pool,
    ):
        answers = list(pool.map(call, range(24)))

    assert all(status in (200, 201) for status, _ in answers), answers
    assert [status for status, _ in answers[:16]].count(201) == 8
    item = member_item(member_table, user)
    entries = member_table.query(
        KeyConditionExpression=Key("pk").eq(f"USER#{user}") & Key("sk").begins_with("POINTS#"),
        ConsistentRead=True,
    )["Items"]
    assert (int(item["points"]), item["rank"]) == (100, "シルバー")
    assert (len(entries), sum(int(e["delta"]) for e in entries)) == (12, 100)
    rank_ups = [m for m in line.received(user) if "シルバー会員になりました" in m.get("text", "")]
    assert len(rank_ups) == 1


def test_a_deduction_below_zero_is_refused_and_changes_nothing(api, clerk, member_table):
    user, _ = registered_member(api, follow=False)
    body = {"delta": -5, "reason": "訂正", "entry_id": uuid.uuid4().hex}
    status, answer = api.call("POST", f"/liff/api/staff/members/{user}/points", clerk, body)
    assert (status, answer["code"]) == (409, "not_enough_points")
    assert int(member_item(member_table, user).get("points", 0)) == 0
    assert api.call("POST", f"/liff/api/staff/members/{user}/points", clerk, {**body, "delta": 0})[0] == 422


def test_points_buy_a_coupon_once_per_exchange_id(api, owner, clerk, member_table):
    user, _ = registered_member(api, follow=False)
    template = new_template(api, owner, title="ポイント交換クーポン", points_cost=30, valid_days=20)
    exchange = {"template_id": template["template_id"], "exchange_id": uuid.uuid4().hex}
    status, short = api.call("POST", "/liff/api/points/exchange", user, exchange)
    assert (status, short["code"]) == (409, "not_enough_points")

    status, offer = api.call("GET", "/liff/api/points/exchange", user)
    assert status == 200 and offer["points"] == 0
    assert template["template_id"] in [t["template_id"] for t in offer["templates"]]
    assert all(t["points_cost"] for t in offer["templates"])

    body = {"delta": 40, "reason": "移行", "entry_id": uuid.uuid4().hex}
    assert api.call("POST", f"/liff/api/staff/members/{user}/points", clerk, body)[0] == 200
    first = api.call("POST", "/liff/api/points/exchange", user, exchange)
    again = api.call("POST", "/liff/api/points/exchange", user, exchange)

    assert first[0] == 201 and first[1]["title"] == "ポイント交換クーポン"
    assert again == (200, first[1])
    assert int(member_item(member_table, user)["points"]) == 10
    coupons = api.call("GET", f"/liff/api/staff/members/{user}", clerk)[1]["coupons"]
    assert [c["coupon_id"] for c in coupons] == [first[1]["coupon_id"]]


# Coupons: the counter poster's code


def test_the_poster_code_gives_each_member_its_coupon_once_and_refuses_forged_or_old_codes(api, owner):
    template = new_template(api, owner, title="ポスター限定クーポン", valid_days=7)
    status, poster = api.call(
        "GET", f"/liff/api/staff/coupon-templates/{template['template_id']}/poster-code", owner
    )
    assert status == 200 and poster["valid_on"] == shop_today().isoformat(), poster
    assert poster["claim_url"].endswith(poster["code"])
    user, _ = registered_member(api, follow=False)

    claimed = api.call("POST", "/liff/api/coupons/claim", user, {"code": poster["code"]})
    twice = api.call("POST", "/liff/api/coupons/claim", user, {"code": poster["code"]})
    key = poster_signing_key(LocalChannel().channel_secret)
    yesterday = issue_poster_code(template["template_id"], shop_today() - timedelta(days=1), key)
    forged = poster["code"][:-3] + ("AAA" if not poster["code"].endswith("AAA") else "BBB")
    other_shop = issue_poster_code(template["template_id"], shop_today(), b"another deployment's key")

    a_week_poster = issue_poster_code(
        template["template_id"], shop_today(), key, shop_today() + timedelta(days=6)
    )
    another_poster = api.call("POST", "/liff/api/coupons/claim", user, {"code": a_week_poster})
    assert claimed[0] == 201 and claimed[1]["title"] == "ポスター限定クーポン"
    # the same code again is a retry (the first answer); another poster of the coupon is refused
    assert twice == (200, claimed[1])
    assert (another_poster[0], another_poster[1]["code"]) == (409, "coupon_already_claimed")
    for code, reason in (
        (yesterday, "expired"),
        (forged, "forged"),
        (other_shop, "forged"),
        ("DP1.x", "malformed"),
    ):
        status, refused = api.call("POST", "/liff/api/coupons/claim", user, {"code": code})
        assert (status, refused["code"], refused["reason"]) == (422, "invalid_claim_code", reason)
    card = api.open_card(user)[1]
    assert [c["title"] for c in card["coupons"]].count("ポスター限定クーポン") == 1


# Coupons: the expiry reminder


def fire_daily_run(api_url: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{api_url}/_local/schedules/birth-month-catch-up/fire", data=b"", method="POST"
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        result: dict[str, Any] = json.loads(response.read())
        return result


def test_coupons_expiring_in_3_days_remind_their_unused_holders_once(api, owner, clerk, line):
    title = f"期限テスト{uuid.uuid4().hex[:6]}"
    expiring = new_template(api, owner, title=title, valid_days=3)
    later = new_template(api, owner, title=f"{title}-later", valid_days=5)
    unused_a, unused_b, used, later_holder = (registered_member(api)[0] for _ in range(4))
    for user in (unused_a, unused_b, used):
        coupon_id = give_coupon(api, owner, expiring["template_id"], user)
    assert api.call("POST", f"/liff/api/staff/members/{used}/coupons/{coupon_id}/redeem", clerk)[0] == 200
    give_coupon(api, owner, later["template_id"], later_holder)

    first = fire_daily_run(api.api_url)
    ours = [r for r in first["coupon_reminders"] if r["recipients"] == 2]
    assert len(ours) == 1, first
    wait_until_finished(api, owner, ours[0]["campaign_id"])
    second = fire_daily_run(api.api_url)

    def reminders(user: str) -> int:
        return sum(1 for m in line.received(user) if title in m.get("text", ""))

    assert [reminders(u) for u in (unused_a, unused_b, used, later_holder)] == [1, 1, 0, 0]
    assert ours[0]["campaign_id"] not in [r["campaign_id"] for r in second["coupon_reminders"]]
    assert [reminders(u) for u in (unused_a, unused_b)] == [1, 1]


# Member management


def test_search_by_number_name_phone_and_tag(api, clerk):
    kana = "ケンサク" + "".join(random.choice("アイウエオカキクケコサシスセソ") for _ in range(6))
    user, member_no = registered_member(api, follow=False, name_kana=kana, phone="090-1111-7315")
    tag = f"常連{uuid.uuid4().hex[:4]}"
    status, tagged = api.call("PUT", f"/liff/api/staff/members/{user}/tags", clerk, {"tags": [tag, "VIP"]})
    assert status == 200 and tagged["tags"] == sorted([tag, "VIP"])

    def found(q: str) -> list[str]:
        status, answer = api.call("GET", f"/liff/api/staff/members?q={urllib.request.quote(q)}", clerk)
        assert status == 200, answer
        return [m["user_id"] for m in answer["members"]]

    assert found(member_no) == [user]
    assert user in found(kana[2:])
    assert user in found("7315")
    assert found(f"#{tag}") == [user]
    status, untagged = api.call("PUT", f"/liff/api/staff/members/{user}/tags", clerk, {"tags": ["VIP"]})
    assert untagged["tags"] == ["VIP"] and found(f"#{tag}") == []
    assert api.call("PUT", f"/liff/api/staff/members/{user}/tags", clerk, {"tags": ["a b"]})[0] == 422


def test_memos_and_flags_with_reasons(api, owner, clerk, member_table):
    user, _ = registered_member(api, follow=False)
    status, memo = api.call(
        "POST", f"/liff/api/staff/members/{user}/memos", clerk, {"kind": "call", "text": "予約の変更のお電話"}
    )
    assert status == 201 and memo["kind"] == "call" and memo["by"] == clerk
    no_reason = {"do_not_send": True, "do_not_send_reason": None, "complaint_hold": False}
    status, refused = api.call("PUT", f"/liff/api/staff/members/{user}/flags", clerk, no_reason)
    assert (status, refused["code"]) == (422, "invalid_fields")
    assert member_item(member_table, user).get("do_not_send") is not True

    flags = {**no_reason, "do_not_send_reason": "ご本人のご希望"}
    status, detail = api.call("PUT", f"/liff/api/staff/members/{user}/flags", clerk, flags)
    assert status == 200 and (detail["do_not_send"], detail["do_not_send_reason"]) == (True, "ご本人のご希望")
    assert [m["text"] for m in detail["memos"]] == ["予約の変更のお電話"]

    bulk = {"user_ids": [user, SOME_USER], "flag": "complaint_hold", "on": True, "reason": "対応中"}
    assert api.call("POST", "/liff/api/staff/flags/bulk", owner, bulk) == (200, {"updated": 1})
    item = member_item(member_table, user)
    assert (item["complaint_hold"], item["complaint_hold_reason"]) == (True, "対応中")


# The audit log


def test_every_mutating_staff_route_writes_one_audit_entry(api, owner, member_table):
    user, _ = registered_member(api, follow=False)
    template = new_template(api, owner, valid_days=30)
    coupon_id = give_coupon(api, owner, template["template_id"], user)
    tag = f"監査{uuid.uuid4().hex[:4]}"
    campaign_body = {
        "name": "監査テスト",
        "segment": {"tags_any": [tag]},
        "messages": [{"type": "text", "text": "x"}],
    }
    campaign_id = f"c-audit-{uuid.uuid4().hex[:8]}"
    promoted, removed = make_staff(member_table, api, "staff"), make_staff(member_table, api, "staff")
    revoked_key_id = new_key(api, owner, ["members:read"])["key_id"]
    # An endpoint to remove, on a port nothing listens on (its events fail fast until it is removed)
    endpoint_body = {"name": "監査用", "url": "https://127.0.0.1:9/hook", "events": ["member.deleted"]}
    endpoint = api.call("POST", "/liff/api/staff/connect/endpoints", owner, endpoint_body)[1]
    talker = api.simulated_user(follow=True)
    api.line.send_text(talker, "監査のためのメッセージ")
    audit_rule = {"name": "監査", "match": "exact", "keywords": [tag], "answer": "text", "text": "x"}
    assert api.call("PUT", "/liff/api/staff/auto-replies/audit", owner, audit_rule)[0] == 200
    valid_calls: dict[tuple[str, str], tuple[dict[str, str], Any]] = {
        ("POST", "/liff/api/staff/team/invitations"): ({}, {"role": "staff"}),
        ("PUT", "/liff/api/staff/team/<staff_user_id>/role"): (
            {"staff_user_id": promoted},
            {"role": "owner"},
        ),
        ("DELETE", "/liff/api/staff/team/<staff_user_id>"): ({"staff_user_id": removed}, None),
        ("POST", "/liff/api/staff/members/<user_id>/visits"): ({}, {"visit_id": uuid.uuid4().hex}),
        ("POST", "/liff/api/staff/members/<user_id>/coupons/<coupon_id>/redeem"): (
            {"coupon_id": coupon_id},
            None,
        ),
        ("POST", "/liff/api/staff/members/<user_id>/points"): (
            {},
            {"delta": 3, "reason": "r", "entry_id": "e1"},
        ),
        ("PUT", "/liff/api/staff/members/<user_id>/tags"): ({}, {"tags": [tag]}),
        ("POST", "/liff/api/staff/members/<user_id>/memos"): ({}, {"kind": "visit", "text": "来店時のメモ"}),
        ("PUT", "/liff/api/staff/members/<user_id>/flags"): (
            {},
            {"do_not_send": False, "complaint_hold": False},
        ),
        ("POST", "/liff/api/staff/flags/bulk"): (
            {},
            {"user_ids": [user], "flag": "do_not_send", "on": False},
        ),
        ("POST", "/liff/api/staff/coupon-templates"): ({}, {"title": "監査用"}),
        ("POST", "/liff/api/staff/coupon-templates/<template_id>/issue"): (
            {"template_id": template["template_id"]},
            {"user_id": user},
        ),
        ("POST", "/liff/api/staff/campaigns"): ({}, campaign_body | {"campaign_id": campaign_id}),
        ("POST", "/liff/api/staff/campaigns/<campaign_id>/cancel"): ({"campaign_id": campaign_id}, None),
        ("PUT", "/liff/api/staff/settings/<section>"): (
            {"section": "poster"},
            {"poster_code_validity": "day"},
        ),
        ("POST", "/liff/api/staff/rich-menus/refresh"): ({}, None),
        # The member menu in the standard menu's own layout and actions: published as it was.
        ("PUT", "/liff/api/staff/rich-menus/<menu_kind>"): (
            {"menu_kind": "member"},
            {"template": "compact_3", "areas": [{"action": a} for a in ("card", "coupons", "shop_info")]},
        ),
        ("DELETE", "/liff/api/staff/rich-menus/<menu_kind>"): ({"menu_kind": "member"}, None),
        ("POST", "/liff/api/staff/api-keys"): ({}, {"name": "監査レジ", "scopes": ["members:read"]}),
        ("POST", "/liff/api/staff/api-keys/<key_id>/revoke"): ({"key_id": revoked_key_id}, None),
        ("PUT", "/liff/api/staff/connect/forwarding"): ({}, {"url": None, "silent": False}),
        ("POST", "/liff/api/staff/connect/endpoints"): ({}, endpoint_body),
        ("DELETE", "/liff/api/staff/connect/endpoints/<endpoint_id>"): (
            {"endpoint_id": endpoint["endpoint_id"]},
            None,
        ),
        **scenario_calls(f"s-audit-{uuid.uuid4().hex[:8]}", tag),
        # Conversations (a customer who wrote; a rule that exists, so that deleting it is audited)
        ("POST", "/liff/api/staff/conversations/<user_id>/replies"): (
            {"user_id": talker},
            {"reply_id": "audit", "text": "ご連絡ありがとうございます。"},
        ),
        ("POST", "/liff/api/staff/conversations/<user_id>/handled"): ({"user_id": talker}, None),
        ("PUT", "/liff/api/staff/saved-replies/<saved_reply_id>"): (
            {"saved_reply_id": "audit"},
            {"title": "お礼", "text": "ありがとうございました。"},
        ),
        ("DELETE", "/liff/api/staff/saved-replies/<saved_reply_id>"): ({"saved_reply_id": "audit"}, None),
        ("PUT", "/liff/api/staff/conversation-alerts"): ({}, {"new_message_alerts": False}),
        ("PUT", "/liff/api/staff/auto-replies/<rule_id>"): ({"rule_id": "audit"}, audit_rule),
        ("DELETE", "/liff/api/staff/auto-replies/<rule_id>"): ({"rule_id": "audit"}, None),
        ("PUT", "/liff/api/staff/auto-reply-settings"): ({}, {}),
        ("POST", "/liff/api/staff/routes"): ({}, {"name": f"監査用経路{uuid.uuid4().hex[:6]}"}),
    }
    mutating = sorted(route for route, policy in STAFF_ROUTES.items() if policy.mutating)
    assert sorted(valid_calls) == mutating, "a mutating route without a test call here"

    for method, path in mutating:
        values, body = valid_calls[(method, path)]
        before = {(e["at"], e["action"]) for e in audit_entries(api, owner, 200)}
        status, answer = api.call(method, concrete(path, **({"user_id": user} | values)), owner, body)
        assert status in (200, 201, 202), (path, answer)
        new = [e for e in audit_entries(api, owner, 200) if (e["at"], e["action"]) not in before]
        assert len(new) == 1, (path, new)
        assert new[0]["actor_user_id"] == owner
        assert new[0]["target_user_id"] in (user, None, values.get("staff_user_id"), values.get("user_id"))
    texts = json.dumps(audit_entries(api, owner, 200), ensure_ascii=False)
    assert "来店時のメモ" not in texts
    for left in api.call("GET", "/liff/api/staff/connect", owner)[1]["endpoints"]:
        api.call("DELETE", f"/liff/api/staff/connect/endpoints/{left['endpoint_id']}", owner)


# The dashboard


def test_the_dashboard_counts_friends_blocks_and_registrations_of_the_day(api, clerk, line):
    def today_counts() -> tuple[dict[str, Any], dict[str, Any]]:
        status, board = api.call("GET", "/liff/api/staff/dashboard?days=7", clerk)
        assert status == 200, board
        assert len(board["days"]) == 7 and board["days"][-1]["date"] == shop_today().isoformat()
        return board["days"][-1], board

    before, _ = today_counts()
    friend = line.create_user("ダッシュボード", follow=True)
    line.block(friend)
    member, _ = registered_member(api)
    assert api.register(member, a_form())[0] == 200  # registering again counts nothing more
    after, board = today_counts()

    assert after["friends_added"] - before["friends_added"] == 2
    assert after["blocks"] - before["blocks"] == 1
    assert after["registrations"] - before["registrations"] == 1
    assert board["quota"] is not None and board["quota"]["used"] >= 0
    assert isinstance(board["birthdays_this_month"], int) and board["totals"]["members"] >= 1
    assert api.call("GET", "/liff/api/staff/dashboard?days=0", clerk)[0] == 422

    assert api.delete_my_data(member)[0] == 200
    assert api.delete_my_data(member)[0] == 200  # deleting twice is one member fewer
    _, after_deletion = today_counts()
    assert after_deletion["totals"]["members"] == board["totals"]["members"] - 1


def test_without_running_totals_the_dashboard_counts_them_from_the_members(api, clerk, member_table):
    # Given a shop that ran before the dashboard kept totals
    member_table.delete_item(Key={"pk": "STATS", "sk": "TOTALS"})
    # When the dashboard is opened
    status, board = api.call("GET", "/liff/api/staff/dashboard?days=1", clerk)
    # Then the totals are counted from the member items, and kept from then on
    registered = blocked = 0
    scan: dict[str, Any] = {"FilterExpression": Attr("sk").eq("MEMBER")}
    while True:
        page = member_table.scan(**scan)
        registered += sum(item.get("status") == "registered" for item in page["Items"])
        blocked += sum(bool(item.get("blocked")) for item in page["Items"])
        if "LastEvaluatedKey" not in page:
            break
        scan["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    assert status == 200 and (board["totals"]["members"], board["totals"]["blocked"]) == (registered, blocked)
    assert member_table.get_item(Key={"pk": "STATS", "sk": "TOTALS"})["Item"]["members"] == registered
