"""Asks the rich menu painter function (functions/rich_menu_painter) to redraw and relink the shop's
rich menus: a Lambda asynchronous invoke, so the caller (a settings save, the owner's refresh button)
answers at once while the drawing takes its few seconds. Setting the owner's own menu is a
synchronous invoke instead: the painter checks the image (with Pillow, which only it has) and the
owner is told at once why LINE would refuse it."""

from __future__ import annotations

import json
from typing import Any


class RichMenuRefresh:
    """`request()` queues one repaint; the painter reads the shop config when it runs, so requests
    that pile up while it works all see the latest settings."""

    def __init__(self, function_name: str, client: Any = None):
        self._function_name = function_name
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("lambda")
        return self._client

    def request(self, reason: str = "settings") -> None:
        self.client.invoke(
            FunctionName=self._function_name,
            InvocationType="Event",
            Payload=json.dumps({"reason": reason}).encode(),
        )

    def set_menu(self, kind: str, menu: dict[str, Any] | None) -> dict[str, Any]:
        """The painter's answer to the owner's menu for `kind` (None: the standard one again)."""
        answer = self.client.invoke(
            FunctionName=self._function_name,
            InvocationType="RequestResponse",
            Payload=json.dumps({"set_menu": {"kind": kind, "menu": menu}}).encode(),
        )
        result = json.loads(answer["Payload"].read() or b"{}")
        if answer.get("FunctionError") or not isinstance(result, dict):
            raise RuntimeError(f"the rich menu painter failed: {str(result)[:200]}")
        return result
