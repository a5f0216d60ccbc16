"""Publishing the rich menus (what `daifuku setup` and the painter function both do), against an
in-memory LINE: only what differs changes, members are relinked, old menus go last."""

from __future__ import annotations

from typing import Any

from daifuku.domain.rich_menu_layout import rich_menu_definitions
from daifuku.domain.rich_menu_publishing import RichMenuPublisher, WantedRichMenu
from daifuku.models.member import MembershipStatus
from daifuku.models.shop import LiffApps, RichMenus, ShopConfig

LIFF_APPS = LiffApps(card="card-app", registration="register-app")


class FakeLine:
    """The RichMenuApi port, in memory."""

    def __init__(self) -> None:
        self.menus: dict[str, dict[str, Any]] = {}
        self.images: dict[str, bytes] = {}
        self.default: str | None = None
        self.aliases: dict[str, str] = {}
        self.links: dict[str, str] = {}
        self.created = 0

    def rich_menus(self) -> dict[str, dict[str, Any]]:
        return {menu_id: {"richMenuId": menu_id, **menu} for menu_id, menu in self.menus.items()}

    def create_rich_menu(self, definition: dict[str, Any], image: bytes, content_type: str) -> str:
        self.created += 1
        menu_id = f"richmenu-{self.created}"
        self.menus[menu_id], self.images[menu_id] = definition, image
        return menu_id

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        del self.menus[rich_menu_id]
        self.links = {user: menu for user, menu in self.links.items() if menu != rich_menu_id}

    def default_rich_menu(self) -> str | None:
        return self.default

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        self.default = rich_menu_id

    def rich_menu_aliases(self) -> dict[str, str]:
        return dict(self.aliases)

    def set_rich_menu_alias(self, alias: str, rich_menu_id: str, *, exists: bool) -> None:
        assert exists == (alias in self.aliases)
        self.aliases[alias] = rich_menu_id

    def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: list[str]) -> None:
        assert len(user_ids) <= 500
        self.links.update(dict.fromkeys(user_ids, rich_menu_id))


class FakeShop:
    def __init__(self, config: ShopConfig, members: list[str]) -> None:
        self.config = config
        self.members = members

    def load_shop_config(self) -> ShopConfig:
        return self.config

    def save_shop_config(self, config: ShopConfig) -> None:
        self.config = config

    def user_ids_with_status(self, statuses: set[MembershipStatus]) -> list[str]:
        assert MembershipStatus.REGISTERED in statuses
        return list(self.members)


class Steps:
    dry_run = False

    def __init__(self) -> None:
        self.changed_steps: list[str] = []

    def unchanged(self, step: str, detail: str = "") -> None:
        pass

    def changed(self, step: str, what: str, detail: str = "") -> None:
        self.changed_steps.append(f"{what} {step}")


def wanted(colour: str) -> list[WantedRichMenu]:
    """Menus whose 'image' stands for a drawing in `colour`."""
    definitions = rich_menu_definitions(LIFF_APPS)
    return [WantedRichMenu(kind, d, f"{kind}:{colour}".encode()) for kind, d in definitions.items()]


def publish(line: FakeLine, shop: FakeShop, colour: str) -> Steps:
    steps = Steps()
    RichMenuPublisher(line, shop, shop, steps).publish(shop.load_shop_config(), wanted(colour))
    return steps


def test_a_new_image_replaces_both_menus_relinks_members_and_deletes_the_old_ones():
    # Given a shop with its menus published and two members on the member menu
    line, shop = FakeLine(), FakeShop(ShopConfig(liff_apps=LIFF_APPS), ["U1", "U2"])
    publish(line, shop, "green")
    first = shop.config.rich_menus
    line.links.update({"U1": str(first.member), "U2": str(first.member)})

    # When the colour changes
    publish(line, shop, "red")

    # Then both menus are new, the default and aliases point at them, members keep the member menu
    menus = shop.config.rich_menus
    assert {menus.pre_registration, menus.member}.isdisjoint({first.pre_registration, first.member})
    assert set(line.menus) == {menus.pre_registration, menus.member}
    assert line.default == menus.pre_registration
    assert line.aliases == {"daifuku-register": menus.pre_registration, "daifuku-member": menus.member}
    assert line.links == {"U1": menus.member, "U2": menus.member}


def test_the_same_settings_again_change_nothing():
    line, shop = FakeLine(), FakeShop(ShopConfig(liff_apps=LIFF_APPS), [])
    publish(line, shop, "green")
    assert publish(line, shop, "green").changed_steps == []
    assert line.created == 2


def test_a_run_never_deletes_the_menus_another_run_saved_meanwhile():
    # Given the shop config names menus that a concurrent run created after this run listed LINE's
    line, shop = FakeLine(), FakeShop(ShopConfig(liff_apps=LIFF_APPS), [])
    publish(line, shop, "green")
    other = {
        kind: line.create_rich_menu(w.definition, w.image, "image/png")
        for kind, w in ((w.kind, w) for w in wanted("blue"))
    }

    class SavedMeanwhile(FakeShop):
        def save_shop_config(self, config: ShopConfig) -> None:
            super().save_shop_config(config)
            if config.rich_menus.member not in other.values():
                menus = RichMenus(**other, image_sha256=config.rich_menus.image_sha256)
                self.config = config.model_copy(update={"rich_menus": menus})

    racing = SavedMeanwhile(shop.config, [])
    RichMenuPublisher(line, racing, racing, Steps()).publish(racing.config, wanted("red"))
    # Then the menus the config names now still exist
    assert {racing.config.rich_menus.pre_registration, racing.config.rich_menus.member} <= set(line.menus)
