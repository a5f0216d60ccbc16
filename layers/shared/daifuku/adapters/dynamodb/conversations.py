"""Conversations in the table: each customer's messages and summary (in their own partition), the
auto-reply rules and settings, saved replies and the new-message alerts' subscribers.

The inbox reads summaries off three sparse indexes (table_schema.INBOX_*), newest first, so listing
N conversations reads N items; opening one reads its summary, its newest messages and the member.
An incoming message is written by the webhook's transaction (`incoming_message_writes`, used by
friends.py), keyed by its webhook event id: a redelivery writes nothing twice and a burst keeps
every message in its order (time, then event id).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from boto3.dynamodb.conditions import Attr, Key

from daifuku.adapters.dynamodb.keys import (
    AUTO_REPLY_PK,
    AUTO_REPLY_RULE_SK_PREFIX,
    CONVERSATION_SETTINGS,
    INBOX_ALERTS_PK,
    MESSAGE_SK_PREFIX,
    SAVED_REPLY_PK,
    auto_reply_rule_key,
    conversation_key,
    inbox_alert_subscriber_key,
    inbox_alerts_sent_key,
    message_key,
    out_of_hours_key,
    saved_reply_key,
    user_partition,
    utc,
)
from daifuku.adapters.dynamodb.member_tags import add_member_tag
from daifuku.adapters.dynamodb.table import TableGateway, update_request
from daifuku.domain.auto_replies import OutgoingMessage, preview
from daifuku.domain.friend_records import ReceivedMessage
from daifuku.models.conversations import (
    AutoReplyRule,
    ConversationSettings,
    ConversationSummary,
    InboxFilter,
    SavedReply,
    StoredMessage,
)
from daifuku.models.member import Member
from daifuku.models.membership import Coupon
from daifuku.models.staff import CouponTemplateRecord

if TYPE_CHECKING:
    from daifuku.adapters.dynamodb.coupons import CouponRepository
    from daifuku.adapters.dynamodb.members import MemberRepository
from daifuku.table_schema import INBOX_INDEX, TAG_INDEX

# The sparse index attribute's one value: a conversation is in the inbox when it has the attribute.
LISTED = "1"
# The filters read the one inbox index, newest first, and keep what they show: one index for the
# table (DynamoDB adds one index per deploy, so an existing shop takes this in a single update); a
# filter reads past the conversations it leaves out, which for a shop's few thousand summaries
# is a page or two.
FILTER_CONDITIONS = {
    InboxFilter.UNREAD: Attr("unread_count").gt(0),
    InboxFilter.NEEDS_REPLY: Attr("needs_reply").eq(True),
}
SETTINGS_KEY = CONVERSATION_SETTINGS.key()
# On the settings item: moved by every rule change, so that warm webhooks read the rules again.
RULES_VERSION = "rules_version"
# table name → (rules version, the rules): the rules as this container last read them.
_rules_cache: dict[str, tuple[int, tuple[AutoReplyRule, ...]]] = {}
PREVIEW_CHARACTERS = 80


def _epoch(at: datetime) -> int:
    return int(at.timestamp())


def inbox_position(at: datetime, user_id: str) -> str:
    """The summary's sort key on the inbox indexes: newest message first, the user id breaking ties."""
    return f"{utc(at)}#{user_id}"


def _received_preview(message: ReceivedMessage) -> str:
    if message.kind == "message:text" and message.text:
        return message.text[:PREVIEW_CHARACTERS]
    return {"message:image": "[画像]", "message:sticker": "[スタンプ]", "postback": "[ボタン]"}.get(
        message.kind, "[メッセージ]"
    )


