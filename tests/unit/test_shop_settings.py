"""The owner's 設定, section by section: what each saves, and each setting that would break the shop
refused with the field and a reason (the console shows it next to the field), nothing saved."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from pydantic import ValidationError

from daifuku.domain.errors import InvalidClaimCode, InvalidRegistration, MemberNumberFormatLocked
from daifuku.domain.poster_codes import issue_poster_code, poster_period, verify_poster_code
from daifuku.domain.registration import form_fields
from daifuku.domain.shop_settings import SettingsDesk, UnknownSettingsSection
from daifuku.models.shop import (
    PointsRule,
    PosterCodeValidity,
    RegistrationFormConfig,
    RichMenus,
    ShopConfig,
    StoreChoice,
)
from daifuku.models.shop_settings import FormSection, MessagesSection, PointsSection, ShopSection
from daifuku.models.staff import AuditEntry
from tests.unit.request_examples import EXAMPLES

OWNER = "U" + "0" * 32
NOW = datetime(2025, 6, 15, 3, 0, tzinfo=UTC)
DF_FORMAT = {"prefix": "DF", "digits": 5, "first_number": 1}
THREE_RANKS = [
    {"name": "A", "min_points": 0},
    {"name": "B", "min_points": 50},
    {"name": "C", "min_points": 50},
]


class InMemoryShop:
    """The shop item, the member-number counter and the audit log."""

    def __init__(self, config: ShopConfig | None = None) -> None:
        self.config = config or ShopConfig()
        self.counter: int | None = None
        self.audit: list[AuditEntry] = []
        self.saved_fields: list[set[str]] = []

    def load_shop_config(self, *, consistent: bool = False) -> ShopConfig:
        return self.config

    def save_shop_fields(self, config: ShopConfig, fields: set[str]) -> None:
        self.saved_fields.append(fields)
        self.config = self.config.model_copy(update={name: getattr(config, name) for name in fields})

    def read_member_number_counter(self) -> int | None:
        return self.counter

    def write_audit(self, entry: AuditEntry) -> None:
        self.audit.append(entry)


class RecordingRefresh:
    def __init__(self) -> None:
        self.requests = 0

    def request(self) -> None:
        self.requests += 1


def desk_over(shop: InMemoryShop, refresh: RecordingRefresh | None = None) -> SettingsDesk:
    return SettingsDesk(
        config=shop, numbers=shop, audit_log=shop, rich_menu_refresh=refresh, clock=lambda: NOW
    )


def body(model: type, **changes: Any) -> dict[str, Any]:
    return {**EXAMPLES[model], **changes}


def refused(shop: InMemoryShop, section: str, sent: dict[str, Any]) -> set[tuple[str, str]]:
    """The (field, code) pairs the section was refused with; asserts nothing was saved or audited."""
    before = shop.config
    with pytest.raises((InvalidRegistration, ValidationError)) as raised:
        desk_over(shop).save(OWNER, section, sent)
    assert shop.config == before and shop.audit == []
    error = raised.value
    if isinstance(error, InvalidRegistration):
        return {(problem.field, problem.code) for problem in error.problems}
    return {(".".join(str(part) for part in e["loc"]), e["type"]) for e in error.errors()}


# What each section saves


def test_the_shop_section_saves_name_colour_logo_information_and_stores_and_asks_for_a_menu_redraw():
    shop, refresh = InMemoryShop(), RecordingRefresh()
    answer = desk_over(shop, refresh).save(OWNER, "shop", body(ShopSection))
    assert (shop.config.shop_name, shop.config.theme_color) == ("和菓子 大福堂", "#8a2be2")
    assert shop.config.shop_info.closed_days == "水曜日"
    stores = shop.config.registration_form.stores
    assert [s.name for s in stores] == ["銀座店", "新宿店"] and stores[0].id == "ginza"
    assert stores[1].id.startswith("store-")
    assert answer["shop"]["stores"][1]["id"] == stores[1].id
    assert refresh.requests == 1
    assert [(e.actor_user_id, e.action) for e in shop.audit] == [(OWNER, "settings.shop")]
    assert "shop_name" in shop.audit[0].detail["changed"]


def test_a_renamed_store_keeps_its_id():
    shop = InMemoryShop(
        ShopConfig(registration_form=RegistrationFormConfig(stores=(StoreChoice(id="ginza", name="銀座"),)))
    )
    desk_over(shop).save(OWNER, "shop", body(ShopSection, stores=[{"id": "ginza", "name": "銀座本店"}]))
    assert shop.config.registration_form.stores == (StoreChoice(id="ginza", name="銀座本店"),)


def test_saving_a_section_writes_only_its_fields_and_no_redraw_without_a_menu_change():
    shop, refresh = InMemoryShop(ShopConfig(rich_menus=RichMenus(member="menu-1"))), RecordingRefresh()
    desk_over(shop, refresh).save(OWNER, "points", body(PointsSection))
    assert shop.saved_fields == [{"points_rule", "ranks", "rank_up_message"}]
    assert shop.config.points_rule == PointsRule(points_per_visit=5, yen_per_point=100)
    assert [r.min_points for r in shop.config.ranks] == [0, 100]
    assert shop.config.rich_menus.member == "menu-1" and refresh.requests == 0


def test_messages_form_poster_and_alerts_sections_save():
    shop = InMemoryShop()
    desk = desk_over(shop)
    desk.save(OWNER, "messages", body(MessagesSection))
    desk.save(OWNER, "form", body(FormSection))
    desk.save(OWNER, "poster", {"poster_code_validity": "month"})
    desk.save(OWNER, "alerts", {"staff_alerts_enabled": True})
    config = shop.config
    assert config.welcome.new_friend == "{name}さま、友だち追加ありがとうございます。"
    assert config.registration_complete_message == "{name}さま、ご登録ありがとうございます。"
    assert config.birthday_coupon is not None and config.birthday_coupon.title == "お誕生日の粗品"
    assert config.registration_mode.value == "guest_card_first"
    assert config.registration_form.custom_texts[0].options == ("大福",)
    assert config.poster_code_validity is PosterCodeValidity.MONTH and config.staff_alerts_enabled
    assert [e.action for e in shop.audit] == [
        "settings.messages",
        "settings.form",
        "settings.poster",
        "settings.alerts",
    ]


def test_the_number_format_may_change_until_a_number_is_issued():
    shop = InMemoryShop()
    desk_over(shop).save(
        OWNER,
        "form",
        body(FormSection, member_number_format=DF_FORMAT),
    )
    assert shop.config.member_number_format.prefix == "DF"
    assert desk_over(shop).settings()["member_number_format_locked"] is False
    shop.counter = 1
    assert desk_over(shop).settings()["member_number_format_locked"] is True
    # The same format again is no change: the rest of the form still saves
    desk_over(shop).save(
        OWNER,
        "form",
        body(
            FormSection,
            email="optional",
            member_number_format=DF_FORMAT,
        ),
    )
    assert shop.config.registration_form.email.value == "optional"


def test_an_unknown_section_is_refused():
    with pytest.raises(UnknownSettingsSection):
        desk_over(InMemoryShop()).save(OWNER, "theme", {})


# Each refusal


@pytest.mark.parametrize(
    ("case", "section", "sent", "expected"),
    [
        ("an empty shop name", "shop", body(ShopSection, shop_name=""), ("shop_name", "too_short")),
        ("a shop name of spaces", "shop", body(ShopSection, shop_name="　 "), ("shop_name", "blank")),
        ("a colour name", "shop", body(ShopSection, theme_color="red"), ("theme_color", "invalid_colour")),
        ("a short colour", "shop", body(ShopSection, theme_color="#fff"), ("theme_color", "invalid_colour")),
        (
            "a logo over http",
            "shop",
            body(ShopSection, logo_url="http://x/l.png"),
            ("logo_url", "string_pattern_mismatch"),
        ),
        (
            "a map link that is not https",
            "shop",
            body(ShopSection, shop_info={"map_url": "javascript:alert(1)"}),
            ("shop_info.map_url", "string_pattern_mismatch"),
        ),
        (
            "a phone with letters",
            "shop",
            body(ShopSection, shop_info={"phone": "call us"}),
            ("shop_info.phone", "invalid_phone"),
        ),
        (
            "thresholds out of order",
            "points",
            body(
                PointsSection,
                ranks=[
                    {"name": "A", "min_points": 0},
                    {"name": "B", "min_points": 50},
                    {"name": "C", "min_points": 50},
                ],
            ),
            ("ranks.2.min_points", "not_ascending"),
        ),
        (
            "a lowest rank above zero",
            "points",
            body(PointsSection, ranks=[{"name": "A", "min_points": 10}]),
            ("ranks.0.min_points", "lowest_rank_not_zero"),
        ),
        (
            "two ranks of one name",
            "points",
            body(PointsSection, ranks=[{"name": "A", "min_points": 0}, {"name": "A", "min_points": 5}]),
            ("ranks.1.name", "duplicate_rank"),
        ),
        (
            "negative points",
            "points",
            body(PointsSection, points_per_visit=-1),
            ("points_per_visit", "greater_than_equal"),
        ),
        (
            "a welcome over LINE's 5000 characters",
            "messages",
            body(MessagesSection, new_friend="あ" * 5001),
            ("new_friend", "too_long"),
        ),
        (
            "an unknown placeholder",
            "messages",
            body(MessagesSection, birthday="{nmae}さま"),
            ("birthday", "unknown_placeholder"),
        ),
        (
            "a member number in a new friend's welcome",
            "messages",
            body(MessagesSection, new_friend="{member_no}"),
            ("new_friend", "unknown_placeholder"),
        ),
        (
            "a rank in the rank-up message is fine, an unknown one is not",
            "points",
            body(PointsSection, rank_up_message="{rank}{points}"),
            ("rank_up_message", "unknown_placeholder"),
        ),
        (
            "name, phone and email all off",
            "form",
            body(FormSection, name="off", phone="off", email="off"),
            ("name", "no_identifying_field"),
        ),
        (
            "the store asked with no stores",
            "form",
            body(FormSection, store="required"),
            ("store", "no_stores"),
        ),
        (
            "a choice listed twice",
            "form",
            body(
                FormSection, custom_texts=[{"label": "好み", "use": "optional", "options": ["大福", "大福"]}]
            ),
            ("custom_texts.0.options", "duplicate_option"),
        ),
        (
            "a validity that is not offered",
            "poster",
            {"poster_code_validity": "year"},
            ("poster_code_validity", "enum"),
        ),
        (
            "a field the section does not have",
            "alerts",
            {"staff_alerts_enabled": True, "x": 1},
            ("x", "extra_forbidden"),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else "",
)
def test_a_setting_that_would_break_the_shop_is_refused_with_its_field(case, section, sent, expected):
    assert expected in refused(InMemoryShop(), section, sent)


def test_every_identifying_field_off_is_refused_field_by_field():
    problems = refused(
        InMemoryShop(), "form", body(FormSection, name="off", birthdate="off", phone="off", email="off")
    )
    assert problems == {
        ("name", "no_identifying_field"),
        ("phone", "no_identifying_field"),
        ("email", "no_identifying_field"),
    }


@pytest.mark.parametrize(
    "uses",
    [
        {"name": "optional", "birthdate": "off", "phone": "off"},
        {"name": "off", "birthdate": "optional", "phone": "required"},
        {"name": "off", "birthdate": "off", "phone": "off", "email": "required"},
    ],
)
def test_name_birthdate_and_phone_may_be_off_or_optional_while_one_identifying_field_is_asked(uses):
    shop = InMemoryShop()
    saved = desk_over(shop).save(OWNER, "form", body(FormSection, **uses))["form"]

    assert {name: saved[name] for name in uses} == uses
    asked = {f.name: f.required for f in form_fields(shop.config.registration_form)}
    for name, use in uses.items():
        assert asked.get(name) == ({"off": None, "optional": False, "required": True}[use])


def test_a_store_cannot_be_removed_and_a_new_one_may_bring_its_own_id():
    shop = InMemoryShop(
        ShopConfig(registration_form=RegistrationFormConfig(stores=(StoreChoice(id="ginza", name="銀座"),)))
    )
    assert refused(shop, "shop", body(ShopSection, stores=[])) == {("stores", "store_removed")}
    stores = [{"id": "ginza", "name": "銀座"}, {"id": "osaka", "name": "大阪"}]
    desk_over(shop).save(OWNER, "shop", body(ShopSection, stores=stores))
    assert [s.id for s in shop.config.registration_form.stores] == ["ginza", "osaka"]


def test_a_number_format_change_after_issuing_is_refused():
    shop = InMemoryShop()
    shop.counter = 41
    before = shop.config
    with pytest.raises(MemberNumberFormatLocked):
        desk_over(shop).save(
            OWNER,
            "form",
            body(FormSection, member_number_format=DF_FORMAT),
        )
    assert shop.config == before and shop.audit == []


# Points per yen, and the poster's period


@pytest.mark.parametrize(
    ("rule", "amount", "points"),
    [
        (PointsRule(points_per_visit=1), 5000, 1),
        (PointsRule(points_per_visit=1, yen_per_point=100), None, 1),
        (PointsRule(points_per_visit=1, yen_per_point=100), 1299, 13),
        (PointsRule(points_per_visit=0, yen_per_point=200), 199, 0),
    ],
)
def test_a_visit_gives_its_points_and_one_more_per_yen_unit_of_the_amount(rule, amount, points):
    assert rule.points_for_visit(amount) == points


KEY = b"k" * 32
TODAY = date(2025, 6, 15)


@pytest.mark.parametrize(
    ("validity", "coupon_days", "last_day"),
    [
        (PosterCodeValidity.DAY, 90, TODAY),
        (PosterCodeValidity.WEEK, 90, TODAY + timedelta(days=6)),
        (PosterCodeValidity.MONTH, 90, TODAY + timedelta(days=29)),
        (PosterCodeValidity.COUPON_PERIOD, 14, TODAY + timedelta(days=13)),
    ],
)
def test_a_poster_is_accepted_through_its_period_and_not_a_day_more(validity, coupon_days, last_day):
    last = poster_period(TODAY, validity, coupon_days)
    assert last == last_day
    code = issue_poster_code("tpl", TODAY, KEY, last)
    assert verify_poster_code(code, KEY, last).valid_until == last_day
    for outside in (TODAY - timedelta(days=1), last + timedelta(days=1)):
        with pytest.raises(InvalidClaimCode, match="expired"):
            verify_poster_code(code, KEY, outside)


def test_a_one_day_poster_keeps_the_old_code_and_a_period_cannot_be_stretched():
    assert issue_poster_code("tpl", TODAY, KEY, TODAY) == issue_poster_code("tpl", TODAY, KEY)
    week = issue_poster_code("tpl", TODAY, KEY, TODAY + timedelta(days=6))
    stretched = week.replace((TODAY + timedelta(days=6)).strftime("%Y%m%d"), "20991231")
    with pytest.raises(InvalidClaimCode, match="forged"):
        verify_poster_code(stretched, KEY, TODAY)
