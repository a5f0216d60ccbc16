"""A shop that asks for less: with the birthdate and phone turned off in 設定 and the name optional,
register.html in headless Chromium on a 360 px phone shows neither field, marks the name optional,
and a customer who leaves everything blank still gets their card."""

from __future__ import annotations

import pytest

from daifuku.models.shop import FieldUse, RegistrationFormConfig, RegistrationMode
from tests.e2e.test_member_card_pages import card_shown, open_as
from tests.integration.member_api import shop_configured, unique
from tests.integration.staff_api import member_item

pytestmark = [pytest.mark.slow, pytest.mark.browser]

SECONDS = 1000  # Playwright waits in milliseconds


def test_a_form_without_birthdate_or_phone_registers_with_the_name_left_blank(
    local_stack, line, member_table, phone_page, artifacts_dir
):
    # Given a shop that asks only an optional name and a required email
    form = RegistrationFormConfig(
        name=FieldUse.OPTIONAL, birthdate=FieldUse.OFF, phone=FieldUse.OFF, email=FieldUse.REQUIRED
    )
    user = line.create_user(unique("項目少なめ"), follow=True)
    with shop_configured(
        member_table, registration_form=form, registration_mode=RegistrationMode.REGISTRATION_FIRST
    ):
        # When the customer opens the form
        open_as(phone_page, local_stack, user, "register.html")
        phone_page.get_by_role("button", name="登録する").wait_for(timeout=15 * SECONDS)
        # Then it asks no birthdate and no phone, and the name is marked optional
        assert phone_page.get_by_label("生年月日").count() == 0
        assert phone_page.get_by_label("電話番号").count() == 0
        name_field = phone_page.locator(".field", has=phone_page.get_by_label("お名前", exact=False)).first
        assert "任意" in name_field.inner_text()
        # and promises no birth-month coupon to someone it does not ask the birthdate
        assert "お誕生月" not in phone_page.locator("#lead").inner_text()
        phone_page.screenshot(path=str(artifacts_dir / "register-fewer-fields.png"), full_page=True)

        # When they give only their email and register
        phone_page.get_by_label("メールアドレス").fill("hanako@example.com")
        phone_page.get_by_role("button", name="登録する").click()

        # Then their card shows a number
        card = card_shown(phone_page)
    assert card["member_no"] and card["status"] == "会員"
    item = member_item(member_table, user)
    assert item["email"] == "hanako@example.com"
    assert not {"name", "birthdate", "phone"} & set(item)
