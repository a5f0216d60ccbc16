"""Giving a member a coupon they already hold unused asks first, in headless Chromium on a 360 px phone
against the local stack: 「やめる」 gives nothing, 「もう1枚渡す」 gives a second one."""

from __future__ import annotations

import uuid

import pytest
from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.keys import COUPON_SK_PREFIX, user_partition
from tests.e2e.test_staff_console import a_member, open_console
from tests.integration.staff_api import new_template

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds
ASK_AGAIN = "同じクーポンをもう1枚渡しますか？"


def held_titles(member_table, user: str) -> list[str]:
    """The titles of the coupons the member holds, as stored."""
    items = member_table.query(
        KeyConditionExpression=Key("pk").eq(user_partition(user)) & Key("sk").begins_with(COUPON_SK_PREFIX),
        ConsistentRead=True,
    )["Items"]
    return sorted(str(item["title"]) for item in items)


def give(page, title: str) -> None:
    form = page.locator("#issue-form")
    form.get_by_label("渡すクーポン").select_option(label=title)
    form.get_by_role("button", name="クーポンを渡す").click()


def test_giving_a_coupon_the_member_holds_unused_asks_first(
    local_stack, api, owner, member_table, phone_page, artifacts_dir
):
    # Given a member, and an owner on the member's screen with one of the shop's coupons
    user, _ = a_member(api, name="二枚目 花子")
    title = f"おかわり券{uuid.uuid4().hex[:4]}"
    new_template(api, owner, title=title)
    open_console(phone_page, local_stack, owner, f"member/{user}")
    phone_page.locator("#issue-form").get_by_role("option", name=title).wait_for(state="attached")
    coupons = phone_page.locator("#member-coupons .coupon").filter(has_text=title)

    # When the owner gives it once: no question, it is given
    give(phone_page, title)
    phone_page.locator("#member-message").get_by_text(f"「{title}」を渡しました。").wait_for()
    coupons.first.wait_for()
    assert phone_page.get_by_role("dialog").count() == 0 or phone_page.get_by_role("dialog").is_hidden()
    assert held_titles(member_table, user).count(title) == 1

    # When the owner gives it again: the console asks first, naming the coupon
    give(phone_page, title)
    dialog = phone_page.get_by_role("dialog", name=ASK_AGAIN)
    dialog.wait_for(timeout=10 * SECONDS)
    assert f"この会員は未使用の「{title}」をすでに持っています。" in dialog.inner_text()
    phone_page.screenshot(path=str(artifacts_dir / "staff-coupon-give-again.png"), full_page=True)
    # and 「やめる」 gives nothing
    dialog.get_by_role("button", name="やめる").click()
    dialog.wait_for(state="hidden")
    assert coupons.count() == 1
    assert held_titles(member_table, user).count(title) == 1

    # When the owner asks again and confirms
    give(phone_page, title)
    dialog.wait_for()
    dialog.get_by_role("button", name="もう1枚渡す").click()

    # Then the member holds two, on screen and in the table
    phone_page.locator("#member-message").get_by_text(f"「{title}」を渡しました。").wait_for()
    coupons.nth(1).wait_for(timeout=15 * SECONDS)
    assert coupons.count() == 2
    assert held_titles(member_table, user).count(title) == 2
    phone_page.screenshot(path=str(artifacts_dir / "staff-coupon-given-twice.png"), full_page=True)