def incoming_message_writes(
    user_id: str, at: datetime, webhook_event_id: str, message: ReceivedMessage
) -> list[dict[str, Any]]:
    """The message's item and its conversation's summary, for the webhook's transaction."""
    item: dict[str, Any] = {
        **message_key(user_id, at, webhook_event_id),
        "user_id": user_id,
        "at": utc(at),
        "message_key": webhook_event_id,
        "webhook_event_id": webhook_event_id,
        "direction": "in",
        "kind": message.kind.removeprefix("message:"),
    }
    if message.text is not None:
        item["text"] = message.text
    if message.line_message_id:
        item["line_message_id"] = message.line_message_id
    if message.sticker:
        item["sticker_package_id"], item["sticker_id"] = message.sticker
    if message.keep_until:
        item["expires_at"] = _epoch(message.keep_until)
    values: dict[str, Any] = {
        ":user_id": user_id,
        ":at": utc(at),
        ":position": inbox_position(at, user_id),
        ":listed": LISTED,
        ":preview": _received_preview(message),
        ":in": "in",
    }
    assignments = [
        "user_id = :user_id",
        "last_message_at = :at",
        "inbox_at = :position",
        "inbox = :listed",
        "last_message_preview = :preview",
        "last_direction = :in",
    ]
    adds = []
    if message.asks_for_reply:
        values |= {":one": 1, ":true": True}
        assignments.append("needs_reply = :true")
        adds.append("unread_count :one")
        if message.mark_as_read_token:
            values[":token"] = message.mark_as_read_token
            assignments.append("mark_as_read_token = :token")
    if message.keep_until:
        values[":expires"] = _epoch(message.keep_until)
        assignments.append("expires_at = :expires")
    expression = "SET " + ", ".join(assignments) + (" ADD " + ", ".join(adds) if adds else "")
    summary = update_request(conversation_key(user_id), expression, values=values)
    return [{"Put": {"Item": item}}, {"Update": summary}]


