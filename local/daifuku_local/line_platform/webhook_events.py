"""Webhook events as LINE sends them (webhook.yml): the ones users cause, and one sample of every type."""

from __future__ import annotations

import os
import random
import string
import time
from typing import Any

_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def webhook_event_id() -> str:
    """A ULID, as LINE's webhookEventId is: 48-bit milliseconds then 80 random bits, Crockford base32."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    return "".join(_ULID_ALPHABET[(value >> shift) & 31] for shift in range(125, -1, -5))


def _random_digits(count: int) -> str:
    return "".join(random.choices(string.digits, k=count))


def base_event(event_type: str, user_id: str, reply_token: str | None) -> dict[str, Any]:
    event: dict[str, Any] = {
        "type": event_type,
        "timestamp": int(time.time() * 1000),
        "mode": "active",
        "webhookEventId": webhook_event_id(),
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "user", "userId": user_id},
    }
    if reply_token:
        event["replyToken"] = reply_token
    return event


def follow_event(user_id: str, reply_token: str, is_unblocked: bool) -> dict[str, Any]:
    return base_event("follow", user_id, reply_token) | {"follow": {"isUnblocked": is_unblocked}}


def unfollow_event(user_id: str) -> dict[str, Any]:
    return base_event("unfollow", user_id, None)


def message_id() -> str:
    return _random_digits(18)


def text_message_event(
    user_id: str, reply_token: str, text: str, mark_as_read_token: str | None = None
) -> dict[str, Any]:
    message = {"id": message_id(), "type": "text", "text": text, "quoteToken": _random_digits(20)}
    if mark_as_read_token:
        message["markAsReadToken"] = mark_as_read_token
    return base_event("message", user_id, reply_token) | {"message": message}


def image_message_event(
    user_id: str, reply_token: str, image_id: str, mark_as_read_token: str
) -> dict[str, Any]:
    message = {
        "id": image_id,
        "type": "image",
        "contentProvider": {"type": "line"},
        "quoteToken": _random_digits(20),
        "markAsReadToken": mark_as_read_token,
    }
    return base_event("message", user_id, reply_token) | {"message": message}


def sticker_message_event(
    user_id: str, reply_token: str, package_id: str, sticker_id: str, mark_as_read_token: str
) -> dict[str, Any]:
    message = {
        "id": message_id(),
        "type": "sticker",
        "packageId": package_id,
        "stickerId": sticker_id,
        "stickerResourceType": "STATIC",
        "quoteToken": _random_digits(20),
        "markAsReadToken": mark_as_read_token,
    }
    return base_event("message", user_id, reply_token) | {"message": message}


def postback_event(user_id: str, reply_token: str, data: str) -> dict[str, Any]:
    return base_event("postback", user_id, reply_token) | {"postback": {"data": data}}


def sample_of_every_event_type(user_id: str, reply_token: str) -> list[dict[str, Any]]:
    """One event of each type (and each message type) in webhook.yml, valid against it."""
    provider = {"type": "line"}

    def message(content: dict[str, Any]) -> dict[str, Any]:
        return base_event("message", user_id, reply_token) | {
            "message": {"id": _random_digits(18), **content}
        }

    quote = _random_digits(20)
    group = "C" + "0" * 32
    return [
        message({"type": "text", "text": "こんにちは", "quoteToken": quote}),
        message({"type": "image", "contentProvider": provider, "quoteToken": quote}),
        message({"type": "video", "duration": 1000, "contentProvider": provider, "quoteToken": quote}),
        message({"type": "audio", "duration": 1000, "contentProvider": provider}),
        message({"type": "file", "fileName": "menu.pdf", "fileSize": 1024}),
        message(
            {"type": "location", "title": "店", "address": "東京都", "latitude": 35.68, "longitude": 139.76}
        ),
        message(
            {
                "type": "sticker",
                "packageId": "446",
                "stickerId": "1988",
                "stickerResourceType": "STATIC",
                "quoteToken": quote,
            }
        ),
        base_event("unsend", user_id, None) | {"unsend": {"messageId": _random_digits(18)}},
        follow_event(user_id, reply_token, is_unblocked=False),
        unfollow_event(user_id),
        base_event("join", user_id, reply_token) | {"source": {"type": "group", "groupId": group}},
        base_event("leave", user_id, None) | {"source": {"type": "group", "groupId": group}},
        base_event("memberJoined", user_id, reply_token)
        | {
            "source": {"type": "group", "groupId": group},
            "joined": {"members": [{"type": "user", "userId": user_id}]},
        },
        base_event("memberLeft", user_id, None)
        | {
            "source": {"type": "group", "groupId": group},
            "left": {"members": [{"type": "user", "userId": user_id}]},
        },
        postback_event(user_id, reply_token, "action=show_card"),
        base_event("videoPlayComplete", user_id, reply_token) | {"videoPlayComplete": {"trackingId": "t1"}},
        base_event("beacon", user_id, reply_token) | {"beacon": {"hwid": "d41d8cd98f", "type": "enter"}},
        base_event("accountLink", user_id, reply_token) | {"link": {"result": "ok", "nonce": "n0nce"}},
        base_event("membership", user_id, reply_token)
        | {"membership": {"type": "joined", "membershipId": 1}},
        base_event("module", user_id, None)
        | {"module": {"type": "detached", "botId": "U" + "1" * 32, "reason": "bot_deleted"}},
        base_event("activated", user_id, None)
        | {"chatControl": {"expireAt": int(time.time() * 1000) + 60000}},
        base_event("deactivated", user_id, None),
        base_event("botSuspended", user_id, None),
        base_event("botResumed", user_id, None),
        base_event("delivery", user_id, None) | {"delivery": {"data": "hashed-phone"}},
    ]
