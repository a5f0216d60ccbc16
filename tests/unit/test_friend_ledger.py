"""The friends ledger's rules, with in-memory fakes for the table and LINE."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from daifuku.adapters.line_api import LineProfile
from daifuku.domain.errors import LineUnavailable
from daifuku.domain.friend_ledger import (
    FriendLedger,
    Outcome,
    WritesKeptConflicting,
    process_webhook_events,
)
from daifuku.domain.friend_records import FriendRecord, Write
from daifuku.models.member import Member
from daifuku.models.shop import LiffApps, RichMenus, ShopConfig
from daifuku.models.webhook_events import parse_event

USER = "U" + "a" * 32
NOW = datetime(2026, 1, 1, tzinfo=UTC)


class FakeTable:
    """The member table's rules: each write records its event id with it, or writes nothing."""

    def __init__(self) -> None:
        self.members: dict[str, Member] = {}
        self.follow_state_ms: dict[str, int] = {}
        self.claimed: set[str] = set()
        self.interactions: list[tuple[str, str]] = []
        self.daily: dict[tuple[str, str], int] = {}
        self.totals: dict[str, int] = {}
        self.staff: list[str] = []
        self.alerts_sent = 0

    def read_friend(self, user_id):
        member = self.members.get(user_id)
        return FriendRecord(member, self.follow_state_ms.get(user_id)) if member else None

    def _duplicate(self, claim):
        return claim.webhook_event_id in self.claimed

    def _count(self, counts):
        for name, value in counts.daily.items():
            key = (counts.day.isoformat(), name)
            self.daily[key] = self.daily.get(key, 0) + value
        for name, value in counts.totals.items():
            self.totals[name] = self.totals.get(name, 0) + value

    def record_follow(self, claim, user_id, profile, at, event_ms, is_unblocked, seen, counts):
        if self._duplicate(claim):
            return Write.DUPLICATE
        current = self.read_friend(user_id)
        as_read = (seen.follow_state_ms, seen.member.member_no) if seen else (None, None)
        if (self.follow_state_ms.get(user_id), current.member.member_no if current else None) != as_read:
            return Write.CONFLICT
        self.claimed.add(claim.webhook_event_id)
        self._count(counts)
        self.follow_state_ms[user_id] = event_ms
        member = self.members.get(user_id) or Member(user_id=user_id)
        self.members[user_id] = member.model_copy(
            update={
                "followed_at": at,
                "first_followed_at": member.first_followed_at or at,
                "blocked": False,
                "profile_pending": profile is None,
                **({"display_name": profile.display_name} if profile else {}),
            }
        )
        return Write.APPLIED

    def attribute_block(self, user_id, blocked_at):
        return []

    def record_unfollow(self, claim, user_id, at, event_ms, counts):
        if self._duplicate(claim):
            return Write.DUPLICATE
        if self.follow_state_ms.get(user_id, -1) > event_ms:  # a tie is applied, as the table's condition
            return Write.STALE
        self.claimed.add(claim.webhook_event_id)
        self._count(counts)
        self.follow_state_ms[user_id] = event_ms
        member = self.members.get(user_id) or Member(user_id=user_id)
        self.members[user_id] = member.model_copy(update={"blocked": True, "blocked_at": at})
        return Write.APPLIED

    def record_interaction(self, claim, user_id, at, message, profile, unless_profile_pending):
        if self._duplicate(claim):
            return Write.DUPLICATE
        member = self.members.get(user_id) or Member(user_id=user_id)
        if unless_profile_pending and member.profile_pending:
            return Write.PROFILE_PENDING
        if profile:
            member = member.model_copy(
                update={"display_name": profile.display_name, "profile_pending": False}
            )
        self.claimed.add(claim.webhook_event_id)
        self.members[user_id] = member
        self.interactions.append((user_id, message.kind))
        return Write.APPLIED

    def staff_user_ids(self):
        return self.staff

    def take_staff_alert_allowance(self, minute, limit):
        self.alerts_sent += 1
        return self.alerts_sent <= limit


