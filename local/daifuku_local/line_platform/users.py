"""Simulated users: who they are, what they did (follow, block, chat, postback) and what reached them."""

from __future__ import annotations

import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel

from daifuku_local.line_platform.id_tokens import IdTokenIssuer
from daifuku_local.line_platform.webhook_events import (
    follow_event,
    image_message_event,
    message_id,
    postback_event,
    sticker_message_event,
    text_message_event,
    unfollow_event,
)
from daifuku_local.line_platform.webhooks import WebhookDelivery

# Reply tokens expire a minute after the event that carried them.
REPLY_TOKEN_SECONDS = 60


class SimulatedUser(BaseModel):
    user_id: str
    display_name: str
    picture_url: str | None = None
    status_message: str | None = None
    language: str = "ja"
    following: bool = False
    ever_followed: bool = False
    # Accepts a LIFF app's bot prompt ("add this account as a friend"), as a new customer scanning the
    # shop's QR does; off by default so that opening a page changes nothing else.
    accepts_bot_prompt: bool = False


@dataclass
class TranscriptEntry:
    at: float
    direction: str  # "to_user" (a message reached them) or "from_user" (they sent or tapped)
    via: str  # reply, push, multicast, text, postback, follow, block
    message: dict[str, Any]
    request_id: str | None = None
    mark_as_read_token: str | None = None  # a message from the user: the token LINE gave the bot
    read: bool = False  # the bot marked it read (the user sees 既読)


