"""Two answers the staff console draws as they come: the poster code's QR (the console has no QR
library; the server draws it as it draws the card's) and the audit log's names of who did what."""

from __future__ import annotations

import uuid

import pytest

from daifuku.adapters.dynamodb.keys import staff_key
from daifuku.domain.barcode import qr_code_svg
from daifuku.models.shop import LiffApps
from tests.integration.member_api import shop_configured
from tests.integration.staff_api import new_template, registered_member

pytestmark = pytest.mark.slow


def poster_code(api, owner: str, template_id: str) -> dict:
    status, poster = api.call("GET", f"/liff/api/staff/coupon-templates/{template_id}/poster-code", owner)
    assert status == 200, poster
    return poster


def test_the_poster_code_comes_with_the_qr_of_its_claim_url(api, owner):
    template = new_template(api, owner)
    poster = poster_code(api, owner, template["template_id"])
    assert poster["claim_url"].endswith(f"?claim={poster['code']}")
    assert poster["qr_svg"].startswith("<svg") and poster["qr_svg"] == qr_code_svg(poster["claim_url"])


def test_without_a_card_liff_app_there_is_no_url_and_no_qr(api, owner, member_table):
    template = new_template(api, owner)
    with shop_configured(member_table, liff_apps=LiffApps()):
        poster = poster_code(api, owner, template["template_id"])
    assert (poster["claim_url"], poster["qr_svg"]) == (None, None)
    assert poster["code"].startswith("DP1.")


def test_the_audit_log_names_staff_by_their_line_name_where_the_shop_knows_it(api, owner, member_table):
    name = f"店長{uuid.uuid4().hex[:4]}"
    friendly_owner = api.simulated_user(name, follow=True)  # a friend of the shop: it has their name
    member_table.put_item(Item={**staff_key(friendly_owner), "role": "owner"})
    user, _ = registered_member(api)
    for actor in (friendly_owner, owner):
        body = {"delta": 1, "reason": "テスト", "entry_id": uuid.uuid4().hex}
        status, _ = api.call("POST", f"/liff/api/staff/members/{user}/points", actor, body)
        assert status == 200

    status, log = api.call("GET", "/liff/api/staff/audit?limit=2", owner)
    assert status == 200
    assert [(e["actor_user_id"], e["actor_display_name"]) for e in log["entries"]] == [
        (owner, None),  # not a friend of the shop: no name, the console shows the id
        (friendly_owner, name),
    ]