def ledger_over(table: FakeTable, line: FakeLine) -> FriendLedger:
    """The ledger with the fake table standing in for every repository it uses."""
    return FriendLedger(table, line, SHOP, staff=table, campaigns=table)


class FakeLine:
    def __init__(self, profile_fails: bool = False) -> None:
        self.profile_fails = profile_fails
        self.replies: list[tuple[str, list[dict[str, Any]]]] = []
        self.multicasts: list[tuple[list[str], list[dict[str, Any]], str | None]] = []
        self.links: list[tuple[str, str]] = []

    def get_profile(self, user_id):
        if self.profile_fails:
            raise LineUnavailable(500, "boom")
        return LineProfile(user_id=user_id, display_name="テスト太郎")

    def reply(self, token, messages):
        self.replies.append((token, messages))

    def multicast(self, to, messages, retry_key=None):
        self.multicasts.append((to, messages, retry_key))

    def link_rich_menu(self, user_id, rich_menu_id):
        self.links.append((user_id, rich_menu_id))


def event(kind: str, ms: int, event_id: str, **extra: Any):
    raw = {
        "type": kind,
        "timestamp": ms,
        "mode": "active",
        "webhookEventId": event_id,
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "user", "userId": USER},
        **extra,
    }
    return parse_event(raw)


SHOP = ShopConfig(
    liff_apps=LiffApps(registration="1650000000-reg"),
    rich_menus=RichMenus(pre_registration="richmenu-pre", member="richmenu-member"),
    staff_alerts_enabled=True,
)


def test_a_new_friend_is_recorded_welcomed_linked_and_announced_to_staff():
    table, line = FakeTable(), FakeLine()
    table.staff = ["U" + "b" * 32]
    [result] = process_webhook_events(
        [event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False})],
        ledger_over(table, line),
        datetime(2026, 1, 1),
    )
    assert result.outcome == Outcome.NEW_FRIEND
    assert table.members[USER].display_name == "テスト太郎"
    [(token, [welcome])] = line.replies
    assert token == "r1"
    assert (
        welcome["contents"]["footer"]["contents"][0]["action"]["uri"] == "https://liff.line.me/1650000000-reg"
    )
    assert line.links == [(USER, "richmenu-pre")]
    [(to, [alert], retry_key)] = line.multicasts
    assert to == table.staff and "テスト太郎さん" in alert["text"] and retry_key


def test_follow_then_unfollow_arriving_out_of_order_leaves_the_user_blocked():
    table, line = FakeTable(), FakeLine()
    ledger = ledger_over(table, line)
    follow = event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False})
    unfollow = event("unfollow", 2000, "E2")
    assert ledger.apply(unfollow, NOW).outcome is Outcome.BLOCKED
    assert ledger.apply(follow, NOW).outcome is Outcome.STALE
    assert table.members[USER].blocked is True


@pytest.mark.parametrize(
    ("first", "last", "blocked"), [("follow", "unfollow", True), ("unfollow", "follow", False)]
)
def test_a_follow_and_an_unfollow_in_the_same_millisecond_are_applied_in_delivery_order(first, last, blocked):
    # Given one request delivering two events of the same millisecond (as LINE's SDK fixture does)
    table, line = FakeTable(), FakeLine()
    extra = {"follow": {"isUnblocked": False}}
    events = [
        event(first, 1000, "E1", **(extra if first == "follow" else {})),
        event(last, 1000, "E2", **(extra if last == "follow" else {})),
    ]
    # When the request is processed, then the one delivered last decides the friend's state
    process_webhook_events(events, ledger_over(table, line), NOW)
    assert table.members[USER].blocked is blocked
    # and the same events delivered again change nothing
    assert {p.outcome for p in process_webhook_events(events, ledger_over(table, line), NOW)} == {"duplicate"}
    assert table.members[USER].blocked is blocked


