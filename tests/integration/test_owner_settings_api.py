"""The owner's 設定 through the HTTP API of the local stack: each section read and saved on its own,
bad settings refused with the field and a code, an audit entry per save, and what the customer
then gets (the registration-complete message, the new points rule at the counter, a poster valid
for a week)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.keys import SHOP_KEY
from daifuku.models.shop_settings import FormSection, MessagesSection, PointsSection, ShopSection
from tests.integration.member_api import a_form, unique
from tests.integration.staff_api import member_item, new_template, registered_member
from tests.unit.request_examples import EXAMPLES

pytestmark = pytest.mark.slow

SETTINGS = "/liff/api/staff/settings"


@pytest.fixture
def restored_shop(member_table) -> Iterator[None]:
    """The shop's configuration item put back as it was."""
    before = member_table.get_item(Key=SHOP_KEY, ConsistentRead=True).get("Item")
    yield
    if before is not None:
        member_table.put_item(Item=before)


def settings(api, owner: str) -> dict[str, Any]:
    status, answer = api.call("GET", SETTINGS, owner)
    assert status == 200, answer
    return answer


def put(api, owner: str, section: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    return api.call("PUT", f"{SETTINGS}/{section}", owner, body)


def audit_actions(member_table) -> list[str]:
    items = member_table.query(KeyConditionExpression=Key("pk").eq("AUDIT"), ConsistentRead=True)["Items"]
    return [item["action"] for item in items]


def test_each_section_round_trips_and_each_save_is_audited(api, owner, member_table, restored_shop):
    # Given the settings as the console reads them
    current = settings(api, owner)
    assert set(current) >= {"shop", "points", "messages", "form", "poster", "alerts"}
    before = audit_actions(member_table)
    # When the owner saves each section as read (the console sends back what it showed)
    for section in ("shop", "points", "messages", "form", "poster", "alerts"):
        status, answer = put(api, owner, section, current[section])
        assert status == 200, (section, answer)
    # Then nothing changed, and each save wrote one audit entry naming its section
    after = settings(api, owner)
    assert {k: after[k] for k in current if k != "member_number_format_locked"} == {
        k: current[k] for k in current if k != "member_number_format_locked"
    }
    # (the entries added, wherever they sort: a test that moved the clock may have dated others later)
    new = Counter(audit_actions(member_table)) - Counter(before)
    assert new == Counter(f"settings.{s}" for s in ("shop", "points", "messages", "form", "poster", "alerts"))


def test_a_saved_section_changes_only_itself_and_is_read_back(api, owner, restored_shop):
    body = EXAMPLES[ShopSection] | {"stores": [*settings(api, owner)["shop"]["stores"], {"name": "新宿店"}]}
    status, answer = put(api, owner, "shop", body)
    assert status == 200, answer
    assert (answer["shop"]["shop_name"], answer["shop"]["theme_color"]) == ("和菓子 大福堂", "#8a2be2")
    assert answer["shop"]["stores"][-1]["name"] == "新宿店" and answer["shop"]["stores"][-1]["id"]
    status, me = api.call("GET", "/liff/api/staff/me", owner)
    assert (me["shop_name"], me["theme_color"]) == ("和菓子 大福堂", "#8a2be2")


@pytest.mark.parametrize(
    ("section", "body", "field", "code"),
    [
        ("shop", EXAMPLES[ShopSection] | {"shop_name": ""}, "shop_name", "too_short"),
        ("shop", EXAMPLES[ShopSection] | {"theme_color": "green"}, "theme_color", "invalid_colour"),
        (
            "points",
            EXAMPLES[PointsSection]
            | {"ranks": [{"name": "A", "min_points": 0}, {"name": "B", "min_points": 0}]},
            "ranks.1.min_points",
            "not_ascending",
        ),
        ("messages", EXAMPLES[MessagesSection] | {"new_friend": "あ" * 5001}, "new_friend", "too_long"),
        ("messages", EXAMPLES[MessagesSection] | {"birthday": "{nmae}"}, "birthday", "unknown_placeholder"),
        (
            "form",
            EXAMPLES[FormSection] | {"name": "off", "phone": "off", "email": "off"},
            "name",
            "no_identifying_field",
        ),
    ],
    ids=["empty name", "bad colour", "thresholds", "too long", "placeholder", "identifying off"],
)
def test_bad_settings_are_refused_with_the_field_and_nothing_changes(
    api, owner, member_table, section, body, field, code
):
    before = settings(api, owner)
    audits = len(audit_actions(member_table))
    status, answer = put(api, owner, section, body)
    assert status == 422 and answer["code"] == "invalid_fields", answer
    assert {"field": field, "code": code} in answer["errors"]
    assert settings(api, owner) == before and len(audit_actions(member_table)) == audits


def test_the_number_format_is_locked_once_a_number_is_issued_and_unknown_sections_are_404(api, owner):
    registered_member(api)  # at least one number is out
    form = settings(api, owner)["form"]
    assert settings(api, owner)["member_number_format_locked"] is True
    changed = form | {"member_number_format": form["member_number_format"] | {"prefix": "ZZ"}}
    status, answer = put(api, owner, "form", changed)
    assert (status, answer["code"]) == (409, "member_number_format_locked")
    assert put(api, owner, "colours", {})[0] == 404


def test_registering_sends_the_registration_complete_message_once(api, owner, line, restored_shop):
    messages = settings(api, owner)["messages"] | {
        "registration_complete": "{name}さま、会員番号{member_no}で登録しました。"
    }
    assert put(api, owner, "messages", messages)[0] == 200
    user = api.simulated_user(unique("登録完了"), follow=True)
    status, registered = api.register(user, a_form(name="完了 花子"))
    assert status == 200
    assert api.register(user, a_form(name="完了 花子"))[0] == 200  # sent again: no second message
    texts = [m.get("text") for m in line.received(user)]
    assert texts.count(f"完了 花子さま、会員番号{registered['member_no']}で登録しました。") == 1


def test_a_visit_with_an_amount_gives_points_per_yen(api, owner, clerk, restored_shop):
    points = settings(api, owner)["points"] | {"points_per_visit": 2, "yen_per_point": 500}
    assert put(api, owner, "points", points)[0] == 200
    user, _ = registered_member(api)
    status, visit = api.call(
        "POST", f"/liff/api/staff/members/{user}/visits", clerk, {"visit_id": unique("v"), "amount_yen": 1999}
    )
    assert status == 201 and visit["points_added"] == 5  # 2 + 1999 // 500
    bad = api.call(
        "POST", f"/liff/api/staff/members/{user}/visits", clerk, {"visit_id": "v2", "amount_yen": -1}
    )
    assert bad[0] == 422


def test_a_poster_printed_for_a_week_is_accepted_for_seven_days(api, owner, restored_shop):
    assert put(api, owner, "poster", {"poster_code_validity": "week"})[0] == 200
    template = new_template(api, owner, title=unique("週替わり"))
    status, poster = api.call(
        "GET", f"/liff/api/staff/coupon-templates/{template['template_id']}/poster-code", owner
    )
    assert status == 200
    today = datetime.now(UTC).astimezone(ZoneInfo("Asia/Tokyo")).date()
    assert (poster["valid_on"], poster["valid_until"]) == (
        today.isoformat(),
        (today + timedelta(days=6)).isoformat(),
    )
    member, _ = registered_member(api)
    assert api.call("POST", "/liff/api/coupons/claim", member, {"code": poster["code"]})[0] == 201


def test_every_message_at_lines_limit_fits_in_one_save(api, owner, restored_shop):
    longest = "お" * 5000
    messages = EXAMPLES[MessagesSection] | {
        name: longest for name in ("new_friend", "returning_friend", "returning_member", "birthday")
    }
    status, answer = put(api, owner, "messages", messages | {"registration_complete": longest})
    assert status == 200, answer
    assert answer["messages"]["birthday"] == longest


def test_with_birthdate_and_phone_turned_off_a_customer_registers_with_a_name_alone(
    api, owner, member_table, restored_shop
):
    # Given an owner who asks only for the name (birthdate and phone off, the kana optional)
    form = settings(api, owner)["form"] | {"birthdate": "off", "phone": "off", "name": "required"}
    status, answer = put(api, owner, "form", form)
    assert status == 200, answer
    # Then the registration page offers neither field
    status, page = api.call("GET", "/liff/api/registration-form", None)
    assert status == 200, page
    assert {f["name"] for f in page["fields"]} & {"birthdate", "phone"} == set()

    # When a customer registers with a name alone
    user = api.simulated_user(follow=False)
    status, registered = api.register(user, {"name": unique("名前だけ ")})
    # Then they hold a number, and nothing of a birthdate or phone was stored
    assert status == 200 and registered["member_no"], registered
    item = member_item(member_table, user)
    assert item["status"] == "registered"
    assert not {"birthdate", "birth_month", "phone", "phone_last4"} & set(item)
    # and a phone sent anyway is refused as a field the form does not ask
    status, refused = api.register(api.simulated_user(follow=False), a_form())
    assert status == 422 and {"field": "phone", "code": "unknown_field"} in refused["errors"], refused


def test_a_form_without_name_phone_or_email_is_refused(api, owner, restored_shop):
    form = settings(api, owner)["form"] | {"name": "off", "phone": "off", "email": "off"}
    status, answer = put(api, owner, "form", form)
    assert status == 422, answer
    assert {(e["field"], e["code"]) for e in answer["errors"]} == {
        (name, "no_identifying_field") for name in ("name", "phone", "email")
    }
