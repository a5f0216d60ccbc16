"""What the owner sends to set up the connections to other systems (設定 → 連携)."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from daifuku.domain.shop_events import ShopEventType
from daifuku.models.boundary_types import Text

# https only, checked with the rest of the rules by daifuku.domain.shop_events.check_outgoing_url.
OutgoingUrl = Annotated[str, Text(2000)]
EndpointName = Annotated[str, Text(40)]
ClearableUrl = Annotated[str, Text(2000, min_length=0)]  # "" or null: no forwarding
# A shop's other systems: a POS, an EC site, a spreadsheet; more is a sign of a loop.
MAX_EVENT_ENDPOINTS = 10


class ForwardingRequest(BaseModel):
    """Forward every webhook request to `url` (None: stop forwarding); `silent`: Daifuku records and
    forwards, but neither replies nor switches rich menus (the other tool still answers)."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    url: ClearableUrl | None = None
    silent: bool = False


class EventEndpointRequest(BaseModel):
    """A new outgoing-event endpoint."""

    model_config = ConfigDict(defer_build=True, extra="forbid", frozen=True)

    name: EndpointName
    url: OutgoingUrl
    events: Annotated[list[ShopEventType], Field(min_length=1, max_length=len(ShopEventType))]
    include_personal: bool = False
