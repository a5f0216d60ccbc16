"""Staff invitations in headless Chromium on a 360 px phone, against the local stack: the owner makes
an invitation link and its QR on the staff screen; the clerk (another LINE user) opens it in LINE,
sees who invited them, joins and reaches the counter; the same link a second time, a forged link and
an expired one are refused in Japanese; the owner removes the clerk, who is then refused."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import pytest

from daifuku.adapters.dynamodb.keys import staff_key
from daifuku.domain.staff_invitations import invitation_signing_key, issue_invitation_code
from daifuku_local.aws_resources import LocalChannel
from tests.conftest import PHONE
from tests.e2e.test_staff_console import open_console
from tests.integration.member_api import unique
from tests.unit.test_poster import decoded_qr

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds


@pytest.fixture
def another_phone(browser):
    """A second person's phone: a browser context of its own (its own LIFF session)."""
    contexts = []

    def open_phone():
        context = browser.new_context(**PHONE)
        contexts.append(context)
        return context.new_page()

    yield open_phone
    for context in contexts:
        context.close()


def open_invitation(page, local_stack, user: str, code: str) -> None:
    """What LINE does with liff.line.me/<staff app>?invite=<code>: the staff page, with the query."""
    page.goto(f"{local_stack.urls.liff_site}/staff.html?simUser={user}&invite={code}")


def test_the_owner_invites_a_clerk_who_joins_once_and_is_removed_later(
    local_stack, api, member_table, phone_page, another_phone, artifacts_dir, tmp_path
):
    # Given an owner who is a friend of the shop (so the invitation can name them)
    owner_name = unique("店長")
    owner = api.simulated_user(owner_name, follow=True)
    member_table.put_item(Item={**staff_key(owner), "role": "owner"})
    clerk_name = unique("新人")
    clerk = api.simulated_user(clerk_name, follow=True)

    # When the owner makes a clerk's invitation on the staff screen
    open_console(phone_page, local_stack, owner)
    phone_page.get_by_role("link", name="スタッフの管理").click()
    phone_page.get_by_role("heading", name="スタッフの管理").wait_for()
    with phone_page.expect_response("**/liff/api/staff/team/invitations") as answered:
        phone_page.get_by_role("button", name="招待リンクを作る").dblclick()
    issued = answered.value.json()
    qr = phone_page.get_by_role("img", name="スタッフとして参加するための招待QRコード")
    qr.locator("svg").wait_for()
    phone_page.get_by_text("まで有効（1回のみ）").wait_for()
    phone_page.screenshot(path=str(artifacts_dir / "staff-invitation-qr.png"), full_page=True)

    # Then the QR on screen is the link shown beside it, which opens the staff app with the code
    image = tmp_path / "invitation-qr.png"
    qr.screenshot(path=str(image))
    link = phone_page.get_by_label("招待リンク").input_value()
    assert decoded_qr(image) == [link] == [issued["url"]]
    code = parse_qs(urlparse(link).query)["invite"][0]

    # When the clerk opens the link in LINE, then they see who invited them and as what
    clerk_phone = another_phone()
    open_invitation(clerk_phone, local_stack, clerk, code)
    clerk_phone.get_by_text(f"{owner_name}さんから、").wait_for(timeout=15 * SECONDS)
    clerk_phone.get_by_text("のスタッフとして招待されています。").wait_for()
    clerk_phone.screenshot(path=str(artifacts_dir / "staff-invitation-offer.png"), full_page=True)

    # When they join, then they reach the counter, as a clerk
    clerk_phone.get_by_role("button", name="参加する").dblclick()
    clerk_phone.get_by_text("スタッフとして登録しました。").wait_for()
    clerk_phone.get_by_role("link", name="スタッフ画面へ進む").click()
    clerk_phone.get_by_role("button", name="会員証を読み取る").wait_for()
    clerk_phone.get_by_text("スタッフとしてログイン中").wait_for()
    assert "invite=" not in clerk_phone.url
    assert clerk_phone.get_by_role("link", name="スタッフの管理").is_hidden()
    clerk_phone.screenshot(path=str(artifacts_dir / "staff-invitation-joined.png"), full_page=True)
    assert member_table.get_item(Key=staff_key(clerk), ConsistentRead=True)["Item"]["role"] == "staff"

    # And the same link once more, a forged one and an expired one are refused, adding no one
    someone = api.simulated_user(unique("通りすがり"))
    invitation_id = code.split(".")[1]
    key = invitation_signing_key(LocalChannel().channel_secret)
    expired = issue_invitation_code(invitation_id, "staff", datetime.now(UTC) - timedelta(minutes=1), key)
    forged = code.replace(".S.", ".O.")
    refusals = {
        code: "この招待リンクはすでに使われています。",
        forged: "この招待リンクは正しくありません。",
        expired: "この招待リンクは有効期限（24時間）が切れています。",
    }
    for shown, (link_code, text) in enumerate(refusals.items()):
        page = another_phone()
        open_invitation(page, local_stack, someone, link_code)
        page.get_by_role("alert").get_by_text(text).wait_for(timeout=15 * SECONDS)
        assert page.get_by_role("button", name="参加する").is_hidden()
        page.screenshot(path=str(artifacts_dir / f"staff-invitation-refused-{shown}.png"), full_page=True)
    assert "Item" not in member_table.get_item(Key=staff_key(someone), ConsistentRead=True)

    # When the owner removes the clerk from the list, after a confirmation
    phone_page.reload()
    phone_page.locator("#team-list").get_by_text(clerk_name).wait_for(timeout=15 * SECONDS)
    phone_page.get_by_role("button", name=f"{clerk_name}: 削除").click()
    phone_page.get_by_role("dialog").get_by_role("button", name="削除する").click()
    phone_page.get_by_text(f"{clerk_name}さんをスタッフから削除しました。").wait_for()
    phone_page.locator(f"#team-list [data-user-id='{clerk}']").wait_for(state="detached")
    phone_page.screenshot(path=str(artifacts_dir / "staff-team-removed.png"), full_page=True)

    # Then the clerk is refused, and told how to come back
    clerk_phone.reload()  # the clerk opens the staff app again
    clerk_phone.get_by_text("このページはスタッフ専用です。").wait_for(timeout=15 * SECONDS)
    clerk_phone.get_by_text("「招待リンク」の発行を依頼し").wait_for()
    assert clerk_phone.locator("#tabs").is_hidden()


def test_the_last_owner_is_told_why_they_cannot_step_down(local_stack, api, member_table, phone_page):
    owners = member_table.query(
        KeyConditionExpression="pk = :staff",
        ExpressionAttributeValues={":staff": "STAFF"},
        ConsistentRead=True,
    )["Items"]
    set_aside = [item for item in owners if item["role"] == "owner"]
    for item in set_aside:
        member_table.put_item(Item={**item, "role": "staff"})
    owner_name = unique("ひとり店長")
    owner = api.simulated_user(owner_name, follow=True)
    member_table.put_item(Item={**staff_key(owner), "role": "owner"})
    try:
        open_console(phone_page, local_stack, owner, "staff")
        phone_page.get_by_role("button", name=f"{owner_name}: スタッフにする").click()
        phone_page.get_by_role("dialog").get_by_role("button", name="スタッフにする").click()
        phone_page.get_by_role("alert").get_by_text("オーナーが1人もいなくなるため").wait_for()
        assert member_table.get_item(Key=staff_key(owner), ConsistentRead=True)["Item"]["role"] == "owner"
    finally:
        for item in set_aside:
            member_table.put_item(Item=item)
        member_table.delete_item(Key=staff_key(owner))
