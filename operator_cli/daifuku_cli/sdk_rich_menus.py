"""The rich menu publisher's LINE port (daifuku.domain.rich_menu_publishing) over line-bot-sdk."""

from __future__ import annotations

from typing import Any

from linebot.v3 import messaging

from daifuku.models.custom_rich_menus import image_type_of
from daifuku_cli.line_clients import LineClients, unless_not_found


class SdkRichMenuApi:
    """RichMenuApi through the operator's line-bot-sdk clients."""

    def __init__(self, line: LineClients):
        self._line = line

    def rich_menus(self) -> dict[str, dict[str, Any]]:
        listed = self._line.messaging.get_rich_menu_list().richmenus
        return {menu.rich_menu_id: menu.to_dict() for menu in listed}

    def create_rich_menu(self, definition: dict[str, Any], image: bytes, content_type: str) -> str:
        request = messaging.RichMenuRequest.from_dict(definition)
        menu_id = str(self._line.messaging.create_rich_menu(request).rich_menu_id)
        self._line.blob.set_rich_menu_image(menu_id, image, _headers={"Content-Type": content_type})
        return menu_id

    def rich_menu_image(self, rich_menu_id: str) -> tuple[bytes, str] | None:
        answer = unless_not_found(lambda: self._line.blob.get_rich_menu_image(rich_menu_id))
        if answer is None:
            return None
        image = bytes(answer)
        return image, image_type_of(image) or "image/png"

    def delete_rich_menu(self, rich_menu_id: str) -> None:
        self._line.messaging.delete_rich_menu(rich_menu_id)

    def default_rich_menu(self) -> str | None:
        answer = unless_not_found(self._line.messaging.get_default_rich_menu_id)
        return str(answer.rich_menu_id) if answer else None

    def set_default_rich_menu(self, rich_menu_id: str) -> None:
        self._line.messaging.set_default_rich_menu(rich_menu_id)

    def rich_menu_aliases(self) -> dict[str, str]:
        listed = self._line.messaging.get_rich_menu_alias_list().aliases
        return {alias.rich_menu_alias_id: alias.rich_menu_id for alias in listed}

    def set_rich_menu_alias(self, alias: str, rich_menu_id: str, *, exists: bool) -> None:
        if exists:
            request = messaging.UpdateRichMenuAliasRequest(rich_menu_id=rich_menu_id)
            self._line.messaging.update_rich_menu_alias(alias, request)
        else:
            self._line.messaging.create_rich_menu_alias(
                messaging.CreateRichMenuAliasRequest(rich_menu_alias_id=alias, rich_menu_id=rich_menu_id)
            )

    def link_rich_menu_to_users(self, rich_menu_id: str, user_ids: list[str]) -> None:
        request = messaging.RichMenuBulkLinkRequest(rich_menu_id=rich_menu_id, user_ids=user_ids)
        self._line.messaging.link_rich_menu_id_to_users(request)
