"""A campaign's funnel through the local stack: its visit and coupon figures are the visits and
redemptions recorded after the send (a member visiting twice counts once)."""

from __future__ import annotations

import uuid

import pytest

from tests.integration.campaign_api import compose, fire_due_campaigns, tag_members, wait_until_finished
from tests.integration.member_api import a_form
from tests.integration.staff_api import visit

pytestmark = pytest.mark.slow


def test_the_funnel_counts_the_visits_and_coupon_uses_after_the_send(line, member_table, api, owner, clerk):
    # Given three members who received a campaign with a coupon (one visited before it)
    members = [line.create_user(f"ファネル{n}", follow=True) for n in range(3)]
    for user in members:
        assert api.register(user, a_form())[0] == 200
    assert visit(api, clerk, members[2])[0] == 201  # before the send: not the campaign's
    tag = f"ファネル-{uuid.uuid4().hex[:6]}"
    tag_members(member_table, members, tag)
    coupon = {"title": "ファネル特典", "valid_days": 7}
    campaign_id = compose(api, owner, {"tags_any": [tag]}, "ご来店をお待ちしています", coupon=coupon)
    fire_due_campaigns(api.api_url)
    assert wait_until_finished(api, owner, campaign_id)["sent"] == 3

    # When two of them visit after it (one twice), and one uses the campaign's coupon (tapped twice)
    assert visit(api, clerk, members[0])[0] == 201
    assert visit(api, clerk, members[0])[0] == 201
    assert visit(api, clerk, members[1])[0] == 201
    redeem = f"/liff/api/staff/members/{members[1]}/coupons/campaign-{campaign_id}/redeem"
    assert api.call("POST", redeem, clerk)[0] == 200
    assert api.call("POST", redeem, clerk)[0] == 409

    # Then the funnel says so
    status, funnel = api.call("GET", f"/liff/api/staff/campaigns/{campaign_id}/funnel", clerk)
    assert status == 200, funnel
    assert (
        funnel["planned"],
        funnel["delivered"],
        funnel["visited_within_7_days"],
        funnel["coupon_used"],
    ) == (
        3,
        3,
        2,
        1,
    )
    assert funnel["clicked"] is None  # no tracked links
    assert funnel["blocked_within_7_days"] == 0
    assert api.call("GET", "/liff/api/staff/campaigns/nope/funnel", clerk)[0] == 404