@dataclass
class ConversationRepository:
    """Conversations, auto-reply rules and saved replies; `items_read` counts what the inbox read."""

    _gateway: TableGateway
    items_read: int = field(default=0)

    # Auto-reply rules and settings: one Query reads them all (the webhook's one read per message)

    def rules_and_settings(self) -> tuple[list[AutoReplyRule], ConversationSettings]:
        """The settings (one GetItem, every time) and the rules, read again only when the settings
        item's `rules_version` moved since this container last read them (every rule change moves it)."""
        item = self._gateway.get(SETTINGS_KEY) or {}
        settings = ConversationSettings.model_validate(item)
        version = int(item.get(RULES_VERSION, 0))
        cached = _rules_cache.get(self._gateway.name)
        if cached is not None and cached[0] == version:
            return list(cached[1]), settings
        rules = [
            AutoReplyRule.model_validate(rule)
            for rule in self._gateway.query(
                KeyConditionExpression=Key("pk").eq(AUTO_REPLY_PK)
                & Key("sk").begins_with(AUTO_REPLY_RULE_SK_PREFIX),
                ConsistentRead=True,
            )
        ]
        _rules_cache[self._gateway.name] = (version, tuple(rules))
        return rules, settings

    def save_rule(self, rule: AutoReplyRule) -> None:
        self._gateway.put(
            {**auto_reply_rule_key(rule.rule_id), **rule.model_dump(mode="json", exclude_none=True)}
        )
        self._rules_changed()

    def delete_rule(self, rule_id: str) -> bool:
        """False when there was no such rule."""
        if not self._gateway.delete(auto_reply_rule_key(rule_id)):
            return False
        self._rules_changed()
        return True

    def save_settings(self, settings: ConversationSettings) -> None:
        """The owner's settings (the rules' version is kept)."""
        self._gateway.update(
            SETTINGS_KEY,
            "SET out_of_hours = :hours, retention_days = :days",
            values={
                ":hours": settings.out_of_hours.model_dump(mode="json"),
                ":days": settings.retention_days,
            },
        )

    def _rules_changed(self) -> None:
        self._gateway.update(SETTINGS_KEY, f"ADD {RULES_VERSION} :one", values={":one": 1})

    # What the webhook writes beside the message

    def take_out_of_hours(self, user_id: str, day: date, keep_until: datetime) -> bool:
        item = {**out_of_hours_key(user_id, day), "expires_at": _epoch(keep_until)}
        return self._gateway.put(item, if_absent=True)

    def record_outgoing(self, message: OutgoingMessage) -> None:
        """The message's item, and the summary when the customer has written (latest message; "needs
        reply" cleared when it answers)."""
        kinds = {m.get("type", "") for m in message.messages}
        item: dict[str, Any] = {
            **message_key(message.user_id, message.at, message.message_key),
            "user_id": message.user_id,
            "at": utc(message.at),
            "message_key": message.message_key,
            "direction": "out",
            "kind": "text" if kinds == {"text"} else ",".join(sorted(kinds)),
            "text": "\n".join(_readable(m) for m in message.messages),
            "sent_by": message.sent_by,
            "sent_by_label": message.sent_by_label,
            "expires_at": _epoch(message.keep_until),
        }
        values: dict[str, Any] = {
            ":user_id": message.user_id,
            ":at": utc(message.at),
            ":position": inbox_position(message.at, message.user_id),
            ":listed": LISTED,
            ":preview": preview(message.messages),
            ":out": "out",
            ":expires": _epoch(message.keep_until),
        }
        expression = (
            "SET user_id = :user_id, last_message_at = :at, inbox_at = :position, inbox = :listed, "
            "last_message_preview = :preview, last_direction = :out, expires_at = :expires"
        )
        if message.answers_customer:
            values[":false"] = False
            expression += ", needs_reply = :false"
        self._gateway.put(item)
        # A conversation starts with the customer: what Daifuku sends before they write (a welcome)
        # is kept in their partition but lists no conversation.
        self._gateway.update(
            conversation_key(message.user_id), expression, condition="attribute_exists(pk)", values=values
        )

    def record_campaign_sent(
        self, campaign_id: str, campaign_name: str, user_ids: list[str], messages: list[dict[str, Any]]
    ) -> None:
        """A campaign's messages in each recipient's conversation, without moving it up the inbox (a
        broadcast is not a chat). One item per recipient, written in batches; a retried batch writes
        the recipient's item again (a second copy: the time is in its key)."""
        if not user_ids:
            return
        now = datetime.now(UTC)
        keep_until = now + timedelta(days=self.rules_and_settings()[1].retention_days)
        kinds = {m.get("type", "") for m in messages}
        with self._gateway.batch_writer() as batch:
            for user_id in user_ids:
                batch.put_item(
                    Item={
                        **message_key(user_id, now, f"campaign-{campaign_id}"),
                        "user_id": user_id,
                        "at": utc(now),
                        "message_key": f"campaign-{campaign_id}",
                        "direction": "out",
                        "kind": "text" if kinds == {"text"} else ",".join(sorted(kinds)),
                        "text": "\n".join(_readable(m) for m in messages),
                        "sent_by": f"campaign:{campaign_id}",
                        "sent_by_label": f"配信「{campaign_name}」",
                        "expires_at": _epoch(keep_until),
                    }
                )

    def note_customer(self, user_id: str, display_name: str | None, member_no: str | None) -> None:
        names = {k: v for k, v in {"display_name": display_name, "member_no": member_no}.items() if v}
        if not names:
            return
        self._gateway.update(
            conversation_key(user_id),
            "SET " + ", ".join(f"{k} = :{k}" for k in names),
            condition="attribute_exists(pk)",
            values={f":{k}": v for k, v in names.items()},
        )

    # The inbox

    def list_conversations(
        self, list_filter: InboxFilter, limit: int, before: str | None = None
    ) -> list[ConversationSummary]:
        condition = Key(INBOX_INDEX.partition_key.name).eq(LISTED)
        if before:
            condition &= Key("inbox_at").lt(before)
        query: dict[str, Any] = {
            "IndexName": INBOX_INDEX.name,
            "KeyConditionExpression": condition,
            "ScanIndexForward": False,
            "Limit": limit,
        }
        kept = FILTER_CONDITIONS.get(list_filter)
        if kept is None:
            items = self._gateway.query_page(**query)
            self.items_read += len(items)
            return [ConversationSummary.model_validate(item) for item in items]
        shown: list[ConversationSummary] = []
        for page in self._gateway.query_pages(**query, FilterExpression=kept):
            self.items_read += int(page.get("ScannedCount", len(page["Items"])))
            shown += [ConversationSummary.model_validate(item) for item in page["Items"]]
            if len(shown) >= limit:
                break
        return shown[:limit]

    def conversations_with_tag(
        self, tag: str, list_filter: InboxFilter, limit: int
    ) -> list[ConversationSummary]:
        """The tagged members' conversations, newest first (reads one item per tagged member twice)."""
        user_ids = [
            item["user_id"]
            for item in self._gateway.query(
                IndexName=TAG_INDEX.name,
                KeyConditionExpression=Key(TAG_INDEX.partition_key.name).eq(tag),
                ProjectionExpression="user_id",
            )
        ]
        self.items_read += len(user_ids)
        items = list(self._gateway.batch_get([conversation_key(u) for u in user_ids]))
        self.items_read += len(items)
        summaries = [ConversationSummary.model_validate(item) for item in items]
        if list_filter is InboxFilter.UNREAD:
            summaries = [s for s in summaries if s.unread_count]
        elif list_filter is InboxFilter.NEEDS_REPLY:
            summaries = [s for s in summaries if s.needs_reply]
        summaries.sort(key=lambda s: (s.last_message_at, s.user_id), reverse=True)
        return summaries[:limit]

    def summary(self, user_id: str) -> ConversationSummary | None:
        item = self._gateway.get(conversation_key(user_id))
        self.items_read += 1 if item else 0
        return ConversationSummary.model_validate(item) if item else None

    def messages(self, user_id: str, limit: int) -> list[StoredMessage]:
        """The newest `limit` messages, oldest first."""
        items = self._gateway.query_page(
            KeyConditionExpression=Key("pk").eq(user_partition(user_id))
            & Key("sk").begins_with(MESSAGE_SK_PREFIX),
            ScanIndexForward=False,
            Limit=limit,
        )
        self.items_read += len(items)
        return [StoredMessage.model_validate(item) for item in reversed(items)]

    def mark_read(self, user_id: str, seen: ConversationSummary) -> bool:
        """Unread back to 0 and the read token used, if no message came since `seen` was read."""
        return self._gateway.update(
            conversation_key(user_id),
            "SET unread_count = :zero REMOVE mark_as_read_token",
            condition="last_message_at = :seen",
            values={":zero": 0, ":seen": utc(seen.last_message_at)},
        )

    def mark_handled(self, user_id: str) -> bool:
        """「対応済み」: no longer waiting for the shop; False when there is no conversation."""
        return self._gateway.update(
            conversation_key(user_id),
            "SET needs_reply = :false",
            condition="attribute_exists(pk)",
            values={":false": False},
        )

    def set_image_key(self, user_id: str, at: datetime, message_key_: str, image_key: str) -> None:
        self._gateway.update(
            message_key(user_id, at, message_key_),
            "SET image_key = :key",
            condition="attribute_exists(pk)",
            values={":key": image_key},
        )

    # Saved replies (定型文)

    def saved_replies(self) -> list[SavedReply]:
        items = self._gateway.query(KeyConditionExpression=Key("pk").eq(SAVED_REPLY_PK))
        return sorted((SavedReply.model_validate(i) for i in items), key=lambda r: r.title)

    def save_saved_reply(self, reply: SavedReply) -> None:
        self._gateway.put({**saved_reply_key(reply.saved_reply_id), **reply.model_dump(mode="json")})

    def delete_saved_reply(self, saved_reply_id: str) -> None:
        self._gateway.delete(saved_reply_key(saved_reply_id))

    # New-message alerts

    def alert_subscribers(self) -> list[str]:
        items = self._gateway.query(KeyConditionExpression=Key("pk").eq(INBOX_ALERTS_PK))
        return [str(item["user_id"]) for item in items]

    def set_alerts(self, user_id: str, on: bool) -> None:
        if on:
            self._gateway.put({**inbox_alert_subscriber_key(user_id), "user_id": user_id})
        else:
            self._gateway.delete(inbox_alert_subscriber_key(user_id))

    def wants_alerts(self, user_id: str) -> bool:
        return self._gateway.get(inbox_alert_subscriber_key(user_id)) is not None

    def take_alert_allowance(self, minute: str, limit: int) -> bool:
        return self._gateway.update(
            inbox_alerts_sent_key(minute),
            "ADD sent :one SET expires_at = :expires",
            condition="attribute_not_exists(sent) OR sent < :limit",
            values={":one": 1, ":limit": limit, ":expires": _epoch(datetime.now(UTC) + timedelta(days=1))},
        )


def _readable(message: dict[str, Any]) -> str:
    """A sent message as the inbox shows it: a text's text, else its alternative text."""
    if message.get("type") == "text":
        return str(message.get("text", ""))
    return str(message.get("altText") or f"[{message.get('type', '')}]")


@dataclass(frozen=True)
class ResponderMembers:
    """What an auto-reply looks up and changes about the customer (domain.auto_replies.MemberLookup)."""

    _members: MemberRepository
    _coupons: CouponRepository
    _gateway: TableGateway

    def find_member(self, user_id: str) -> Member | None:
        return self._members.find_membership(user_id)

    def load_coupon_template(self, template_id: str) -> CouponTemplateRecord | None:
        return self._coupons.load_template(template_id)

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        return self._coupons.grant_coupon(user_id, coupon)

    def add_tag(self, user_id: str, tag: str) -> bool:
        return add_member_tag(self._gateway, user_id, tag)