def test_unblock_is_a_returning_friend_without_a_staff_alert():
    table, line = FakeTable(), FakeLine()
    table.staff = ["U" + "b" * 32]
    ledger = ledger_over(table, line)
    now = datetime(2026, 1, 1)
    process_webhook_events(
        [event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False})], ledger, now
    )
    process_webhook_events([event("unfollow", 2000, "E2")], ledger, now)
    [result] = process_webhook_events(
        [event("follow", 3000, "E3", replyToken="r3", follow={"isUnblocked": True})], ledger, now
    )
    assert result.outcome == Outcome.RETURNING_FRIEND
    assert table.members[USER].blocked is False
    assert len(line.multicasts) == 1
    assert "おかえりなさい" in line.replies[-1][1][0]["altText"]


def test_a_returning_member_gets_welcome_back_and_the_member_menu():
    table, line = FakeTable(), FakeLine()
    table.members[USER] = Member(user_id=USER, member_no="000042", first_followed_at=datetime(2026, 1, 1))
    ledger_over(table, line).apply(
        event("follow", 5000, "E1", replyToken="r1", follow={"isUnblocked": True}), NOW
    )
    assert line.replies[0][1][0]["type"] == "text"
    assert line.links == [(USER, "richmenu-member")]


def test_a_failed_profile_call_still_records_the_friend_and_fills_it_in_on_the_next_event():
    table, line = FakeTable(), FakeLine(profile_fails=True)
    ledger = ledger_over(table, line)
    ledger.apply(event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False}), NOW)
    assert table.members[USER].profile_pending is True
    line.profile_fails = False
    ledger.apply(
        event("message", 2000, "E2", replyToken="r2", message={"id": "1", "type": "text", "text": "hi"}), NOW
    )
    assert table.members[USER].display_name == "テスト太郎"
    assert table.members[USER].profile_pending is False


def test_each_event_is_applied_once_and_a_failed_write_leaves_it_for_redelivery():
    table, line = FakeTable(), FakeLine()
    ledger = ledger_over(table, line)
    follow = event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False})
    first = process_webhook_events([follow], ledger, NOW)
    again = process_webhook_events([follow], ledger, NOW)
    assert [p.outcome for p in first + again] == ["new_friend", "duplicate"]
    assert len(line.replies) == 1

    class TableDown(FakeTable):
        def record_unfollow(self, claim, user_id, at, event_ms, counts):
            raise RuntimeError("table down")

    unfollow = event("unfollow", 2000, "E2")
    down = TableDown()
    down.__dict__.update(table.__dict__)
    with pytest.raises(RuntimeError):
        process_webhook_events([unfollow], ledger_over(down, line), NOW)
    assert "E2" not in table.claimed and table.members[USER].blocked is False
    [redelivered] = process_webhook_events([unfollow], ledger, NOW)
    assert redelivered.outcome == "blocked" and table.members[USER].blocked is True


class RacedTable(FakeTable):
    """Another event of the same user lands just before each of the follow's writes."""

    def __init__(self, racing: list[tuple[int, bool]]) -> None:
        super().__init__()
        self.racing = racing  # (timestamp, blocked) of the events that land, one per write

    def record_follow(self, claim, user_id, *args):
        if self.racing:
            ms, blocked = self.racing.pop(0)
            self.follow_state_ms[user_id] = ms
            member = self.members.get(user_id) or Member(user_id=user_id)
            self.members[user_id] = member.model_copy(update={"blocked": blocked})
        return super().record_follow(claim, user_id, *args)


