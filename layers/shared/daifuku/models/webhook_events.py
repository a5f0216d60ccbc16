"""The webhook request body LINE sends (../shared/line-openapi/webhook.yml), as far as Daifuku reads it.

Events are parsed one by one: an event type Daifuku does not handle, or one it cannot read, is
skipped and logged by type, and never fails the request or the other events in it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from daifuku.models.boundary_types import (
    EpochMillis,
    JsonObject,
    KeyId,
    LineText,
    LineUserId,
    RawLineObject,
    Text,
)

# An event or source type, a mode: one short word of LINE's.
LineWord = Annotated[str, Text(40)]


class _LineModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True, defer_build=True)


class EventSource(_LineModel):
    type: LineWord
    user_id: LineUserId | None = Field(default=None, alias="userId")


class DeliveryContext(_LineModel):
    is_redelivery: bool = Field(alias="isRedelivery")


class _Event(_LineModel):
    timestamp: EpochMillis = Field(description="milliseconds since the epoch")
    webhook_event_id: KeyId = Field(alias="webhookEventId")
    delivery_context: DeliveryContext = Field(alias="deliveryContext")
    mode: LineWord = "active"
    source: EventSource | None = None
    reply_token: KeyId | None = Field(default=None, alias="replyToken")

    @property
    def user_id(self) -> str | None:
        return self.source.user_id if self.source and self.source.type == "user" else None


class FollowDetail(_LineModel):
    is_unblocked: bool = Field(alias="isUnblocked")


class FollowEvent(_Event):
    type: Literal["follow"]
    follow: FollowDetail | None = None


class UnfollowEvent(_Event):
    type: Literal["unfollow"]


class MessageContent(_LineModel):
    id: KeyId
    type: LineWord
    text: LineText | None = None
    mark_as_read_token: Annotated[str, Text(1000)] | None = Field(default=None, alias="markAsReadToken")
    package_id: KeyId | None = Field(default=None, alias="packageId")
    sticker_id: KeyId | None = Field(default=None, alias="stickerId")


class MessageEvent(_Event):
    type: Literal["message"]
    message: MessageContent


class PostbackContent(_LineModel):
    data: Annotated[str, Text(1000, min_length=0)]
    params: JsonObject | None = None


class PostbackEvent(_Event):
    type: Literal["postback"]
    postback: PostbackContent


class OtherEvent(_Event):
    """Any event type Daifuku does not act on (join, beacon, unsend, …): recorded as seen, nothing more."""

    type: LineWord


HandledEvent = Annotated[
    FollowEvent | UnfollowEvent | MessageEvent | PostbackEvent, Field(discriminator="type")
]
HANDLED_TYPES = frozenset({"follow", "unfollow", "message", "postback"})
WebhookEvent = FollowEvent | UnfollowEvent | MessageEvent | PostbackEvent | OtherEvent

_handled_event = TypeAdapter[FollowEvent | UnfollowEvent | MessageEvent | PostbackEvent](HandledEvent)


class WebhookRequest(_LineModel):
    destination: KeyId
    events: list[RawLineObject]


class UnreadableEvent(_LineModel):
    """An event whose fields Daifuku could not read; `type` is kept for the log."""

    type: str
    reason: str


def parse_event(raw: dict[str, Any]) -> WebhookEvent | UnreadableEvent:
    """One event of a webhook request, typed; never raises."""
    event_type = str(raw.get("type", "?"))
    try:
        if event_type in HANDLED_TYPES:
            return _handled_event.validate_python(raw)
        return OtherEvent.model_validate(raw)
    except ValidationError as error:
        fields = ",".join(".".join(str(part) for part in item["loc"]) for item in error.errors())
        return UnreadableEvent(type=event_type, reason=f"invalid fields: {fields}")