class SimulatedUsers:
    """The channel's users; what they do becomes signed webhooks, and every message is transcribed."""

    def __init__(
        self,
        lock: threading.RLock,
        ids: random.Random,
        webhooks: WebhookDelivery,
        id_tokens: IdTokenIssuer,
    ):
        self._lock = lock
        self._ids = ids
        self._webhooks = webhooks
        self._id_tokens = id_tokens
        self.users: dict[str, SimulatedUser] = {}
        self.transcripts: dict[str, list[TranscriptEntry]] = {}
        self._reply_tokens: dict[str, float] = {}
        self._reply_token_users: dict[str, str] = {}
        self.contents: dict[str, tuple[bytes, str]] = {}  # message id → what the user sent (images)

    def create_user(self, display_name: str | None = None, **profile: Any) -> SimulatedUser:
        with self._lock:
            user_id = "U" + "".join(self._ids.choices("0123456789abcdef", k=32))
            name = display_name or f"ユーザー{len(self.users) + 1}"
            user = SimulatedUser(user_id=user_id, display_name=name, **profile)
            self.users[user_id] = user
            self.transcripts[user_id] = []
        return user

    def issue_reply_token(self, user_id: str) -> str:
        token = uuid.uuid4().hex
        with self._lock:
            self._reply_tokens[token] = time.time()
            self._reply_token_users[token] = user_id
        return token

    def take_reply_token(self, token: str) -> str | None:
        """The user a reply token answers, once and within its minute; None otherwise."""
        with self._lock:
            issued = self._reply_tokens.pop(token, None)
            if issued is None or time.time() - issued > REPLY_TOKEN_SECONDS:
                return None
            return self._reply_token_users.pop(token)

    def follow(self, user_id: str) -> int:
        return self._webhooks.send_events([self.follow_without_webhook(user_id)])

    def follow_without_webhook(self, user_id: str) -> dict[str, Any]:
        """The user follows; the follow event is returned for the caller to deliver (or deliver again)."""
        user = self.users[user_id]
        unblocked = user.ever_followed
        user.following, user.ever_followed = True, True
        self._note(user_id, "follow", {"type": "follow"})
        event = follow_event(user_id, self.issue_reply_token(user_id), unblocked)
        self._webhooks.record(event)
        return event

    def block(self, user_id: str) -> int:
        self.users[user_id].following = False
        self._note(user_id, "block", {"type": "block"})
        return self._webhooks.send_events([unfollow_event(user_id)])

    def send_text(self, user_id: str, text: str) -> int:
        token = self._note(user_id, "text", {"type": "text", "text": text})
        return self._webhooks.send_events(
            [text_message_event(user_id, self.issue_reply_token(user_id), text, token)]
        )

    def send_image(self, user_id: str, content: bytes, content_type: str) -> int:
        """The user sends a photo: LINE keeps its bytes for the content API."""
        image_id = message_id()
        with self._lock:
            self.contents[image_id] = (content, content_type)
        token = self._note(user_id, "image", {"type": "image", "id": image_id})
        return self._webhooks.send_events(
            [image_message_event(user_id, self.issue_reply_token(user_id), image_id, token)]
        )

    def send_sticker(self, user_id: str, package_id: str, sticker_id: str) -> int:
        message = {"type": "sticker", "packageId": package_id, "stickerId": sticker_id}
        token = self._note(user_id, "sticker", message)
        event = sticker_message_event(user_id, self.issue_reply_token(user_id), package_id, sticker_id, token)
        return self._webhooks.send_events([event])

    def mark_read(self, token: str) -> bool:
        """The bot marks the user's messages up to the token's as read; False for an unknown token."""
        with self._lock:
            for entries in self.transcripts.values():
                positions = [i for i, e in enumerate(entries) if e.mark_as_read_token == token]
                if positions:
                    for entry in entries[: positions[0] + 1]:
                        if entry.direction == "from_user":
                            entry.read = True
                    return True
        return False

    def note_chat(self, user_id: str, via: str, detail: dict[str, Any]) -> None:
        """Something in the user's chat that is not a message (the loading animation)."""
        with self._lock:
            self.transcripts.setdefault(user_id, []).append(TranscriptEntry(time.time(), "chat", via, detail))

    def send_postback(self, user_id: str, data: str) -> int:
        self._note(user_id, "postback", {"type": "postback", "data": data})
        return self._webhooks.send_events([postback_event(user_id, self.issue_reply_token(user_id), data)])

    def perform(self, user_id: str, action: dict[str, Any] | None) -> dict[str, Any]:
        """What LINE sends when the user taps an area with this action (a rich menu's)."""
        if action is None:
            return {"action": None}
        if action["type"] in ("postback", "richmenuswitch"):
            return {"action": action, "webhookStatus": self.send_postback(user_id, action["data"])}
        if action["type"] == "message":
            return {"action": action, "webhookStatus": self.send_text(user_id, action["text"])}
        return {"action": action}

    def _note(self, user_id: str, via: str, message: dict[str, Any]) -> str:
        """Transcribe what the user did; the markAsReadToken LINE gives the bot for it."""
        token = uuid.uuid4().hex
        with self._lock:
            self.transcripts.setdefault(user_id, []).append(
                TranscriptEntry(time.time(), "from_user", via, message, mark_as_read_token=token)
            )
        return token

    def deliver(self, user_id: str, message: dict[str, Any], via: str, request_id: str) -> None:
        """A message reached the user (the caller holds the lock)."""
        self.transcripts.setdefault(user_id, []).append(
            TranscriptEntry(time.time(), "to_user", via, message, request_id)
        )

    def liff_session(self, user_id: str, liff_id: str | None) -> dict[str, Any]:
        """What `@line/liff-mock` needs to play this user in a LIFF app: profile, ID token, context."""
        user = self.users[user_id]
        token = self._id_tokens.issue(user_id, user.display_name, user.picture_url)
        claims = self._id_tokens.verify(token, None)
        profile = {"userId": user_id, "displayName": user.display_name}
        if user.picture_url:
            profile["pictureUrl"] = user.picture_url
        if user.status_message:
            profile["statusMessage"] = user.status_message
        return {
            "profile": profile,
            "idToken": token,
            "decodedIdToken": claims,
            "context": {"type": "utou", "userId": user_id, "liffId": liff_id, "viewType": "full"},
            "friendFlag": user.following,
        }
