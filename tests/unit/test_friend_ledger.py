"""The friends ledger's rules, with in-memory fakes for the table and LINE."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from daifuku.adapters.line_api import LineProfile
from daifuku.domain.errors import LineUnavailable
from daifuku.domain.friend_ledger import (
    FollowRecorded,
    FriendLedger,
    Outcome,
    process_webhook_events,
)
from daifuku.models.member import Member
from daifuku.models.shop import LiffApps, RichMenus, ShopConfig
from daifuku.models.webhook_events import parse_event

USER = "U" + "a" * 32


class FakeTable:
    def __init__(self) -> None:
        self.members: dict[str, Member] = {}
        self.follow_state_ms: dict[str, int] = {}
        self.claimed: dict[str, str] = {}
        self.staff: list[str] = []
        self.alerts_sent = 0

    def record_follow(self, user_id, profile, at, event_ms, is_unblocked):
        if self.follow_state_ms.get(user_id, -1) >= event_ms:
            return None
        self.follow_state_ms[user_id] = event_ms
        member = self.members.get(user_id) or Member(user_id=user_id)
        first = member.first_followed_at is None
        member = member.model_copy(
            update={
                "followed_at": at,
                "first_followed_at": member.first_followed_at or at,
                "blocked": False,
                "profile_pending": profile is None,
                **({"display_name": profile.display_name} if profile else {}),
            }
        )
        self.members[user_id] = member
        return FollowRecorded(member=member, is_first_follow=first)

    def attribute_block(self, user_id, blocked_at):
        return []

    def record_unfollow(self, user_id, at, event_ms):
        if self.follow_state_ms.get(user_id, -1) >= event_ms:
            return False
        self.follow_state_ms[user_id] = event_ms
        member = self.members.get(user_id) or Member(user_id=user_id)
        self.members[user_id] = member.model_copy(update={"blocked": True, "blocked_at": at})
        return True

    def record_interaction(self, user_id, at, kind, text):
        member = self.members.setdefault(user_id, Member(user_id=user_id))
        return member

    def update_profile(self, user_id, profile):
        self.members[user_id] = self.members[user_id].model_copy(
            update={"display_name": profile.display_name, "profile_pending": False}
        )

    def staff_user_ids(self):
        return self.staff

    def take_staff_alert_allowance(self, minute, limit):
        self.alerts_sent += 1
        return self.alerts_sent <= limit

    def claim_webhook_event(self, webhook_event_id, now):
        if webhook_event_id in self.claimed:
            return False
        self.claimed[webhook_event_id] = "processing"
        return True

    def complete_webhook_event(self, webhook_event_id, outcome):
        self.claimed[webhook_event_id] = outcome

    def release_webhook_event(self, webhook_event_id):
        del self.claimed[webhook_event_id]


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
        FriendLedger(table, line, SHOP),
        table,
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
    ledger = FriendLedger(table, line, SHOP)
    follow = event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False})
    unfollow = event("unfollow", 2000, "E2")
    assert ledger.apply(unfollow).outcome is Outcome.BLOCKED
    assert ledger.apply(follow).outcome is Outcome.STALE
    assert table.members[USER].blocked is True


def test_unblock_is_a_returning_friend_without_a_staff_alert():
    table, line = FakeTable(), FakeLine()
    table.staff = ["U" + "b" * 32]
    ledger = FriendLedger(table, line, SHOP)
    now = datetime(2026, 1, 1)
    process_webhook_events(
        [event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False})], ledger, table, now
    )
    process_webhook_events([event("unfollow", 2000, "E2")], ledger, table, now)
    [result] = process_webhook_events(
        [event("follow", 3000, "E3", replyToken="r3", follow={"isUnblocked": True})], ledger, table, now
    )
    assert result.outcome == Outcome.RETURNING_FRIEND
    assert table.members[USER].blocked is False
    assert len(line.multicasts) == 1
    assert "おかえりなさい" in line.replies[-1][1][0]["altText"]


def test_a_returning_member_gets_welcome_back_and_the_member_menu():
    table, line = FakeTable(), FakeLine()
    table.members[USER] = Member(user_id=USER, member_no="000042", first_followed_at=datetime(2026, 1, 1))
    FriendLedger(table, line, SHOP).apply(
        event("follow", 5000, "E1", replyToken="r1", follow={"isUnblocked": True})
    )
    assert line.replies[0][1][0]["type"] == "text"
    assert line.links == [(USER, "richmenu-member")]


def test_a_failed_profile_call_still_records_the_friend_and_fills_it_in_on_the_next_event():
    table, line = FakeTable(), FakeLine(profile_fails=True)
    ledger = FriendLedger(table, line, SHOP)
    ledger.apply(event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False}))
    assert table.members[USER].profile_pending is True
    line.profile_fails = False
    ledger.apply(
        event("message", 2000, "E2", replyToken="r2", message={"id": "1", "type": "text", "text": "hi"})
    )
    assert table.members[USER].display_name == "テスト太郎"
    assert table.members[USER].profile_pending is False


def test_each_event_is_applied_once_and_a_failure_releases_it_for_redelivery():
    table, line = FakeTable(), FakeLine()
    ledger = FriendLedger(table, line, SHOP)
    follow = event("follow", 1000, "E1", replyToken="r1", follow={"isUnblocked": False})
    first = process_webhook_events([follow], ledger, table, datetime(2026, 1, 1))
    again = process_webhook_events([follow], ledger, table, datetime(2026, 1, 1))
    assert [p.outcome for p in first + again] == ["new_friend", "duplicate"]
    assert len(line.replies) == 1

    class Broken(FriendLedger):
        def apply(self, event):
            raise RuntimeError("table down")

    unfollow = event("unfollow", 2000, "E2")
    with pytest.raises(RuntimeError):
        process_webhook_events([unfollow], Broken(table, line, SHOP), table, datetime(2026, 1, 1))
    assert "E2" not in table.claimed


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
    ledger = FriendLedger(table, line, SHOP)
    for n in range(8):
        process_webhook_events([follow_of(n)], ledger, table, datetime(2026, 1, 1))
    assert len(line.multicasts) == SHOP.staff_alerts_per_minute


def test_many_follows_in_one_request_are_one_staff_alert():
    table, line = FakeTable(), FakeLine()
    table.staff = ["U" + "b" * 32]
    process_webhook_events(
        [follow_of(n) for n in range(8)], FriendLedger(table, line, SHOP), table, datetime(2026, 1, 1)
    )
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


class CountingTable(FakeTable):
    """The fake table with the dashboard's counters."""

    def __init__(self) -> None:
        super().__init__()
        self.daily: dict[tuple[str, str], int] = {}
        self.totals: dict[str, int] = {}

    def add_counts(self, day, daily, totals):
        for name, value in daily.items():
            self.daily[(day.isoformat(), name)] = self.daily.get((day.isoformat(), name), 0) + value
        for name, value in totals.items():
            self.totals[name] = self.totals.get(name, 0) + value

    def count_registration(self, user_id, registered_at, day):
        raise AssertionError("the webhook never counts registrations")

    def count_member_deletion(self, user_id, day):
        raise AssertionError("the webhook never counts deletions")


def test_follows_blocks_and_unblocks_are_counted_once_on_the_shops_day():
    table, line = CountingTable(), FakeLine()
    ledger = FriendLedger(table, line, SHOP, counters=table)
    # 2026-01-01 15:30 UTC is already the 2nd in Tokyo
    at_ms = int(datetime(2026, 1, 1, 15, 30, tzinfo=UTC).timestamp() * 1000)
    events = [
        event("follow", at_ms, "E1", replyToken="r1", follow={"isUnblocked": False}),
        event("unfollow", at_ms + 1, "E2"),
        event("follow", at_ms + 2, "E3", replyToken="r3", follow={"isUnblocked": True}),
    ]
    process_webhook_events(events, ledger, table, datetime(2026, 1, 2))
    process_webhook_events(events, ledger, table, datetime(2026, 1, 2))  # LINE's redelivery

    assert table.daily == {("2026-01-02", "friends_added"): 2, ("2026-01-02", "blocks"): 1}
    assert table.totals == {"friends": 1, "blocked": 0}
