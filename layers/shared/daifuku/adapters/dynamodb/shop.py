"""The shop's configuration: one item, what the owner edits."""

from __future__ import annotations

from dataclasses import dataclass

from daifuku.adapters.dynamodb.keys import SHOP_KEY
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.models.shop import ShopConfig


@dataclass(frozen=True)
class ShopConfigRepository:
    _gateway: TableGateway

    def load_shop_config(self) -> ShopConfig:
        item = self._gateway.get(SHOP_KEY, consistent=False)
        return ShopConfig.model_validate(item.get("config", {})) if item else ShopConfig()

    def save_shop_config(self, config: ShopConfig) -> None:
        self._gateway.put({**SHOP_KEY, "config": config.model_dump(mode="json")})
