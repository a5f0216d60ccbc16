"""Putting the shop's rich menus on LINE: create what differs, point the default, the aliases and the
members at it, then delete the menus it replaced. Used by `daifuku setup` and by the rich menu painter
function, each through its own LINE client (the `RichMenuApi` port).

Every step compares before changing: a menu is replaced only when its definition or its image digest
differs from what the shop should have. A new menu is saved to the shop config as soon as its image is
uploaded, and the menu it replaces is deleted last, once nothing points at it any more.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol

from daifuku.domain.rich_menu_layout import MENU_ALIASES, MENU_KINDS
from daifuku.models.member import MembershipStatus
from daifuku.models.shop import RichMenus, ShopConfig

BULK_LINK_USERS = 500  # LINE's limit of users in one bulk link request


def image_digest(image: bytes) -> str:
    return hashlib.sha256(image).hexdigest()


@dataclass(frozen=True)
class WantedRichMenu:
    """One rich menu as the shop should have it: its definition, its image and the image's digest."""

    kind: str
    definition: dict[str, Any]
    image: bytes
    content_type: str = "image/png"

    @functools.cached_property
    def image_sha256(self) -> str:
        return image_digest(self.image)


class RichMenuApi(Protocol):
    """The Messaging API's rich menu calls, in LINE's wire format."""

    def rich_menus(self) -> dict[str, dict[str, Any]]:
        """The channel's rich menus by id."""

    def create_rich_menu(self, definition: dict[str, Any], image: bytes, content_type: str) -> str:
        """Create the menu and upload its image; its id."""

    def rich_menu_image(self, rich_menu_id: str) -> tuple[bytes, str] | None:
        """The menu's image as uploaded, and its content type; None when LINE has no such menu."""

    def delete_rich_menu(self, rich_menu_id: str) -> None: ...

    def default_rich_menu(self) -> str | None: ...

    def set_default_rich_menu(self, rich_menu_id: str) -> None: ...

    def rich_menu_aliases(self) -> dict[str, str]:
        """Alias id → rich menu id."""

    def set_rich_menu_alias(self, alias: str, rich_menu_id: str, *, exists: bool) -> None: ...

    def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: list[str]) -> None:
        """At most BULK_LINK_USERS users."""


class ShopConfigStore(Protocol):
    def load_shop_config(self) -> ShopConfig: ...

    def save_shop_config(self, config: ShopConfig) -> None: ...


class MemberDirectory(Protocol):
    def user_ids_with_status(self, statuses: set[MembershipStatus]) -> list[str]: ...


class PublishingProgress(Protocol):
    """Hears each step's outcome (the CLI prints them; the painter logs them)."""

    dry_run: bool

    def unchanged(self, step: str, detail: str = "") -> None: ...

    def changed(self, step: str, what: str, detail: str = "") -> None: ...


def owners_images(shop: ShopConfig, line: RichMenuApi) -> dict[str, tuple[bytes, str]]:
    """The owner's own images, by menu kind, taken back from the menus on LINE that show them: a
    repaint (the painter, `daifuku setup` again) publishes them again rather than drawing over them.
    A menu LINE no longer has (a shop restored onto another channel) is drawn instead."""
    images = {}
    for kind, custom in shop.custom_rich_menus.items():
        current_id = getattr(shop.rich_menus, kind, None)
        if custom.image_sha256 is not None and current_id:
            image = line.rich_menu_image(current_id)
            if image is not None:
                images[kind] = image
    return images


def contains(actual: Any, wanted: Any) -> bool:
    """Whether `actual` (as LINE returns it) has every field of `wanted` with the same value."""
    if isinstance(wanted, dict):
        return isinstance(actual, dict) and all(contains(actual.get(k), v) for k, v in wanted.items())
    if isinstance(wanted, list):
        return (
            isinstance(actual, list)
            and len(actual) == len(wanted)
            and all(contains(a, w) for a, w in zip(actual, wanted, strict=True))
        )
    return bool(actual == wanted)


