"""Auto-replies: which of the owner's rules answers a customer's message or button, and the answer.

Matching compares plain text after `search_form` (NFKC width, katakana as hiragana, case, spaces), so
「ｴｲｷﾞｮｳ」, 「えいぎょう」 and 「エイギョウ」 are one keyword; there are no regular expressions, so
nothing a customer types can make matching run away. Rules are tried in `priority` order (lower
first, then by id); the first that matches answers, with the reply token (free), and nothing matches
means no reply at all. A message outside the shop's hours that no rule answers gets the out-of-hours
message, at most once a day per customer.

`AutoResponder` is the webhook's side: FriendLedger calls it through its `conversations` port after an
event is recorded. It never raises for LINE's failures: the message is stored whatever happens.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from typing import Any, Protocol

from daifuku.clock import system_clock
from daifuku.domain.errors import LineRequestFailed
from daifuku.domain.line_messages import (
    best_effort,
    liff_url,
    registration_invitation,
    shop_info_card,
    text_message,
)
from daifuku.domain.message_templates import fill, recipient_values
from daifuku.domain.rich_menu_layout import COUPONS_VIEW_QUERY
from daifuku.domain.scenario_engine import NO_SCENARIOS, ScenarioEntrance
from daifuku.domain.scenarios import TriggerEvent
from daifuku.domain.search_text import search_form
from daifuku.models.conversations import (
    AnswerKind,
    AutoReplyRule,
    ConversationSettings,
    LiffPage,
    MatchKind,
)
from daifuku.models.member import Member
from daifuku.models.membership import Coupon
from daifuku.models.shop import ShopConfig

# A lookup (a coupon, the member's tags) shows LINE's loading animation for this long at most; the
# reply ends it at once.
LOADING_SECONDS = 5
OUT_OF_HOURS_SENDER = "out_of_hours"
ALERT_RETRY_NAMESPACE = uuid.UUID("5f1f0d8e-3b7a-4e0c-9a55-71c2c4d9b6e3")


def staff_new_message_alert(names: list[str | None]) -> dict[str, Any]:
    """The staff's notice of customers' new messages (never the messages' text)."""
    lines = [f"・{name}さん" if name else "・お客さま" for name in names[:20]]
    if len(names) > 20:
        lines.append(f"ほか{len(names) - 20}名")
    heading = "お客さまから新しいメッセージが届きました。トーク画面でご確認ください。"
    return text_message(heading + "\n" + "\n".join(lines))


def rule_matches(rule: AutoReplyRule, *, text: str | None = None, postback_data: str | None = None) -> bool:
    """Whether `rule` answers this text message or this postback."""
    if not rule.enabled:
        return False
    if postback_data is not None:
        return rule.match is MatchKind.POSTBACK and postback_data in rule.keywords
    if text is None or rule.match is MatchKind.POSTBACK:
        return False
    said = search_form(text)
    for keyword in rule.keywords:
        wanted = search_form(keyword)
        if rule.match is MatchKind.EXACT and said == wanted:
            return True
        if rule.match is MatchKind.CONTAINS and wanted in said:
            return True
        if rule.match is MatchKind.STARTS_WITH and said.startswith(wanted):
            return True
    return False


def in_priority_order(rules: Sequence[AutoReplyRule]) -> list[AutoReplyRule]:
    return sorted(rules, key=lambda rule: (rule.priority, rule.rule_id))


def first_match(
    rules: Sequence[AutoReplyRule], *, text: str | None = None, postback_data: str | None = None
) -> AutoReplyRule | None:
    """The rule that answers, or None (then nothing is sent)."""
    return next(
        (r for r in in_priority_order(rules) if rule_matches(r, text=text, postback_data=postback_data)),
        None,
    )


def is_out_of_hours(settings: ConversationSettings, at: datetime, timezone: tzinfo) -> bool:
    hours = settings.out_of_hours
    if not hours.enabled:
        return False
    local = at.astimezone(timezone)
    if local.weekday() in hours.closed_weekdays:
        return True
    opens, closes = time.fromisoformat(hours.opens), time.fromisoformat(hours.closes)
    now = local.time()
    if opens <= closes:
        return not (opens <= now < closes)
    return closes <= now < opens  # open past midnight (18:00 to 02:00)


@dataclass(frozen=True)
class OutgoingMessage:
    """What Daifuku sent into a conversation, recorded with who sent it."""

    user_id: str
    at: datetime
    message_key: str
    messages: tuple[dict[str, Any], ...]
    sent_by: str
    sent_by_label: str
    answers_customer: bool  # clears "needs reply"
    keep_until: datetime


class AutoReplyRecords(Protocol):
    def rules_and_settings(self) -> tuple[list[AutoReplyRule], ConversationSettings]: ...

    def take_out_of_hours(self, user_id: str, day: date, keep_until: datetime) -> bool:
        """True the first time on `day` for the user (a conditional put), False after."""

    def record_outgoing(self, message: OutgoingMessage) -> None: ...

    def note_customer(self, user_id: str, display_name: str | None, member_no: str | None) -> None:
        """The names the inbox lists the conversation under."""

    def alert_subscribers(self) -> list[str]:
        """Staff who asked to hear of new messages."""

    def take_alert_allowance(self, minute: str, limit: int) -> bool: ...


class MemberLookup(Protocol):
    def find_member(self, user_id: str) -> Member | None: ...

    def load_coupon_template(self, template_id: str) -> Any | None: ...

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool: ...

    def add_tag(self, user_id: str, tag: str) -> bool: ...


class ImageKeeper(Protocol):
    def keep(
        self, user_id: str, at: datetime, message_key: str, line_message_id: str, retention_days: int
    ) -> bool:
        """Copy a photo the customer sent out of LINE (which keeps it only for a while); False when
        the copy could not be stored."""


class LineReplies(Protocol):
    def reply(self, reply_token: str, messages: list[dict[str, Any]]) -> Any: ...

    def show_loading(self, user_id: str, seconds: int) -> None: ...

    def multicast(
        self, to: list[str], messages: list[dict[str, Any]], retry_key: str | None = None
    ) -> Any: ...


@dataclass
class Answer:
    messages: list[dict[str, Any]]
    sent_by: str
    label: str


class AutoResponder:
    """Answers customers' messages and buttons by the owner's rules, and records what was sent."""

    def __init__(
        self,
        records: AutoReplyRecords,
        members: MemberLookup,
        line: LineReplies,
        shop: ShopConfig,
        timezone: tzinfo,
        clock: Callable[[], datetime] = system_clock,
        images: ImageKeeper | None = None,
        scenarios: ScenarioEntrance = NO_SCENARIOS,
    ):
        self._images = images
        self._scenarios = scenarios
        self._records = records
        self._members = members
        self._line = line
        self._shop = shop
        self._timezone = timezone
        self.clock = clock
        self._loaded: tuple[list[AutoReplyRule], ConversationSettings] | None = None
        self._waiting: dict[str, str | None] = {}  # user id → name: messages no rule answered
        # Read once per webhook request for the inbox's names: a burst of one customer's messages
        # would otherwise read their record once per message.
        self._members_read: dict[str, Member | None] = {}

    def _rules(self) -> tuple[list[AutoReplyRule], ConversationSettings]:
        if self._loaded is None:
            self._loaded = self._records.rules_and_settings()
        return self._loaded

    def keep_until(self, at: datetime) -> datetime:
        """When a message of `at` expires (DynamoDB's TTL removes it)."""
        return at + timedelta(days=self._rules()[1].retention_days)

    def retention_days(self) -> int:
        return self._rules()[1].retention_days

    def answer(
        self,
        user_id: str,
        reply_token: str | None,
        at: datetime,
        *,
        text: str | None,
        postback_data: str | None,
        image: tuple[str, str] | None = None,
    ) -> list[str]:
        """Reply to a customer's text or postback when a rule (or the out-of-hours message) answers;
        notes for the log (never the text). `image`: (message key, LINE's message id) of a photo,
        copied into the shop's bucket first."""
        notes: list[str] = []
        if image is not None and self._images is not None:
            try:
                if not self._images.keep(user_id, at, image[0], image[1], self.retention_days()):
                    notes.append("image not stored")
            except LineRequestFailed as error:
                notes.append(f"image not copied ({error.status})")
        rules, settings = self._rules()
        rule = first_match(rules, text=text, postback_data=postback_data)
        member: Member | None = None
        if rule is not None and _needs_lookup(rule):
            best_effort(notes, "loading", self._line.show_loading, user_id, LOADING_SECONDS)
        is_message = postback_data is None
        if rule is not None or (is_message and user_id not in self._members_read):
            member = self._members.find_member(user_id)
            self._members_read[user_id] = member
            self._records.note_customer(
                user_id, member.display_name if member else None, member.member_no if member else None
            )
        else:
            member = self._members_read.get(user_id)
        answer: Answer | None = None
        if rule is not None:
            answer = self._rule_answer(rule, user_id, member, notes)
        elif is_message and is_out_of_hours(settings, at, self._timezone):
            day = at.astimezone(self._timezone).date()
            if self._records.take_out_of_hours(user_id, day, at + timedelta(days=2)):
                answer = Answer(
                    [text_message(settings.out_of_hours.message)], OUT_OF_HOURS_SENDER, "営業時間外"
                )
            else:
                notes.append("out of hours: already answered today")
        if is_message and (answer is None or answer.sent_by == OUT_OF_HOURS_SENDER):
            self._waiting[user_id] = (member.name or member.display_name) if member else None
        if answer is None or not answer.messages:
            return notes
        if reply_token is None:
            notes.append("no reply token")
            return notes
        if not best_effort(notes, "auto-reply", self._line.reply, reply_token, answer.messages):
            return notes
        self.record_sent(user_id, answer.messages, answer.sent_by, answer.label, answers_customer=True)
        notes.append(f"answered by {answer.sent_by}")
        return notes

    def alert_staff(self) -> list[str]:
        """One multicast to the staff who asked, for the messages of this webhook request that wait
        for an answer, within the minute's allowance (alerts count against the monthly quota)."""
        waiting, self._waiting = self._waiting, {}
        if not waiting:
            return []
        staff = [s for s in self._records.alert_subscribers() if s not in waiting]
        if not staff:
            return []
        minute = self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
        if not self._records.take_alert_allowance(minute, self._shop.staff_alerts_per_minute or 5):
            return ["message alert over the per-minute allowance"]
        notes: list[str] = []
        message = staff_new_message_alert(list(waiting.values()))
        key = ",".join(sorted(waiting)) + minute
        retry_key = str(uuid.uuid5(ALERT_RETRY_NAMESPACE, f"inbox-alert:{key}"))
        best_effort(notes, "message alert", self._line.multicast, staff[:500], [message], retry_key)
        return notes

    def record_sent(
        self,
        user_id: str,
        messages: list[dict[str, Any]],
        sent_by: str,
        label: str,
        *,
        answers_customer: bool = False,
    ) -> None:
        """Record messages Daifuku sent to the user (a welcome, a menu's answer, an auto-reply)."""
        now = self.clock()
        self._records.record_outgoing(
            OutgoingMessage(
                user_id=user_id,
                at=now,
                message_key=f"out-{uuid.uuid4().hex}",
                messages=tuple(messages),
                sent_by=sent_by,
                sent_by_label=label,
                answers_customer=answers_customer,
                keep_until=self.keep_until(now),
            )
        )

    def _rule_answer(
        self, rule: AutoReplyRule, user_id: str, member: Member | None, notes: list[str]
    ) -> Answer:
        sent_by, label = f"auto_reply:{rule.rule_id}", f"自動応答「{rule.name}」"
        name = (member.name or member.display_name) if member else None
        values = recipient_values(name, member.member_no if member else None)
        messages: list[dict[str, Any]] = []
        if rule.answer is AnswerKind.TEXT and rule.text:
            messages.append(text_message(fill(rule.text, values)))
        elif rule.answer is AnswerKind.SHOP_INFO:
            if rule.text:
                messages.append(text_message(fill(rule.text, values)))
            messages.append(
                shop_info_card(self._shop.shop_name, self._shop.theme_color, self._shop.shop_info)
            )
        elif rule.answer is AnswerKind.LIFF_LINK:
            url = self._link(rule)
            if url:
                text = fill(rule.text or "こちらからどうぞ。", values)
                messages.append(registration_invitation(text, rule.button_label or "開く", url))
            else:
                notes.append("link answer: the page has no LIFF app")
        elif rule.answer is AnswerKind.COUPON and rule.template_id:
            messages += self._coupon(rule, rule.template_id, user_id, member, notes)
        tagged = rule.add_tag and member is not None and member.is_member
        if tagged and not self._members.add_tag(user_id, str(rule.add_tag)):
            notes.append("tag not added")
        if rule.scenario_id and member is not None and not member.blocked:
            # The engine logs its own failures: the answer goes out whatever happens to the enrolment.
            self._scenarios.triggered(user_id, TriggerEvent.asked(rule.scenario_id))
        return Answer(messages, sent_by, label)

    def _coupon(
        self, rule: AutoReplyRule, template_id: str, user_id: str, member: Member | None, notes: list[str]
    ) -> list[dict[str, Any]]:
        if member is None or not member.is_member:
            url = liff_url(self._shop.liff_apps.registration or self._shop.liff_apps.card)
            text = "クーポンは会員登録をしていただくとお受け取りいただけます。"
            if url:
                return [registration_invitation(text, self._shop.welcome.register_button_label, url)]
            return [text_message(text)]
        template = self._members.load_coupon_template(template_id)
        if template is None:
            notes.append("coupon answer: the template is gone")
            return []
        now = self.clock()
        coupon = template.coupon(
            f"{template.template_id}-auto-{rule.rule_id}", now, now.astimezone(self._timezone).date()
        )
        granted = self._members.grant_coupon(user_id, coupon)
        text = (
            f"クーポン「{template.title}」をお届けしました。会員証の画面でご覧いただけます。"
            if granted
            else f"クーポン「{template.title}」はすでにお受け取り済みです。会員証の画面でご覧いただけます。"
        )
        url = liff_url(self._shop.liff_apps.card)
        if url:
            return [registration_invitation(text, "クーポンを見る", url + COUPONS_VIEW_QUERY)]
        return [text_message(text)]

    def _link(self, rule: AutoReplyRule) -> str | None:
        if rule.url:
            return rule.url
        apps = self._shop.liff_apps
        if rule.liff_page is LiffPage.REGISTRATION:
            return liff_url(apps.registration or apps.card)
        url = liff_url(apps.card)
        if url and rule.liff_page is LiffPage.COUPONS:
            return url + COUPONS_VIEW_QUERY
        return url


def _needs_lookup(rule: AutoReplyRule) -> bool:
    """A coupon is read and written before the answer: LINE recommends the loading animation then."""
    return rule.answer is AnswerKind.COUPON


def preview(messages: Sequence[dict[str, Any]]) -> str:
    """A line of what was sent, for the inbox's list."""
    for message in messages:
        if message.get("type") == "text":
            return str(message["text"])[:80]
        if message.get("altText"):
            return str(message["altText"])[:80]
    return ""
