"""The staff inbox (トーク): conversations newest first, one conversation with the member beside it,
replies pushed once however often the button is tapped, saved replies, 「対応済み」, and the owner's
auto-reply rules with their test-match box.

Opening a conversation marks it read for the shop and, with the latest message's markAsReadToken,
for the customer too (LINE shows them 既読). A reply is a push (it costs one message of the monthly
quota, which the page shows before sending) with an X-Line-Retry-Key made from the page's `reply_id`:
a double tap or a retry reaches LINE twice and the customer once.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

from daifuku.clock import system_clock
from daifuku.domain.auto_replies import AutoReplyRecords, OutgoingMessage, first_match, in_priority_order
from daifuku.domain.errors import (
    AutoReplyRuleNotFound,
    ConversationNotFound,
    CouponTemplateNotFound,
    CustomerUnreachable,
    LineRequestFailed,
    TooMany,
)
from daifuku.domain.line_messages import text_message
from daifuku.domain.message_templates import fill, recipient_values
from daifuku.domain.scenarios import ScenarioLookup, check_enrolment_action
from daifuku.domain.staff_desk import StaffDesk
from daifuku.models.conversations import (
    AutoReplyRule,
    AutoReplyRuleRequest,
    ConversationSettings,
    ConversationSummary,
    InboxFilter,
    InboxQuery,
    InboxReplyRequest,
    SavedReply,
    SavedReplyRequest,
    StoredMessage,
    TestMatchRequest,
)
from daifuku.models.member import MembershipStatus

REPLY_RETRY_NAMESPACE = uuid.UUID("0b6f5e0e-8d0c-4f57-a3c9-2f4a8d1e7c21")
MESSAGES_SHOWN = 50
MAX_RULES = 200
MAX_SAVED_REPLIES = 100
PUSH_COST = 1  # a push to one customer is one message of the monthly quota


class InboxRecords(AutoReplyRecords, Protocol):
    items_read: int

    def list_conversations(
        self, list_filter: InboxFilter, limit: int, before: str | None = None
    ) -> list[ConversationSummary]: ...

    def conversations_with_tag(
        self, tag: str, list_filter: InboxFilter, limit: int
    ) -> list[ConversationSummary]: ...

    def summary(self, user_id: str) -> ConversationSummary | None: ...

    def messages(self, user_id: str, limit: int) -> list[StoredMessage]: ...

    def mark_read(self, user_id: str, seen: ConversationSummary) -> bool: ...

    def mark_handled(self, user_id: str) -> bool: ...

    def save_rule(self, rule: AutoReplyRule) -> None: ...

    def delete_rule(self, rule_id: str) -> bool: ...

    def save_settings(self, settings: ConversationSettings) -> None: ...

    def saved_replies(self) -> list[SavedReply]: ...

    def save_saved_reply(self, reply: SavedReply) -> None: ...

    def delete_saved_reply(self, saved_reply_id: str) -> None: ...

    def set_alerts(self, user_id: str, on: bool) -> None: ...

    def wants_alerts(self, user_id: str) -> bool: ...


class ChatLine(Protocol):
    def push(self, to: str, messages: list[dict[str, Any]], retry_key: str | None = None) -> Any: ...

    def mark_as_read(self, mark_as_read_token: str) -> None: ...


class ImageLinks(Protocol):
    def signed_url(self, image_key: str) -> str:
        """A short-lived URL of an image in the private bucket."""


@dataclass(frozen=True)
class ConversationView:
    summary: ConversationSummary
    messages: list[StoredMessage]
    member: dict[str, Any]
    marked_read: bool

    def as_json(self, images: ImageLinks | None) -> dict[str, Any]:
        messages = []
        for message in self.messages:
            shown = message.model_dump(mode="json")
            if message.image_key and images is not None:
                shown["image_url"] = images.signed_url(message.image_key)
            messages.append(shown)
        return {
            "conversation": self.summary.listed(),
            "messages": messages,
            "member": self.member,
            "marked_read": self.marked_read,
            "reply_cost": PUSH_COST,
        }


class InboxDesk:
    """What staff do in the inbox, and the owner's auto-reply rules."""

    def __init__(
        self,
        records: InboxRecords,
        line: ChatLine,
        desk: StaffDesk,
        clock: Callable[[], datetime] = system_clock,
        scenarios: ScenarioLookup | None = None,
    ):
        self.records = records
        self.line = line
        self.desk = desk
        self.clock = clock
        self.scenarios = scenarios
        self.notes: list[str] = []

    # The list and one conversation

    def conversations(self, query: InboxQuery) -> tuple[list[ConversationSummary], str | None]:
        """Newest first; the cursor of the next page (None when this page is the last)."""
        if query.tag:
            shown = self.records.conversations_with_tag(query.tag, query.filter, query.limit)
            return shown, None
        shown = self.records.list_conversations(query.filter, query.limit, query.before)
        cursor = None
        if len(shown) == query.limit:
            last = shown[-1]
            cursor = f"{last.last_message_at.astimezone(UTC).isoformat()}#{last.user_id}"
        return shown, cursor

    def open(self, user_id: str) -> ConversationView:
        """The conversation's newest messages and the member panel; marks it read here and in LINE."""
        summary = self._summary(user_id)
        messages = self.records.messages(user_id, MESSAGES_SHOWN)
        marked = False
        if summary.unread_count or summary.mark_as_read_token:
            marked = self.records.mark_read(user_id, summary)
            if marked and summary.mark_as_read_token:
                try:
                    self.line.mark_as_read(summary.mark_as_read_token)
                except LineRequestFailed as error:
                    self.notes.append(f"mark as read failed ({error.status})")
        shown = summary.model_copy(update={"unread_count": 0}) if marked else summary
        return ConversationView(shown, messages, self._member_panel(user_id), marked)

    def _member_panel(self, user_id: str) -> dict[str, Any]:
        record = self.desk.members.find_membership(user_id)
        if record is not None and record.is_member:
            return {"is_member": True, **self.desk.detail_of(record).model_dump(mode="json")}
        return {
            "is_member": False,
            "user_id": user_id,
            "display_name": record.display_name if record else None,
            "blocked": bool(record and record.blocked),
        }

    def reply(self, staff: str, user_id: str, request: InboxReplyRequest) -> dict[str, Any]:
        """Push the staff's text ({name}, {member_no} filled in) once per `reply_id`."""
        self._summary(user_id)
        record = self.desk.members.find_membership(user_id)
        if record is None or record.blocked or record.status is MembershipStatus.DELETED:
            raise CustomerUnreachable(user_id)
        values = recipient_values(record.name or record.display_name, record.member_no)
        text = fill(request.text, values)
        retry_key = str(uuid.uuid5(REPLY_RETRY_NAMESPACE, f"inbox-reply:{user_id}:{request.reply_id}"))
        receipt = self.line.push(user_id, [text_message(text)], retry_key)
        duplicate = bool(getattr(receipt, "was_duplicate", False))
        if not duplicate:
            now = self.clock()
            retention = self.records.rules_and_settings()[1].retention_days
            self.records.record_outgoing(
                OutgoingMessage(
                    user_id=user_id,
                    at=now,
                    message_key=f"staff-{request.reply_id}",
                    messages=(text_message(text),),
                    sent_by=f"staff:{staff}",
                    sent_by_label="スタッフの返信",
                    answers_customer=True,
                    keep_until=now + timedelta(days=retention),
                )
            )
            self.desk.audit(staff, "conversation.reply", user_id, reply_id=request.reply_id)
        return {"sent": True, "duplicate": duplicate, "cost": 0 if duplicate else PUSH_COST}

    def mark_handled(self, staff: str, user_id: str) -> None:
        if not self.records.mark_handled(user_id):
            raise ConversationNotFound(user_id)
        self.desk.audit(staff, "conversation.handled", user_id)

    def _summary(self, user_id: str) -> ConversationSummary:
        summary = self.records.summary(user_id)
        if summary is None:
            raise ConversationNotFound(user_id)
        return summary

    # Saved replies (定型文)

    def saved_replies(self) -> list[SavedReply]:
        return self.records.saved_replies()

    def add_saved_reply(self, staff: str, saved_reply_id: str, request: SavedReplyRequest) -> SavedReply:
        if len(self.records.saved_replies()) >= MAX_SAVED_REPLIES:
            raise TooMany("saved replies")
        reply = SavedReply(saved_reply_id=saved_reply_id, **request.model_dump())
        self.records.save_saved_reply(reply)
        self.desk.audit(staff, "saved_reply.save", None, saved_reply_id=saved_reply_id)
        return reply

    def delete_saved_reply(self, staff: str, saved_reply_id: str) -> None:
        self.records.delete_saved_reply(saved_reply_id)
        self.desk.audit(staff, "saved_reply.delete", None, saved_reply_id=saved_reply_id)

    # Alerts

    def set_alerts(self, staff: str, on: bool) -> None:
        self.records.set_alerts(staff, on)
        self.desk.audit(staff, "conversation.alerts", None, on=on)

    # The owner's rules

    def rules(self) -> tuple[list[AutoReplyRule], ConversationSettings]:
        rules, settings = self.records.rules_and_settings()
        return in_priority_order(rules), settings

    def save_rule(self, owner: str, rule_id: str, request: AutoReplyRuleRequest) -> AutoReplyRule:
        rules, _ = self.records.rules_and_settings()
        if rule_id not in {r.rule_id for r in rules} and len(rules) >= MAX_RULES:
            raise TooMany("rules")
        if request.template_id and self.desk.coupons.load_template(request.template_id) is None:
            raise CouponTemplateNotFound(request.template_id)
        if request.scenario_id:
            check_enrolment_action(self.scenarios, request.scenario_id)
        rule = AutoReplyRule(rule_id=rule_id, **request.model_dump())
        self.records.save_rule(rule)
        self.desk.audit(owner, "auto_reply.save", None, rule_id=rule_id)
        return rule

    def delete_rule(self, owner: str, rule_id: str) -> None:
        if not self.records.delete_rule(rule_id):
            raise AutoReplyRuleNotFound(rule_id)
        self.desk.audit(owner, "auto_reply.delete", None, rule_id=rule_id)

    def save_settings(self, owner: str, settings: ConversationSettings) -> None:
        self.records.save_settings(settings)
        self.desk.audit(owner, "auto_reply.settings", None, retention_days=settings.retention_days)

    def test_match(self, request: TestMatchRequest) -> AutoReplyRule | None:
        rules, _ = self.records.rules_and_settings()
        return first_match(rules, text=request.text, postback_data=request.postback_data)