class RichMenuPublisher:
    """Makes LINE show the shop's wanted menus: each step compares before changing."""

    def __init__(
        self,
        line: RichMenuApi,
        shop_configs: ShopConfigStore,
        members: MemberDirectory,
        progress: PublishingProgress,
    ):
        self._line = line
        self._shop_configs = shop_configs
        self._members = members
        self._progress = progress

    @property
    def _dry_run(self) -> bool:
        return self._progress.dry_run

    def publish(self, shop: ShopConfig, wanted_menus: Iterable[WantedRichMenu]) -> dict[str, str | None]:
        """Both menus, the default (pre-registration) and the aliases; members relinked on a new menu.

        Every other menu with one of our menus' names is an old one (replaced now, or left by a run
        that failed half-way): it is deleted last, once nothing points at it any more. Returns the
        menus' ids by kind.
        """
        wanted_menus = list(wanted_menus)
        existing = self._line.rich_menus()
        menu_ids: dict[str, str | None] = {}
        digests = dict(shop.rich_menus.image_sha256)
        for wanted in wanted_menus:
            current_id = getattr(shop.rich_menus, wanted.kind)
            current = existing.get(current_id) if current_id else None
            step = f"rich menu {wanted.kind}"
            if (
                current is not None
                and contains(current, wanted.definition)
                and digests.get(wanted.kind) == wanted.image_sha256
            ):
                menu_ids[wanted.kind] = current_id
                self._progress.unchanged(step, str(current_id))
                continue
            new_id = (
                None
                if self._dry_run
                else self._line.create_rich_menu(wanted.definition, wanted.image, wanted.content_type)
            )
            if new_id is not None:
                digests[wanted.kind] = wanted.image_sha256
                self._save_rich_menus(menu_ids | {wanted.kind: new_id}, digests)
            menu_ids[wanted.kind] = new_id
            image_kib = len(wanted.image) // 1024
            what = "replace" if current is not None else "create"
            self._progress.changed(step, what, f"{new_id or ''} (image {image_kib} KiB)".lstrip())
        self._set_default(menu_ids.get("pre_registration"))
        self._set_aliases(menu_ids)
        # Another run at the same time may have saved its own new menus: never delete what the
        # shop config names now.
        saved = self._shop_configs.load_shop_config().rich_menus if not self._dry_run else shop.rich_menus
        keep = {*menu_ids.values(), saved.pre_registration, saved.member, saved.guest_card}
        old_menus = {
            wanted.kind: [
                menu_id
                for menu_id, menu in existing.items()
                if menu.get("name") == wanted.definition["name"] and menu_id not in keep
            ]
            for wanted in wanted_menus
        }
        if old_menus.get("member") and menu_ids.get("member"):
            self._relink_members(str(menu_ids["member"]))
        for kind, old_ids in old_menus.items():
            for old_id in old_ids:
                if not self._dry_run:
                    self._line.delete_rich_menu(old_id)
                self._progress.changed(f"old menu {kind}", "delete", old_id)
        return menu_ids

    def _save_rich_menus(self, menu_ids: dict[str, str | None], digests: dict[str, str]) -> None:
        # Read again just before writing: only this field is ours to change here.
        current = self._shop_configs.load_shop_config()
        ids = {kind: menu_ids.get(kind) or getattr(current.rich_menus, kind) for kind in MENU_KINDS}
        menus = RichMenus(**ids, guest_card=current.rich_menus.guest_card, image_sha256=digests)
        self._shop_configs.save_shop_config(current.model_copy(update={"rich_menus": menus}))

    def _set_default(self, menu_id: str | None) -> None:
        if menu_id is not None and self._line.default_rich_menu() == menu_id:
            self._progress.unchanged("default rich menu", menu_id)
            return
        if not self._dry_run and menu_id is not None:
            self._line.set_default_rich_menu(menu_id)
        self._progress.changed("default rich menu", "set", f"pre_registration {menu_id or ''}".rstrip())

    def _set_aliases(self, menu_ids: dict[str, str | None]) -> None:
        aliases = self._line.rich_menu_aliases()
        for kind, alias in MENU_ALIASES.items():
            menu_id = menu_ids.get(kind)
            step = f"alias {alias}"
            if menu_id is not None and aliases.get(alias) == menu_id:
                self._progress.unchanged(step, f"→ {menu_id}")
                continue
            if not self._dry_run and menu_id is not None:
                self._line.set_rich_menu_alias(alias, menu_id, exists=alias in aliases)
            self._progress.changed(step, "update" if alias in aliases else "create", f"→ {menu_id or kind}")

    def _relink_members(self, menu_id: str) -> None:
        """Members see the member menu through a per-user link, which deleting the old menu removes."""
        user_ids = self._members.user_ids_with_status({MembershipStatus.REGISTERED, MembershipStatus.GUEST})
        if not user_ids:
            return
        if not self._dry_run:
            for start in range(0, len(user_ids), BULK_LINK_USERS):
                self._line.link_rich_menu_to_users(menu_id, user_ids[start : start + BULK_LINK_USERS])
        self._progress.changed("members' rich menu", "relink", f"{len(user_ids)} member(s)")