def test_a_follow_whose_record_changed_under_it_is_still_applied_or_left_for_redelivery():
    follow = event("follow", 2000, "E1", replyToken="r1", follow={"isUnblocked": False})

    # an older unfollow lands first: the follow reads again and is applied, welcome once
    table, line = RacedTable([(1000, True)]), FakeLine()
    [result] = process_webhook_events([follow], ledger_over(table, line), NOW)
    assert result.outcome == Outcome.NEW_FRIEND
    assert table.members[USER].blocked is False and len(line.replies) == 1
    assert "E1" in table.claimed

    # a newer unfollow lands first: it wins, and the follow sends nothing
    table, line = RacedTable([(3000, True)]), FakeLine()
    [result] = process_webhook_events([follow], ledger_over(table, line), NOW)
    assert result.outcome == Outcome.STALE
    assert table.members[USER].blocked is True and line.replies == []

    # the record keeps changing: nothing written, the request fails and LINE redelivers it
    table, line = RacedTable([(100 + n, True) for n in range(10)]), FakeLine()
    with pytest.raises(WritesKeptConflicting):
        process_webhook_events([follow], ledger_over(table, line), NOW)
    assert "E1" not in table.claimed and line.replies == []
    table.racing = []
    [redelivered] = process_webhook_events([follow], ledger_over(table, line), NOW)
    assert redelivered.outcome == Outcome.NEW_FRIEND and len(line.replies) == 1


def test_a_message_fills_in_a_missing_profile_in_the_same_write_and_a_duplicate_changes_nothing():
    table, line = FakeTable(), FakeLine(profile_fails=True)
    ledger = ledger_over(table, line)
    process_webhook_events(
        [event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False})], ledger, NOW
    )
    message = event("message", 2000, "E2", replyToken="r2", message={"id": "1", "type": "text", "text": "hi"})
    [still_pending] = process_webhook_events([message], ledger, NOW)
    assert still_pending.outcome == Outcome.INTERACTION and table.members[USER].profile_pending is True
    line.profile_fails = False
    second = event("message", 3000, "E3", replyToken="r3", message={"id": "2", "type": "text", "text": "yo"})
    outcomes = [p.outcome for p in process_webhook_events([second], ledger, NOW)]
    outcomes += [p.outcome for p in process_webhook_events([second, message], ledger, NOW)]
    assert outcomes == ["interaction", "duplicate", "duplicate"]
    assert table.members[USER].display_name == "テスト太郎" and table.members[USER].profile_pending is False
    assert table.interactions == [(USER, "message:text")] * 2


def follow_of(n: int):
    raw = {
        "type": "follow",
        "timestamp": 1000 + n,
        "mode": "active",
        "webhookEventId": f"E{n}",
        "deliveryContext": {"isRedelivery": False},
        "source": {"type": "user", "userId": f"U{n:032x}"},
        "follow": {"isUnblocked": False},
    }
    return parse_event(raw)


def test_staff_alerts_stop_at_the_per_minute_allowance():
    table, line = FakeTable(), FakeLine()
    table.staff = ["U" + "b" * 32]
    ledger = ledger_over(table, line)
    for n in range(8):
        process_webhook_events([follow_of(n)], ledger, datetime(2026, 1, 1))
    assert len(line.multicasts) == SHOP.staff_alerts_per_minute


@pytest.mark.parametrize("alerts_on, staff", [(False, ["U" + "b" * 32]), (True, [])], ids=["off", "no-staff"])
def test_no_alert_means_no_allowance_taken(alerts_on, staff):
    # Given a shop with staff alerts off, or with nobody to alert
    table, line = FakeTable(), FakeLine()
    table.staff = staff
    shop = SHOP.model_copy(update={"staff_alerts_enabled": alerts_on})
    ledger = FriendLedger(table, line, shop, staff=table, campaigns=table)
    # When a new friend follows
    process_webhook_events([follow_of(1)], ledger, datetime(2026, 1, 1))
    # Then no alert goes out, and the minute's allowance is not even asked for (no table request)
    assert line.multicasts == [] and table.alerts_sent == 0


def test_many_follows_in_one_request_are_one_staff_alert():
    table, line = FakeTable(), FakeLine()
    table.staff = ["U" + "b" * 32]
    process_webhook_events([follow_of(n) for n in range(8)], ledger_over(table, line), datetime(2026, 1, 1))
    [(_, [alert], _)] = line.multicasts
    assert alert["text"].count("テスト太郎さん") == 8


