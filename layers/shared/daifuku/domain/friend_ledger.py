"""The friends ledger: what each webhook event does to the shop's record of a LINE user.

Pure domain: the table and LINE are reached through the ports below, injected by the handler.

Order of follows and unfollows: the event with the later timestamp wins, whatever order they
arrive in. Two events of the same millisecond (LINE's own fixtures have a follow and an unfollow
so) are applied in the order they are processed: in delivery order within a request (events are
applied oldest first, a stable sort), in arrival order across requests. A tie is never refused, so
the user's state is always that of the last event applied; the same event twice is refused by its
claim, not by its timestamp. Interactions are one item per event (keyed with the event id), so
no two events of the same millisecond overwrite each other.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from daifuku.domain.errors import LineRequestFailed
from daifuku.domain.friend_records import (
    BlockAttribution,
    CustomerConversations,
    DayCounts,
    EventClaim,
    FriendProfile,
    FriendRecord,
    FriendRepository,
    LineGateway,
    ReceivedMessage,
    StaffDirectory,
    Write,
)
from daifuku.domain.line_messages import (
    best_effort,
    liff_url,
    registration_invitation,
    shop_info_card,
    staff_new_friend_alert,
    text_message,
)
from daifuku.domain.message_templates import fill, recipient_values
from daifuku.domain.rich_menu_layout import COUPONS_VIEW_QUERY, MenuAction, action_in_postback
from daifuku.domain.scenario_engine import NO_SCENARIOS, ScenarioEntrance
from daifuku.domain.scenarios import TriggerEvent, TriggerKind
from daifuku.domain.shop_events import NO_SHOP_EVENTS, ShopEventEmitter, friend_blocked
from daifuku.models.member import Member
from daifuku.models.shop import ShopConfig
from daifuku.models.webhook_events import (
    FollowEvent,
    MessageEvent,
    PostbackEvent,
    UnfollowEvent,
    WebhookEvent,
)

if TYPE_CHECKING:
    from daifuku.domain.inflow_routes import RouteFigures

SHOP_TIMEZONE_DEFAULT = ZoneInfo("Asia/Tokyo")
# Namespace of the X-Line-Retry-Keys derived from webhook event ids.
RETRY_KEY_NAMESPACE = uuid.UUID("6d1f2a3e-58a4-4d0c-9d67-6a6f8c1d2b10")


class Outcome(StrEnum):
    DUPLICATE = "duplicate"  # applied before (a redelivery, or the same event sent twice at once)
    NEW_FRIEND = "new_friend"
    RETURNING_FRIEND = "returning_friend"
    BLOCKED = "blocked"
    INTERACTION = "interaction"
    STALE = "stale"  # an older event arriving after a newer one for the same user
    IGNORED = "ignored"


@dataclass
class EventResult:
    outcome: Outcome
    notes: list[str]
    new_friend_alert: NewFriendAlert | None = None


@dataclass(frozen=True)
class NewFriendAlert:
    """A new friend staff should hear about; the alerts of one webhook request go out together."""

    webhook_event_id: str
    timestamp_ms: int
    display_name: str | None
    returning: bool


class WritesKeptConflicting(Exception):
    """The user's record kept changing under the event's write: nothing was written, and the request
    fails so that LINE redelivers the event."""


# A write tries again this many times when another write held the user's record (a follow also when
# another event moved it, reading it again first).
WRITE_ATTEMPTS = 4


class FriendLedger:
    """Applies webhook events, each at most once: its write records the event id in the same
    transaction. Every LINE call is best effort: the ledger write is what must happen."""

    def __init__(
        self,
        repository: FriendRepository,
        line: LineGateway,
        shop: ShopConfig,
        timezone: tzinfo = SHOP_TIMEZONE_DEFAULT,
        *,
        staff: StaffDirectory,
        campaigns: BlockAttribution,
        events: ShopEventEmitter = NO_SHOP_EVENTS,
        scenarios: ScenarioEntrance = NO_SCENARIOS,
        conversations: CustomerConversations | None = None,
        routes: RouteFigures | None = None,
    ):
        self._scenarios = scenarios
        self._conversations = conversations
        self._routes = routes  # inflow routes' blocks
        self._repository = repository
        self._staff = staff
        self._campaigns = campaigns
        self._events = events
        self._line = line
        self._shop = shop
        self._timezone = timezone  # the shop's: which day a follow or a block counts on

    def apply(self, event: WebhookEvent, now: datetime) -> EventResult:
        user_id = event.user_id
        if user_id is None:
            return EventResult(Outcome.IGNORED, ["not from a user"])
        at = datetime.fromtimestamp(event.timestamp / 1000, UTC)
        claim = EventClaim(event.webhook_event_id, now)
        if isinstance(event, FollowEvent):
            return self._follow(claim, event, user_id, at)
        if isinstance(event, UnfollowEvent):
            counts = self._counts(at, {"blocks": 1}, {"friends": -1, "blocked": 1})
            written = _retrying_conflicts(
                lambda: self._repository.record_unfollow(claim, user_id, at, event.timestamp, counts)
            )
            if written is not Write.APPLIED:
                return EventResult(Outcome(written.value), [])
            campaigns = self._campaigns.attribute_block(user_id, at)
            self._events.emit(friend_blocked(user_id, at))
            self._scenarios.blocked(user_id, claim.now)
            if self._routes is not None:
                self._routes.count_for_member(user_id, "blocks", at)
            return EventResult(Outcome.BLOCKED, [f"after campaign {c}" for c in campaigns])
        if isinstance(event, MessageEvent | PostbackEvent):
            return self._interaction(claim, event, user_id, at)
        return EventResult(Outcome.IGNORED, [f"type {event.type} is not acted on"])

    def _follow(self, claim: EventClaim, event: FollowEvent, user_id: str, at: datetime) -> EventResult:
        """Fetch the profile, then one write records the follow, the profile and the event id, as for a
        new friend; when the record is not that (a returning friend, a member, a later event), it is
        read and written again. The welcome goes after, only from the write that applied the event."""
        notes: list[str] = []
        unblocked = bool(event.follow and event.follow.is_unblocked)
        # The write records the event id, so each follow counts once.
        counts = self._counts(
            at, {"friends_added": 1}, {"friends": 1, "blocked": -1} if unblocked else {"friends": 1}
        )
        profile = self._fetch_profile(user_id, notes)
        record: FriendRecord | None = None  # first as for a new friend, without reading
        for attempt in range(WRITE_ATTEMPTS):
            if attempt:
                record = self._repository.read_friend(user_id)
            seen_state_ms = record.follow_state_ms if record else None
            if seen_state_ms is not None and seen_state_ms > event.timestamp:
                return EventResult(Outcome.STALE, notes)
            # Equal: another event of the same millisecond, delivered earlier, was applied; this one is
            # applied after it (this very event again is refused by its claim: DUPLICATE).
            written = self._repository.record_follow(
                claim, user_id, profile, at, event.timestamp, unblocked, record, counts
            )
            if written is not Write.CONFLICT:
                break
        else:
            raise WritesKeptConflicting
        member = record.member if record else None
        if written is not Write.APPLIED:
            return EventResult(Outcome(written.value), notes)
        is_first_follow = member is None or member.first_followed_at is None
        member = (member or Member(user_id=user_id)).model_copy(
            update={"display_name": profile.display_name} if profile else {}
        )
        if event.reply_token:
            welcome = self._welcome(member, unblocked)
            if best_effort(notes, "welcome", self._line.reply, event.reply_token, welcome):
                self._record_sent(user_id, welcome, "welcome", "友だち追加のあいさつ")
        rich_menu = (
            self._shop.rich_menus.member if member.is_member else self._shop.rich_menus.pre_registration
        )
        if rich_menu:
            best_effort(notes, "rich menu", self._line.link_rich_menu, user_id, rich_menu)
        alert = None
        if not unblocked:
            alert = NewFriendAlert(
                event.webhook_event_id, event.timestamp, member.display_name, not is_first_follow
            )
        new = is_first_follow and not unblocked
        self._scenarios.triggered(user_id, TriggerEvent(kind=TriggerKind.FRIEND_ADDED, first=new))
        return EventResult(Outcome.NEW_FRIEND if new else Outcome.RETURNING_FRIEND, notes, alert)

    def _interaction(
        self, claim: EventClaim, event: MessageEvent | PostbackEvent, user_id: str, at: datetime
    ) -> EventResult:
        notes: list[str] = []
        message = self._received(event, at)
        written = _retrying_conflicts(
            lambda: self._repository.record_interaction(claim, user_id, at, message, None, True)
        )
        if written is Write.PROFILE_PENDING:
            # The follow could not fetch the profile: try again, and write it with the interaction.
            profile = self._fetch_profile(user_id, notes)
            written = _retrying_conflicts(
                lambda: self._repository.record_interaction(claim, user_id, at, message, profile, False)
            )
        if written is Write.DUPLICATE:
            return EventResult(Outcome.DUPLICATE, notes)
        if isinstance(event, PostbackEvent) and event.reply_token:
            reply = self._postback_reply(event.postback.data)
            if reply:
                if best_effort(notes, "postback reply", self._line.reply, event.reply_token, reply):
                    self._record_sent(user_id, reply, "menu", "メニューの応答")
                return EventResult(Outcome.INTERACTION, notes)
        if self._conversations is not None:
            text = message.text if message.kind == "message:text" else None
            data = event.postback.data if isinstance(event, PostbackEvent) else None
            image = None
            if message.kind == "message:image" and message.line_message_id:
                image = (event.webhook_event_id, message.line_message_id)
            notes += self._conversations.answer(
                user_id, event.reply_token, at, text=text, postback_data=data, image=image
            )
        return EventResult(Outcome.INTERACTION, notes)

    def _received(self, event: MessageEvent | PostbackEvent, at: datetime) -> ReceivedMessage:
        keep_until = self._conversations.keep_until(at) if self._conversations else None
        if isinstance(event, PostbackEvent):
            return ReceivedMessage("postback", event.postback.data, keep_until=keep_until)
        content = event.message
        sticker = (
            (content.package_id, content.sticker_id) if content.package_id and content.sticker_id else None
        )
        return ReceivedMessage(
            f"message:{content.type}",
            content.text,
            line_message_id=content.id,
            mark_as_read_token=content.mark_as_read_token,
            sticker=sticker,
            keep_until=keep_until,
        )

    def _record_sent(self, user_id: str, messages: list[dict[str, Any]], sent_by: str, label: str) -> None:
        if self._conversations is not None:
            self._conversations.record_sent(user_id, messages, sent_by, label)

    def _welcome(self, member: Member, unblocked: bool) -> list[dict[str, Any]]:
        texts = self._shop.welcome
        values = recipient_values(member.name or member.display_name, member.member_no)
        if member.is_member:
            return [text_message(fill(texts.returning_member, values))]
        greeting = fill(texts.returning_friend if unblocked else texts.new_friend, values)
        register_url = liff_url(self._shop.liff_apps.registration or self._shop.liff_apps.card)
        if register_url is None:
            return [text_message(greeting)]
        return [registration_invitation(greeting, texts.register_button_label, register_url)]

    def _postback_reply(self, data: str) -> list[dict[str, Any]] | None:
        """The rich menu's postback areas (rich_menu_layout), and the links older menus sent as
        postbacks, for when LIFF cannot open."""
        action = action_in_postback(data)
        if action == MenuAction.SHOP_INFO:
            shop = self._shop
            return [shop_info_card(shop.shop_name, shop.theme_color, shop.shop_info)]
        if action == MenuAction.REGISTER:
            url = liff_url(self._shop.liff_apps.registration)
            label = self._shop.welcome.register_button_label
            return [registration_invitation("会員登録はこちらからどうぞ。", label, url)] if url else None
        if action in ("show_card", MenuAction.CARD, MenuAction.COUPONS):
            url = liff_url(self._shop.liff_apps.card)
            if url is None:
                return None
            if action == MenuAction.COUPONS:
                text, label = "お持ちのクーポンは会員証の画面でご覧いただけます。", "クーポンを見る"
                url += COUPONS_VIEW_QUERY
            else:
                text, label = "会員証はこちらからご覧いただけます。", "会員証を開く"
            return [registration_invitation(text, label, url)]
        return None

    def alert_staff(self, alerts: list[NewFriendAlert]) -> list[str]:
        """One multicast to the staff for all the new friends of a request, within the minute's allowance."""
        if not alerts or not self._shop.staff_alerts_enabled:
            return []
        staff = self._staff.staff_user_ids()
        if not staff:
            return []
        minute = datetime.fromtimestamp(alerts[0].timestamp_ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M")
        if not self._repository.take_staff_alert_allowance(minute, self._shop.staff_alerts_per_minute):
            return ["staff alert over the per-minute allowance"]
        message = staff_new_friend_alert([(a.display_name, a.returning) for a in alerts])
        event_ids = ",".join(sorted(a.webhook_event_id for a in alerts))
        retry_key = str(uuid.uuid5(RETRY_KEY_NAMESPACE, f"staff-alert:{event_ids}"))
        notes: list[str] = []
        best_effort(notes, "staff alert", self._line.multicast, staff[:500], [message], retry_key)
        return notes

    def _counts(self, at: datetime, daily: dict[str, int], totals: dict[str, int]) -> DayCounts:
        return DayCounts(at.astimezone(self._timezone).date(), daily, totals)

    def _fetch_profile(self, user_id: str, notes: list[str]) -> FriendProfile | None:
        try:
            profile = self._line.get_profile(user_id)
        except LineRequestFailed as error:
            notes.append(f"profile unavailable ({error.status})")
            return None
        if profile is None:
            notes.append("profile not found")
            return None
        return FriendProfile(
            display_name=profile.display_name,
            picture_url=profile.picture_url,
            status_message=profile.status_message,
            language=profile.language,
        )


def _retrying_conflicts(write: Callable[[], Write]) -> Write:
    for _ in range(WRITE_ATTEMPTS):
        written = write()
        if written is not Write.CONFLICT:
            return written
    raise WritesKeptConflicting


@dataclass(frozen=True)
class ProcessedEvent:
    event_type: str
    webhook_event_id: str
    outcome: str
    is_redelivery: bool
    notes: tuple[str, ...] = ()


def process_webhook_events(
    events: list[WebhookEvent], ledger: FriendLedger, now: datetime
) -> list[ProcessedEvent]:
    """Apply each event at most once, oldest first. A failure before an event's write propagates with
    nothing of that event written, so that the request fails and LINE's redelivery gets another chance."""
    processed = []
    alerts: list[NewFriendAlert] = []
    for event in sorted(events, key=lambda e: e.timestamp):
        redelivery = event.delivery_context.is_redelivery
        result = ledger.apply(event, now)
        if result.new_friend_alert:
            alerts.append(result.new_friend_alert)
        processed.append(
            ProcessedEvent(
                event.type, event.webhook_event_id, result.outcome.value, redelivery, tuple(result.notes)
            )
        )
    for note in ledger.alert_staff(alerts):
        processed.append(ProcessedEvent("staff_alert", "-", note, False))
    return processed
