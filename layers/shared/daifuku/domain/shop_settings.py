"""The owner's 設定: each section of the shop's configuration read and saved on its own, checked
against the rest of the configuration, and audited.

Pure domain behind ports: the configuration item, the member-number counter (a format is locked once
a number is out), the audit log and the rich-menu redraw. Every function reads the configuration
afresh within a minute (liff_api per request, the webhook's 30-second cache, the scheduler per run),
so a saved section needs no further step.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import ValidationError

from daifuku.clock import system_clock
from daifuku.domain.errors import (
    FieldProblem,
    InvalidRegistration,
    MemberNumberFormatLocked,
    UnknownSettingsSection,
)
from daifuku.models.shop import (
    IDENTIFYING_FIELDS,
    CouponTemplate,
    CustomDateField,
    CustomTextField,
    FieldUse,
    PointsRule,
    Rank,
    RegistrationFormConfig,
    ShopConfig,
    ShopInfo,
    StoreChoice,
)
from daifuku.models.shop_settings import (
    SECTIONS,
    AlertsSection,
    FormSection,
    MessagesSection,
    PointsSection,
    PosterSection,
    ShopSection,
)
from daifuku.models.staff import AuditEntry

# What the menus draw: a change to any of them asks for the rich menus to be redrawn.
MENU_FIELDS = frozenset({"shop_name", "theme_color", "logo_url"})


class ShopConfigStore(Protocol):
    def load_shop_config(self, *, consistent: bool = False) -> ShopConfig: ...

    def save_shop_fields(self, config: ShopConfig, fields: set[str]) -> None:
        """Write only these top-level fields of `config`."""


class IssuedNumbers(Protocol):
    def read_member_number_counter(self) -> int | None:
        """The last sequence issued (None: no number issued yet)."""


class AuditLog(Protocol):
    def write_audit(self, entry: AuditEntry) -> None: ...


class RichMenuRefresh(Protocol):
    def request(self) -> None:
        """Redraw and relink the rich menus from the shop's current name, colour and logo."""


@dataclass
class SettingsDesk:
    config: ShopConfigStore
    numbers: IssuedNumbers
    audit_log: AuditLog
    rich_menu_refresh: RichMenuRefresh | None = None
    clock: Callable[[], datetime] = field(default=system_clock)

    def settings(self) -> dict[str, Any]:
        """Every section as the console edits it (the same shapes the PUT routes take)."""
        shop = self.config.load_shop_config(consistent=True)
        return {name: view(shop) for name, view in VIEWS.items()} | {
            "member_number_format_locked": self.numbers.read_member_number_counter() is not None
        }

    def save(self, actor: str, section: str, body: Mapping[str, Any]) -> dict[str, Any]:
        """Validate and save one section; the settings as now stored. InvalidRegistration (field
        codes) or MemberNumberFormatLocked when the section would break the shop."""
        model = SECTIONS.get(section)
        if model is None:
            raise UnknownSettingsSection(section)
        request = model.model_validate(dict(body))
        current = self.config.load_shop_config(consistent=True)
        updates = APPLY[section](self, current, request)
        try:
            saved = ShopConfig.model_validate(current.model_dump() | updates)
        except ValidationError as error:  # a rule of the whole configuration the section broke
            problems = [
                FieldProblem(".".join(str(part) for part in problem["loc"]) or section, problem["type"])
                for problem in error.errors()
            ]
            raise InvalidRegistration(problems) from None
        changed = {name for name in updates if getattr(saved, name) != getattr(current, name)}
        self.config.save_shop_fields(saved, set(updates))
        self.audit_log.write_audit(
            AuditEntry(
                at=self.clock(),
                actor_user_id=actor,
                action=f"settings.{section}",
                target_user_id=None,
                detail={"changed": sorted(changed)},
            )
        )
        if changed & MENU_FIELDS:
            self.request_rich_menu_refresh()
        return self.settings()

    def request_rich_menu_refresh(self) -> None:
        """Ask for the rich menus to be redrawn with the new name, colour or logo (none in unit tests)."""
        if self.rich_menu_refresh is None:
            return
        self.rich_menu_refresh.request()

    # One function per section: the configuration's top-level fields the section sets

    def _shop(self, current: ShopConfig, request: ShopSection) -> dict[str, Any]:
        existing = {store.id: store for store in current.registration_form.stores}
        listed = {store.id for store in request.stores if store.id}
        if existing.keys() - listed:  # members and visits name it: a store stays once added
            raise InvalidRegistration([FieldProblem("stores", "store_removed")])
        stores = tuple(
            StoreChoice(id=store.id or new_store_id(existing.keys() | listed), name=store.name)
            for store in request.stores
        )
        return {
            "shop_name": request.shop_name,
            "theme_color": request.theme_color,
            "logo_url": request.logo_url,
            "shop_info": ShopInfo(**request.shop_info.model_dump()),
            "registration_form": current.registration_form.model_copy(update={"stores": stores}),
        }

    def _points(self, current: ShopConfig, request: PointsSection) -> dict[str, Any]:
        problems: list[FieldProblem] = []
        if request.ranks and request.ranks[0].min_points != 0:
            problems.append(FieldProblem("ranks.0.min_points", "lowest_rank_not_zero"))
        for i in range(1, len(request.ranks)):
            if request.ranks[i].min_points <= request.ranks[i - 1].min_points:
                problems.append(FieldProblem(f"ranks.{i}.min_points", "not_ascending"))
        names = [rank.name for rank in request.ranks]
        problems += [
            FieldProblem(f"ranks.{i}.name", "duplicate_rank")
            for i, name in enumerate(names)
            if name in names[:i]
        ]
        if problems:
            raise InvalidRegistration(problems)
        return {
            "points_rule": PointsRule(
                points_per_visit=request.points_per_visit, yen_per_point=request.yen_per_point
            ),
            "ranks": tuple(Rank(name=rank.name, min_points=rank.min_points) for rank in request.ranks),
            "rank_up_message": request.rank_up_message,
        }

    def _messages(self, current: ShopConfig, request: MessagesSection) -> dict[str, Any]:
        coupon = request.birthday_coupon
        return {
            "welcome": current.welcome.model_copy(
                update={
                    "new_friend": request.new_friend,
                    "returning_friend": request.returning_friend,
                    "returning_member": request.returning_member,
                    "register_button_label": request.register_button_label,
                }
            ),
            "registration_complete_message": request.registration_complete,
            "birth_month_message": request.birthday,
            "birthday_coupon": CouponTemplate(**coupon.model_dump()) if coupon else None,
        }

    def _form(self, current: ShopConfig, request: FormSection) -> dict[str, Any]:
        # Name, birthdate and phone may be off or optional: a member without a birthdate gets no
        # birth-month message, one without a phone claims no imported number and is not found by its
        # last 4 digits. But staff must be able to tell members apart: one identifying field stays.
        problems = []
        if all(getattr(request, name) is FieldUse.OFF for name in IDENTIFYING_FIELDS):
            problems += [FieldProblem(name, "no_identifying_field") for name in IDENTIFYING_FIELDS]
        if request.store is not FieldUse.OFF and not current.registration_form.stores:
            problems.append(FieldProblem("store", "no_stores"))
        for i, custom in enumerate(request.custom_texts):
            if len(set(custom.options)) != len(custom.options):
                problems.append(FieldProblem(f"custom_texts.{i}.options", "duplicate_option"))
        if problems:
            raise InvalidRegistration(problems)
        number_format = request.member_number_format.as_format()
        if (
            number_format != current.member_number_format
            and self.numbers.read_member_number_counter() is not None
        ):
            raise MemberNumberFormatLocked
        form = RegistrationFormConfig(
            name=request.name,
            birthdate=request.birthdate,
            phone=request.phone,
            name_kana=request.name_kana,
            store=request.store,
            stores=current.registration_form.stores,
            gender=request.gender,
            email=request.email,
            custom_texts=tuple(CustomTextField(**c.model_dump()) for c in request.custom_texts),
            custom_dates=tuple(CustomDateField(**c.model_dump()) for c in request.custom_dates),
        )
        return {
            "registration_form": form,
            "registration_mode": request.registration_mode,
            "member_number_format": number_format,
        }

    def _poster(self, current: ShopConfig, request: PosterSection) -> dict[str, Any]:
        return {"poster_code_validity": request.poster_code_validity}

    def _alerts(self, current: ShopConfig, request: AlertsSection) -> dict[str, Any]:
        return {"staff_alerts_enabled": request.staff_alerts_enabled}