def test_unknown_and_unreadable_events_are_typed_not_raised():
    assert (
        parse_event(
            {
                "type": "beacon",
                "timestamp": 1,
                "webhookEventId": "x",
                "deliveryContext": {"isRedelivery": False},
            }
        ).type
        == "beacon"
    )
    unreadable = parse_event({"type": "follow", "timestamp": "soon"})
    assert unreadable.type == "follow" and "webhookEventId" in unreadable.reason


def test_follows_blocks_and_unblocks_are_counted_once_on_the_shops_day():
    table, line = FakeTable(), FakeLine()
    ledger = ledger_over(table, line)
    # 2026-01-01 15:30 UTC is already the 2nd in Tokyo
    at_ms = int(datetime(2026, 1, 1, 15, 30, tzinfo=UTC).timestamp() * 1000)
    events = [
        event("follow", at_ms, "E1", replyToken="r1", follow={"isUnblocked": False}),
        event("unfollow", at_ms + 1, "E2"),
        event("follow", at_ms + 2, "E3", replyToken="r3", follow={"isUnblocked": True}),
    ]
    process_webhook_events(events, ledger, datetime(2026, 1, 2))
    process_webhook_events(events, ledger, datetime(2026, 1, 2))  # LINE's redelivery

    assert table.daily == {("2026-01-02", "friends_added"): 2, ("2026-01-02", "blocks"): 1}
    assert table.totals == {"friends": 1, "blocked": 0}


class BusyTable(FakeTable):
    """Another transaction holds the user's record for the first `busy` writes."""

    def __init__(self, busy: int) -> None:
        super().__init__()
        self.busy = busy

    def _held(self):
        self.busy -= 1
        return self.busy >= 0

    def record_unfollow(self, claim, user_id, at, event_ms, counts):
        return (
            Write.CONFLICT if self._held() else super().record_unfollow(claim, user_id, at, event_ms, counts)
        )

    def record_interaction(self, claim, user_id, at, message, profile, unless_profile_pending):
        if self._held():
            return Write.CONFLICT
        return super().record_interaction(claim, user_id, at, message, profile, unless_profile_pending)


@pytest.mark.parametrize("busy", [1, 3])
def test_a_write_held_by_another_transaction_is_tried_again_and_applied_once(busy):
    table, line = BusyTable(busy), FakeLine()
    ledger = ledger_over(table, line)
    message = event("message", 1000, "E1", replyToken="r1", message={"id": "1", "type": "text", "text": "hi"})
    unfollow = event("unfollow", 2000, "E2")
    assert [p.outcome for p in process_webhook_events([message], ledger, NOW)] == ["interaction"]
    table.busy = busy
    assert [p.outcome for p in process_webhook_events([unfollow], ledger, NOW)] == ["blocked"]
    assert table.interactions == [(USER, "message:text")] and table.totals == {"friends": -1, "blocked": 1}


def test_a_write_held_for_too_long_fails_the_request_with_nothing_written_then_redelivery_applies_it():
    table, line = BusyTable(100), FakeLine()
    ledger = ledger_over(table, line)
    postback = event("postback", 1000, "E1", replyToken="r1", postback={"data": "action=register"})
    with pytest.raises(WritesKeptConflicting):
        process_webhook_events([postback], ledger, NOW)
    assert table.claimed == set() and table.interactions == [] and line.replies == []
    table.busy = 0
    assert [p.outcome for p in process_webhook_events([postback], ledger, NOW)] == ["interaction"]
    assert table.interactions == [(USER, "postback")] and len(line.replies) == 1


def test_the_shop_information_card_leaves_out_what_the_shop_has_not_set():
    from daifuku.domain.line_messages import shop_info_card
    from daifuku.models.shop import ShopInfo

    card = shop_info_card("大福堂", "#2f6b4f", ShopInfo(hours="10:00〜19:00", phone="03-1234-5678"))
    body = json.dumps(card, ensure_ascii=False)
    assert "営業時間" in body and "10:00〜19:00" in body and "tel:0312345678" in body
    assert "住所" not in body and "定休日" not in body and "地図を開く" not in body
    assert "準備中" in json.dumps(shop_info_card("大福堂", "#2f6b4f", None), ensure_ascii=False)
