"""Staff invitations and the staff list through the local stack: an owner's link adds one person once,
refused links change nothing, only owners manage staff, and the shop always keeps an owner, also when
two owners demote each other at the same moment."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.keys import invitation_key, staff_key
from daifuku.domain.staff_invitations import invitation_signing_key, issue_invitation_code, new_invitation_id
from daifuku_local.aws_resources import LocalChannel
from tests.integration.campaign_api import make_staff
from tests.integration.member_api import MemberApi

pytestmark = pytest.mark.slow

KEY = invitation_signing_key(LocalChannel().channel_secret)


def invite(api: MemberApi, owner: str, role: str = "staff") -> dict[str, Any]:
    status, issued = api.call("POST", "/liff/api/staff/team/invitations", owner, {"role": role})
    assert status == 201, issued
    return issued


def open_link(api: MemberApi, user: str, code: str) -> tuple[int, dict[str, Any]]:
    return api.call("POST", "/liff/api/invitations/open", user, {"code": code})


def accept(api: MemberApi, user: str, code: str) -> tuple[int, dict[str, Any]]:
    return api.call("POST", "/liff/api/invitations/accept", user, {"code": code})


def refusal(answer: tuple[int, dict[str, Any]]) -> tuple[int, str, str | None]:
    status, body = answer
    return status, body.get("code"), body.get("reason")


def role_of(member_table: Any, user: str) -> str | None:
    item = member_table.get_item(Key=staff_key(user), ConsistentRead=True).get("Item")
    return item["role"] if item else None


def audit_actions(member_table: Any, user: str) -> list[str]:
    items = member_table.query(KeyConditionExpression=Key("pk").eq("AUDIT"), ConsistentRead=True)["Items"]
    return [
        item["action"] for item in items if user in (item.get("target_user_id"), item.get("actor_user_id"))
    ]


def test_an_invited_friend_sees_who_invited_them_joins_and_reaches_the_console(api, owner, member_table):
    # Given an owner's invitation for a clerk
    issued = invite(api, owner)
    assert issued["url"] == f"https://liff.line.me/local-staff?invite={issued['code']}"
    assert "<svg" in issued["qr_svg"]
    assert datetime.fromisoformat(issued["valid_until"]) - datetime.now(UTC) <= timedelta(hours=24)
    newcomer = api.simulated_user("新人 花子", follow=True)
    assert api.call("GET", "/liff/api/staff/me", newcomer)[0] == 403

    # When they open the link, then they see the role and the shop, and nothing changed yet
    status, preview = open_link(api, newcomer, issued["code"])
    assert status == 200 and preview["role"] == "staff" and preview["shop_name"], preview
    assert role_of(member_table, newcomer) is None

    # When they confirm, then they are a clerk of the shop
    assert accept(api, newcomer, issued["code"]) == (200, {"role": "staff"})
    status, me = api.call("GET", "/liff/api/staff/me", newcomer)
    assert (status, me["role"]) == (200, "staff")
    status, team = api.call("GET", "/liff/api/staff/team", owner)
    listed = {m["user_id"]: m for m in team["staff"]}
    assert listed[newcomer]["role"] == "staff" and listed[newcomer]["display_name"] == "新人 花子"
    assert listed[owner]["role"] == "owner"
    assert audit_actions(member_table, newcomer) == ["staff.join"]

    # And the same link again is refused: for them (already staff) and for anyone else (used)
    assert refusal(open_link(api, newcomer, issued["code"]))[:2] == (409, "already_staff")
    someone = api.simulated_user()
    assert refusal(accept(api, someone, issued["code"])) == (422, "invalid_invitation", "used")
    assert role_of(member_table, someone) is None


def test_forged_expired_and_foreign_links_are_refused_and_change_nothing(api, owner, member_table):
    issued = invite(api, owner, "owner")
    person = api.simulated_user()
    _, invitation_id, _, seconds, _ = issued["code"].split(".")
    as_clerk = issued["code"].replace(".O.", ".S.")
    longer = issued["code"].replace(f".{seconds}.", f".{int(seconds) + 86400}.")
    other_shop = issue_invitation_code(
        invitation_id, "owner", datetime.now(UTC) + timedelta(hours=1), b"k" * 32
    )
    expired = issue_invitation_code(invitation_id, "owner", datetime.now(UTC) - timedelta(minutes=1), KEY)
    unknown = issue_invitation_code(new_invitation_id(), "owner", datetime.now(UTC) + timedelta(hours=1), KEY)
    cases = {
        as_clerk: "forged",
        longer: "forged",
        other_shop: "forged",
        expired: "expired",
        unknown: "unknown",
        "DI1.not-a-code": "malformed",
    }
    for code, reason in cases.items():
        assert refusal(open_link(api, person, code)) == (422, "invalid_invitation", reason), code
        assert refusal(accept(api, person, code)) == (422, "invalid_invitation", reason), code
    assert refusal(accept(api, owner, issued["code"]))[:2] == (409, "already_staff")
    assert api.call("POST", "/liff/api/invitations/accept", person, {"code": "x" * 500})[0] == 422
    assert api.call("POST", "/liff/api/invitations/accept", person, {})[0] == 422
    assert api.call("POST", "/liff/api/invitations/accept", body={"code": issued["code"]})[0] == 401

    assert role_of(member_table, person) is None
    item = member_table.get_item(Key=invitation_key(invitation_id), ConsistentRead=True)["Item"]
    assert "used_at" not in item  # still good for the person it was meant for
    assert accept(api, person, issued["code"]) == (200, {"role": "owner"})


def test_clerks_cannot_invite_list_or_change_staff(api, clerk, owner, member_table):
    for method, path, body in (
        ("GET", "/liff/api/staff/team", None),
        ("POST", "/liff/api/staff/team/invitations", {"role": "staff"}),
        ("PUT", f"/liff/api/staff/team/{owner}/role", {"role": "staff"}),
        ("DELETE", f"/liff/api/staff/team/{owner}", None),
    ):
        assert refusal(api.call(method, path, clerk, body))[:2] == (403, "not_owner"), path
    assert role_of(member_table, owner) == "owner"


def test_an_owner_changes_a_role_and_removes_a_clerk_who_is_then_refused(api, member_table):
    owner = make_staff(member_table, api, "owner")
    clerk = make_staff(member_table, api, "staff")
    assert api.call("PUT", f"/liff/api/staff/team/{clerk}/role", owner, {"role": "owner"}) == (
        200,
        {"user_id": clerk, "role": "owner"},
    )
    assert api.call("PUT", f"/liff/api/staff/team/{clerk}/role", owner, {"role": "staff"})[0] == 200
    assert api.call("PUT", f"/liff/api/staff/team/{clerk}/role", owner, {"role": "boss"})[0] == 422
    assert api.call("DELETE", f"/liff/api/staff/team/{clerk}", owner) == (200, {"removed": clerk})
    assert refusal(api.call("GET", "/liff/api/staff/me", clerk))[:2] == (403, "not_staff")
    assert refusal(api.call("DELETE", f"/liff/api/staff/team/{clerk}", owner))[:2] == (404, "staff_not_found")
    # An id that is no LINE user id is refused at the boundary, before anything is read
    assert refusal(api.call("DELETE", "/liff/api/staff/team/not-a-user", owner))[:2] == (
        422,
        "invalid_fields",
    )
    assert audit_actions(member_table, clerk) == ["staff.role", "staff.role", "staff.remove"]


def test_the_last_owner_cannot_step_down_or_leave(api, member_table):
    # Given a shop whose only owner is this one (the session's other owners are set aside meanwhile)
    with only_owner(member_table, api) as owner:
        assert refusal(api.call("PUT", f"/liff/api/staff/team/{owner}/role", owner, {"role": "staff"}))[
            :2
        ] == (
            409,
            "last_owner",
        )
        assert refusal(api.call("DELETE", f"/liff/api/staff/team/{owner}", owner))[:2] == (409, "last_owner")
        assert role_of(member_table, owner) == "owner"


def test_two_owners_demoting_each_other_at_once_leave_one_owner(api, member_table):
    with only_owner(member_table, api) as first:
        second = make_staff(member_table, api, "owner")
        for _ in range(3):
            member_table.put_item(Item={**staff_key(second), "role": "owner"})
            member_table.put_item(Item={**staff_key(first), "role": "owner"})
            with ThreadPoolExecutor(2) as pool:
                answers = list(
                    pool.map(
                        lambda pair: api.call(
                            "PUT", f"/liff/api/staff/team/{pair[1]}/role", pair[0], {"role": "staff"}
                        ),
                        [(first, second), (second, first)],
                    )
                )
            statuses = sorted(status for status, _ in answers)
            assert statuses[0] == 200 and statuses[1] in (403, 409), answers
            assert sorted([role_of(member_table, first), role_of(member_table, second)]) == ["owner", "staff"]
        member_table.delete_item(Key=staff_key(second))


class only_owner:
    """A new owner who is, for the block, the shop's only owner: the other owners the session made
    are clerks meanwhile, and owners again afterwards."""

    def __init__(self, member_table: Any, api: MemberApi):
        self.table, self.api = member_table, api

    def __enter__(self) -> str:
        items = self.table.query(KeyConditionExpression=Key("pk").eq("STAFF"), ConsistentRead=True)["Items"]
        self.others = [item for item in items if item["role"] == "owner"]
        for item in self.others:
            self.table.put_item(Item={**item, "role": "staff"})
        self.owner = make_staff(self.table, self.api, "owner")
        return self.owner

    def __exit__(self, *_: object) -> None:
        for item in self.others:
            self.table.put_item(Item=item)
        self.table.delete_item(Key=staff_key(self.owner))
