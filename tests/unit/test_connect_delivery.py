"""Outgoing events and the webhook forwarding, in the domain: signatures, scopes, URLs, the delivery
worker's retries and its log, with in-memory fakes."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from daifuku.adapters.connect_queue import QueuedShopEvents
from daifuku.domain.connect_delivery import (
    CONNECT_MESSAGE,
    ConnectDeliverer,
    DeliverLater,
    DeliveryAttempt,
    DeliveryDropped,
    EventDelivery,
    WebhookForward,
    retry_delay_seconds,
)
from daifuku.domain.connect_desk import ConnectDesk, Forwarding
from daifuku.domain.errors import InvalidOutgoingUrl, LeftToTheOtherTool, TooManyEventEndpoints
from daifuku.domain.shop_events import (
    EventEndpoint,
    ShopEventType,
    check_outgoing_url,
    member_registered,
    signature,
    signature_is_valid,
    visit_recorded,
)
from daifuku.domain.webhook_forwarding import forward_webhook, line_for
from daifuku.models.connect import MAX_EVENT_ENDPOINTS, EventEndpointRequest, ForwardingRequest

NOW = datetime(2026, 12, 6, 1, 2, 3, tzinfo=UTC)
OWN = frozenset({"abc123.execute-api.ap-northeast-1.amazonaws.com"})


def endpoint(**fields: Any) -> EventEndpoint:
    values: dict[str, Any] = {
        "endpoint_id": "e1",
        "name": "レジ",
        "url": "https://pos.example.com/hook",
        "events": (ShopEventType.VISIT_RECORDED, ShopEventType.MEMBER_REGISTERED),
        "secret": "whsec_test",
        "created_at": NOW,
        "created_by": "Uowner",
    }
    return EventEndpoint(**(values | fields))


class FakeHttp:
    def __init__(self, statuses: list[int]):
        self.statuses = statuses
        self.posts: list[tuple[str, bytes, dict[str, str]]] = []

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout_seconds: float) -> int:
        self.posts.append((url, body, headers))
        return self.statuses.pop(0) if self.statuses else 200


class FakeRecords:
    def __init__(self, *endpoints: EventEndpoint):
        self.endpoints = {e.endpoint_id: e for e in endpoints}
        self.attempts: list[DeliveryAttempt] = []
        self.forwarding_value = Forwarding()

    def event_endpoint(self, endpoint_id: str) -> EventEndpoint | None:
        return self.endpoints.get(endpoint_id)

    def record_delivery_attempt(self, attempt: DeliveryAttempt) -> None:
        self.attempts.append(attempt)

    def forwarding(self) -> Forwarding:
        return self.forwarding_value

    def save_forwarding(self, forwarding: Forwarding) -> None:
        self.forwarding_value = forwarding

    def event_endpoints(self) -> list[EventEndpoint]:
        return list(self.endpoints.values())

    def add_event_endpoint(self, endpoint: EventEndpoint) -> None:
        self.endpoints[endpoint.endpoint_id] = endpoint

    def remove_event_endpoint(self, endpoint_id: str) -> bool:
        return self.endpoints.pop(endpoint_id, None) is not None

    def delivery_attempts(self, target: str, limit: int) -> list[DeliveryAttempt]:
        return [a for a in reversed(self.attempts) if a.target == target][:limit]


def registration() -> Any:
    return member_registered("Uabc", "000123", NOW, {"name": "山田 花子", "phone": "09012345678"})


# Signatures and scopes


def test_the_signature_is_hmac_sha256_over_timestamp_dot_body_and_a_receiver_can_check_it():
    body = b'{"id":"1"}'
    value = signature("whsec_x", 1700000000, body)
    assert value.startswith("v1=") and len(value) == 3 + 64
    headers = {"X-Daifuku-Timestamp": "1700000000", "X-Daifuku-Signature": value}
    assert signature_is_valid("whsec_x", headers, body)
    assert not signature_is_valid("whsec_other", headers, body)
    assert not signature_is_valid("whsec_x", headers, body + b" ")
    assert not signature_is_valid("whsec_x", headers | {"X-Daifuku-Timestamp": "1700000001"}, body)


def test_personal_fields_go_only_to_an_endpoint_whose_scope_includes_them():
    event = registration()
    without = json.loads(event.payload(include_personal=False))
    with_personal = json.loads(event.payload(include_personal=True))
    assert without["member"] == {"user_id": "Uabc", "member_no": "000123"}
    assert with_personal["member"]["name"] == "山田 花子" and with_personal["type"] == "member.registered"


# URLs


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://pos.example.com/hook", "not_https"),
        ("ftp://pos.example.com/hook", "not_https"),
        ("https:///nohost", "no_host"),
        ("https://user:pw@pos.example.com/", "credentials_in_url"),
        ("https://abc123.execute-api.ap-northeast-1.amazonaws.com/webhook", "points_at_daifuku"),
        ("https://ABC123.execute-api.ap-northeast-1.amazonaws.com/other", "points_at_daifuku"),
        ("http://127.0.0.1:9/hook", "not_https"),
    ],
)
def test_urls_daifuku_will_not_post_to_are_refused_with_a_reason(url, reason):
    with pytest.raises(InvalidOutgoingUrl) as refused:
        check_outgoing_url(url, OWN)
    assert refused.value.reason == reason


def test_https_urls_elsewhere_are_accepted_and_loopback_http_only_when_allowed():
    assert check_outgoing_url(" https://pos.example.com/hook ", OWN) == "https://pos.example.com/hook"
    assert check_outgoing_url("http://127.0.0.1:9/hook", OWN, allow_loopback_http=True)
    with pytest.raises(InvalidOutgoingUrl):
        check_outgoing_url("http://10.0.0.1/hook", OWN, allow_loopback_http=True)


# The delivery worker


def test_an_event_is_posted_signed_to_its_endpoint_and_logged():
    records = FakeRecords(endpoint())
    http = FakeHttp([200])
    event = visit_recorded("Uabc", "000123", NOW, "v1", 1200, 12)
    attempt = ConnectDeliverer(http, records, lambda: NOW).deliver(
        EventDelivery(endpoint_id="e1", event=event), 1
    )
    url, body, headers = http.posts[0]
    assert url == "https://pos.example.com/hook"
    assert signature_is_valid("whsec_test", headers, body)
    assert headers["X-Daifuku-Event"] == "visit.recorded" and headers["X-Daifuku-Event-Id"] == event.id
    assert json.loads(body)["data"] == {"visit_id": "v1", "amount_yen": 1200, "points_added": 12}
    assert attempt.delivered and records.attempts == [attempt]


@pytest.mark.parametrize("status", [500, 503, 404, 0])
def test_a_receiver_that_fails_or_does_not_answer_gets_the_event_later_and_the_failure_is_logged(status):
    records = FakeRecords(endpoint())
    deliverer = ConnectDeliverer(FakeHttp([status]), records, lambda: NOW)
    message = EventDelivery(endpoint_id="e1", event=registration())
    with pytest.raises(DeliverLater):
        deliverer.deliver(message, 1)
    assert deliverer.deliver(message, 2).delivered
    assert [(a.attempt, a.delivered, a.status) for a in records.attempts] == [
        (1, False, status),
        (2, True, 200),
    ]
    assert records.attempts[0].error == ("no answer" if status == 0 else f"HTTP {status}")


def test_an_event_for_a_removed_endpoint_is_dropped_without_a_post():
    http = FakeHttp([])
    with pytest.raises(DeliveryDropped):
        ConnectDeliverer(http, FakeRecords(), lambda: NOW).deliver(
            EventDelivery(endpoint_id="gone", event=registration()), 1
        )
    assert http.posts == []


def test_a_forwarded_webhook_keeps_its_body_bytes_and_line_signature():
    body = '{"destination":"U1","events":[{"type":"follow","message":"大福"}]}'.encode()
    forward = WebhookForward.of("https://old.example.com/wh", body, "c2lnbmF0dXJl", NOW)
    # Through the queue (JSON) and back
    message = CONNECT_MESSAGE.validate_json(forward.model_dump_json())
    http = FakeHttp([200])
    records = FakeRecords()
    ConnectDeliverer(http, records, lambda: NOW).deliver(message, 1)
    url, sent, headers = http.posts[0]
    assert (url, sent, headers["X-Line-Signature"]) == ("https://old.example.com/wh", body, "c2lnbmF0dXJl")
    assert records.attempts[0].target == "forwarding"


def test_the_backoff_doubles_up_to_its_cap():
    delays = [retry_delay_seconds(n, 10, 900) for n in range(1, 12)]
    assert 10 <= delays[0] <= 11 and 20 <= delays[1] <= 22 and 80 <= delays[3] <= 88
    assert all(900 <= d <= 990 for d in delays[7:])
    assert retry_delay_seconds(1, 0.1, 0.2) == 1  # SQS counts whole seconds


# The emitter and the forwarding


class FakeQueue:
    def __init__(self, fail: bool = False):
        self.messages: list[Any] = []
        self.fail = fail

    def enqueue(self, messages: list[Any]) -> None:
        if self.fail:
            raise RuntimeError("SQS unavailable")
        self.messages.extend(messages)


def test_an_event_becomes_one_message_per_endpoint_that_subscribed_to_it():
    pos = endpoint(endpoint_id="pos")
    ec = endpoint(endpoint_id="ec", events=(ShopEventType.MEMBER_REGISTERED,))
    queue = FakeQueue()
    emitter = QueuedShopEvents(lambda: [pos, ec], queue)  # type: ignore[arg-type]
    emitter.emit(visit_recorded("Uabc", None, NOW, "v", None, 1))
    emitter.emit(registration())
    assert [(m.endpoint_id, m.event.type.value) for m in queue.messages] == [
        ("pos", "visit.recorded"),
        ("pos", "member.registered"),
        ("ec", "member.registered"),
    ]


def test_a_queue_that_refuses_never_fails_the_change_the_event_reports():
    QueuedShopEvents(lambda: [endpoint()], FakeQueue(fail=True)).emit(registration())  # type: ignore[arg-type]


def test_a_webhook_is_forwarded_only_when_a_url_is_set_and_silence_drops_replies_and_menus():
    queue = FakeQueue()
    assert not forward_webhook(Forwarding(), queue, b"{}", "sig", NOW)
    assert forward_webhook(Forwarding(url="https://old.example.com/wh"), queue, b"{}", "sig", NOW)
    assert queue.messages[0].line_signature == "sig"

    class Line:
        def __init__(self) -> None:
            self.calls: list[str] = []

        def reply(self, *args: Any) -> None:
            self.calls.append("reply")

        def link_rich_menu(self, *args: Any) -> None:
            self.calls.append("link")

        def multicast(self, *args: Any) -> None:
            self.calls.append("multicast")

        def get_profile(self, user_id: str) -> str:
            return "profile"

    line = Line()
    silent = line_for(Forwarding(url="https://old.example.com/wh", silent=True), line)
    with pytest.raises(LeftToTheOtherTool):  # not sent, so never recorded as sent
        silent.reply("t", [])
    silent.link_rich_menu("U", "m")
    silent.multicast(["U"], [])
    assert line.calls == ["multicast"] and silent.get_profile("U") == "profile"
    assert line_for(Forwarding(silent=False), line) is line


# The owner's desk


def test_the_owner_adds_endpoints_up_to_the_limit_and_each_gets_its_own_secret():
    records = FakeRecords()
    desk = ConnectDesk(records, OWN, clock=lambda: NOW)
    request = EventEndpointRequest(
        name="レジ", url="https://pos.example.com/hook", events=[ShopEventType.VISIT_RECORDED] * 2
    )
    added = [desk.add_endpoint("Uowner", request) for _ in range(MAX_EVENT_ENDPOINTS)]
    assert len({e.secret for e in added}) == MAX_EVENT_ENDPOINTS
    assert added[0].events == (ShopEventType.VISIT_RECORDED,)
    with pytest.raises(TooManyEventEndpoints):
        desk.add_endpoint("Uowner", request)


def test_forwarding_to_daifuku_itself_or_over_http_is_refused_and_changes_nothing():
    records = FakeRecords()
    desk = ConnectDesk(records, OWN)
    for url in ("http://old.example.com/wh", f"https://{next(iter(OWN))}/webhook"):
        with pytest.raises(InvalidOutgoingUrl):
            desk.set_forwarding(ForwardingRequest(url=url))
    assert records.forwarding_value == Forwarding()
    assert desk.set_forwarding(ForwardingRequest(url="https://old.example.com/wh", silent=True)).silent
    assert desk.set_forwarding(ForwardingRequest(url="", silent=False)) == Forwarding()
