"""The shop's configuration: one item, what the owner edits."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from daifuku.adapters.dynamodb.keys import SHOP_KEY
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.errors import RecordContention
from daifuku.models.shop import ShopConfig

# Another writer created the item between our update and our put: a few rounds settle it.
SAVE_ATTEMPTS = 3


@dataclass(frozen=True)
class ShopConfigRepository:
    _gateway: TableGateway

    def load_shop_config(self, *, consistent: bool = False) -> ShopConfig:
        item = self._gateway.get(SHOP_KEY, consistent=consistent)
        return ShopConfig.model_validate(item.get("config", {})) if item else ShopConfig()

    def save_shop_config(self, config: ShopConfig) -> None:
        self._gateway.put({**SHOP_KEY, "config": config.model_dump(mode="json")})

    def save_shop_fields(self, config: ShopConfig, fields: set[str]) -> None:
        """Write only `fields` of `config` (one settings section), leaving the others as another
        writer (the operator's setup, another section) may have just left them."""
        dumped = config.model_dump(mode="json", include=fields)
        names = {f"#f{i}": name for i, name in enumerate(sorted(dumped))}
        values: dict[str, Any] = {f":f{i}": dumped[name] for i, name in enumerate(sorted(dumped))}
        expression = "SET " + ", ".join(f"config.{alias} = :{alias[1:]}" for alias in names)
        for _ in range(SAVE_ATTEMPTS):
            if self._gateway.update(
                SHOP_KEY, expression, condition="attribute_exists(config)", names=names, values=values
            ):
                return
            if self._gateway.put({**SHOP_KEY, "config": config.model_dump(mode="json")}, if_absent=True):
                return
        raise RecordContention("the shop configuration")
