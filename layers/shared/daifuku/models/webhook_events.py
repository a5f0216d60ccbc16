"""The webhook request body LINE sends (../shared/line-openapi/webhook.yml), as far as Daifuku reads it.

Events are parsed one by one: an event type Daifuku does not handle, or one it cannot read, is
skipped and logged by type, and never fails the request or the other events in it.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError


class _LineModel(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class EventSource(_LineModel):
    type: str
    user_id: str | None = Field(default=None, alias="userId")


class DeliveryContext(_LineModel):
    is_redelivery: bool = Field(alias="isRedelivery")


class _Event(_LineModel):
    timestamp: int = Field(description="milliseconds since the epoch")
    webhook_event_id: str = Field(alias="webhookEventId", min_length=1)
    delivery_context: DeliveryContext = Field(alias="deliveryContext")
    mode: str = "active"
    source: EventSource | None = None
    reply_token: str | None = Field(default=None, alias="replyToken")

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
    id: str
    type: str
    text: str | None = None


class MessageEvent(_Event):
    type: Literal["message"]
    message: MessageContent


class PostbackContent(_LineModel):
    data: str
    params: dict[str, Any] | None = None


class PostbackEvent(_Event):
    type: Literal["postback"]
    postback: PostbackContent


class OtherEvent(_Event):
    """Any event type Daifuku does not act on (join, beacon, unsend, …): recorded as seen, nothing more."""

    type: str


HandledEvent = Annotated[
    FollowEvent | UnfollowEvent | MessageEvent | PostbackEvent, Field(discriminator="type")
]
HANDLED_TYPES = frozenset({"follow", "unfollow", "message", "postback"})
WebhookEvent = FollowEvent | UnfollowEvent | MessageEvent | PostbackEvent | OtherEvent

_handled_event = TypeAdapter[FollowEvent | UnfollowEvent | MessageEvent | PostbackEvent](HandledEvent)


class WebhookRequest(_LineModel):
    destination: str
    events: list[dict[str, Any]]


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
