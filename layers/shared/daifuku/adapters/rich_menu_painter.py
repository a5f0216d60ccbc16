"""Asks the rich menu painter function (functions/rich_menu_painter) to redraw and relink the shop's
rich menus: a Lambda asynchronous invoke, so the caller (a settings save, the owner's refresh button)
answers at once while the drawing takes its few seconds."""

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
