"""An inflow route's QR opened by a new customer, in headless Chromium on a 360 px phone against the
local stack: the card LIFF app's bot prompt adds the shop as a friend, the entry is recorded with the
route, the entry's coupon is given once, and the route's figures count the open, the new friend and
the registration; the owner sees them on the #routes screen."""

from __future__ import annotations

import uuid

import pytest

from daifuku.adapters.dynamodb.keys import COUPON_SK_PREFIX, member_key
from tests.e2e.test_member_card_pages import card_shown, fill_registration
from tests.integration.staff_api import items_under, new_template

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000


def open_route_qr(page, local_stack, user: str, url: str) -> None:
    """What scanning the route's QR does in LINE: the card LIFF app (card.html) with ?route=<id>."""
    query = url.split("?", 1)[1]
    page.goto(f"{local_stack.urls.liff_site}/card.html?simUser={user}&{query}")


def todays_figures(api, owner: str, route_id: str) -> dict:
    status, answer = api.call("GET", f"/liff/api/staff/routes/{route_id}?days=7", owner)
    assert status == 200, answer
    return answer["days"][-1]


def test_a_new_customer_scans_a_route_qr_and_the_route_counts_them(
    local_stack, api, line, member_table, owner, phone_page, artifacts_dir
):
    # Given a route whose entry gives a coupon the first time
    template = new_template(api, owner, title=f"ポスター特典{uuid.uuid4().hex[:4]}")
    name = f"店頭ポスター{uuid.uuid4().hex[:4]}"
    body = {
        "name": name,
        "tag": "ポスター",
        "coupon_template_id": template["template_id"],
        "action_timing": "first_time",
    }
    status, route = api.call("POST", "/liff/api/staff/routes", owner, body)
    assert status == 201, route
    assert route["url"].startswith("https://liff.line.me/") and f"route={route['route_id']}" in route["url"]
    assert api.call("POST", "/liff/api/staff/routes", owner, {"name": name})[0] == 409  # names are unique

    # When a customer who is not a friend yet scans it, accepts the bot prompt and registers
    user = line.create_user("経路 太郎", accepts_bot_prompt=True)
    open_route_qr(phone_page, local_stack, user, route["url"])
    phone_page.get_by_label("お名前").wait_for(timeout=15 * SECONDS)
    fill_registration(phone_page, "経路 太郎")
    phone_page.get_by_role("button", name="登録する").click()
    card_shown(phone_page)
    # ...and later scans the same QR again
    open_route_qr(phone_page, local_stack, user, route["url"])
    card_shown(phone_page)
    assert "route=" not in phone_page.url  # a reload counts nothing more
    phone_page.screenshot(path=str(artifacts_dir / "route-card.png"), full_page=True)

    # Then they are a friend, the member keeps the route, and the coupon was given once
    assert line.user(user)["following"] is True
    member = member_table.get_item(Key=member_key(user))["Item"]
    assert member["first_route"] == member["latest_route"] == route["route_id"]
    assert member["tags"] == {"ポスター"}  # tagged once a member (a friend has no tags)
    held = items_under(member_table, user, COUPON_SK_PREFIX)
    coupons = [c for c in held if c["sk"].startswith("COUPON#route-")]
    assert len(coupons) == 1 and coupons[0]["title"] == template["title"]
    assert phone_page.locator(f'[data-coupon-id="{coupons[0]["sk"].removeprefix("COUPON#")}"]').count() == 1

    # And the route's figures for today count two opens, one new friend and one registration
    today = todays_figures(api, owner, route["route_id"])
    assert (today["opens"], today["new_friends"], today["registrations"]) == (2, 1, 1)

    # And the owner sees the route, its QR and its charts
    phone_page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={owner}#routes")
    phone_page.locator(f'[data-route-id="{route["route_id"]}"]').click()
    phone_page.locator("#route-detail .poster-qr svg").wait_for(timeout=15 * SECONDS)
    assert phone_page.locator('#route-detail [data-series="opens"] .chart-total').inner_text() == "2件"
    phone_page.screenshot(path=str(artifacts_dir / "staff-routes.png"), full_page=True)
