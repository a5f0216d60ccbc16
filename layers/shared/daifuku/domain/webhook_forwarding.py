"""Living beside another LINE tool: LINE's webhook requests passed on to it, and Daifuku kept silent.

A channel has one webhook URL. With Daifuku's there, the owner's old tool (Lステップ, another CRM)
still gets every request: body and X-Line-Signature unchanged (it holds the same channel secret), through
the connect queue so that LINE's answer never waits for it. With `silent`, Daifuku records everything
but sends no replies and links no rich menus, so that the old tool alone answers during a migration.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol

from daifuku.domain.connect_delivery import EventDelivery, WebhookForward
from daifuku.domain.connect_desk import Forwarding
from daifuku.domain.errors import LeftToTheOtherTool


class ForwardQueue(Protocol):
    def enqueue(self, messages: list[EventDelivery | WebhookForward]) -> None: ...


def forward_webhook(
    forwarding: Forwarding, queue: ForwardQueue | None, body: bytes, signature: str | None, at: datetime
) -> bool:
    """Queue the request for the forwarding URL, if there is one; True when queued."""
    if forwarding.url is None or queue is None:
        return False
    queue.enqueue([WebhookForward.of(forwarding.url, body, signature, at)])
    return True


class SilentLine:
    """The LINE gateway of a silent Daifuku: replies and rich-menu links are left to the other tool;
    profiles are still read, and staff alerts (to the shop's own staff) still go."""

    def __init__(self, line: Any):
        self._line = line

    def get_profile(self, user_id: str) -> Any:
        return self._line.get_profile(user_id)

    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> None:
        # Raised, not ignored: a reply that was not sent must not be recorded in the conversation.
        raise LeftToTheOtherTool

    def multicast(self, to: list[str], messages: list[dict[str, Any]], retry_key: str | None = None) -> Any:
        return self._line.multicast(to, messages, retry_key)

    def link_rich_menu(self, user_id: str, rich_menu_id: str) -> None:
        return None

    def show_loading(self, user_id: str, seconds: int) -> None:
        return None

    def message_content(self, message_id: str) -> Any:
        return self._line.message_content(message_id)


def line_for(forwarding: Forwarding, line: Any) -> Any:
    """The gateway the webhook answers with: silent or not."""
    return SilentLine(line) if forwarding.silent else line