def new_store_id(taken: set[str]) -> str:
    """A new store's id: never reused, never changed (members and visits keep it)."""
    while True:
        candidate = f"store-{uuid.uuid4().hex[:6]}"
        if candidate not in taken:
            taken.add(candidate)
            return candidate


APPLY: dict[str, Callable[[SettingsDesk, ShopConfig, Any], dict[str, Any]]] = {
    "shop": SettingsDesk._shop,
    "points": SettingsDesk._points,
    "messages": SettingsDesk._messages,
    "form": SettingsDesk._form,
    "poster": SettingsDesk._poster,
    "alerts": SettingsDesk._alerts,
}


def _shop_view(shop: ShopConfig) -> dict[str, Any]:
    return {
        "shop_name": shop.shop_name,
        "theme_color": shop.theme_color,
        "logo_url": shop.logo_url,
        "shop_info": shop.shop_info.model_dump(mode="json"),
        "stores": [store.model_dump(mode="json") for store in shop.registration_form.stores],
    }


def _points_view(shop: ShopConfig) -> dict[str, Any]:
    return {
        "points_per_visit": shop.points_rule.points_per_visit,
        "yen_per_point": shop.points_rule.yen_per_point,
        "ranks": [rank.model_dump(mode="json") for rank in shop.ranks],
        "rank_up_message": shop.rank_up_message,
    }


def _messages_view(shop: ShopConfig) -> dict[str, Any]:
    coupon = shop.birthday_coupon
    return {
        "new_friend": shop.welcome.new_friend,
        "returning_friend": shop.welcome.returning_friend,
        "returning_member": shop.welcome.returning_member,
        "register_button_label": shop.welcome.register_button_label,
        "registration_complete": shop.registration_complete_message,
        "birthday": shop.birth_month_message,
        "birthday_coupon": coupon.model_dump(mode="json") if coupon else None,
    }


def _form_view(shop: ShopConfig) -> dict[str, Any]:
    form = shop.registration_form.model_dump(mode="json", exclude={"stores"})
    return form | {
        "registration_mode": shop.registration_mode.value,
        "member_number_format": shop.member_number_format.model_dump(mode="json"),
    }


VIEWS: dict[str, Callable[[ShopConfig], dict[str, Any]]] = {
    "shop": _shop_view,
    "points": _points_view,
    "messages": _messages_view,
    "form": _form_view,
    "poster": lambda shop: {"poster_code_validity": shop.poster_code_validity.value},
    "alerts": lambda shop: {"staff_alerts_enabled": shop.staff_alerts_enabled},
}
