"""The request path's hand-written LINE client sends what line-bot-sdk would send for the same messages.

`daifuku.adapters.line_api` stays lean (no line-bot-sdk import: about 2 s of cold start). Its requests,
as they reach a recording HTTP server, must parse as the SDK's own request models and round-trip to the
same JSON; and the SDK, sending the same messages, must use the same method, path and retry key.
"""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from linebot.v3 import messaging

from daifuku.adapters.line_api import LineMessagingClient
from daifuku.domain.campaigns import Campaign, FlexContent, ImageContent, TextContent
from daifuku.domain.line_messages import registration_invitation
from daifuku.domain.segments import Segment
from daifuku.models.member import Member

TOKEN = "contract-test-token"
MEMBER = Member(user_id="U" + "1" * 32, name="佐藤さくら", member_no="000123")
OTHER = "U" + "2" * 32
RETRY_KEY = "123e4567-e89b-42d3-a456-426614174000"
RICH_MENU_ID = "richmenu-" + "a" * 32
BIRTHDAY_TEXT = "🎂 {name}さま、お誕生日おめでとうございます!会員番号{member_no}のクーポンをどうぞ🎁"
BUBBLE = {
    "type": "bubble",
    "hero": {"type": "image", "url": "https://example.com/cake.png", "size": "full", "aspectMode": "cover"},
    "body": {
        "type": "box",
        "layout": "vertical",
        "contents": [
            {"type": "text", "text": "誕生月クーポン", "weight": "bold", "size": "xl"},
            {"type": "text", "text": "ケーキ1個無料", "wrap": True, "color": "#666666"},
        ],
    },
}


@dataclass(frozen=True)
class Recorded:
    method: str
    path: str
    retry_key: str | None
    body: bytes


class RecordingLine:
    """A stand-in for api.line.me that records each request and accepts it."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def _record(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                recorder.requests.append(
                    Recorded(
                        self.command, self.path, self.headers.get("X-Line-Retry-Key"), self.rfile.read(length)
                    )
                )
                answer = json.dumps({"sentMessages": [{"id": "1", "quoteToken": "q"}]}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.send_header("x-line-request-id", "contract-test-request")
                self.end_headers()
                self.wfile.write(answer)

            do_POST = do_DELETE = do_GET = _record

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def take(self) -> Recorded:
        """The one request made since the last take."""
        (request,) = self.requests
        self.requests.clear()
        return request

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(scope="module")
def recording_line() -> Iterator[RecordingLine]:
    server = RecordingLine()
    yield server
    server.close()


@pytest.fixture
def ours(recording_line: RecordingLine) -> LineMessagingClient:
    return LineMessagingClient(TOKEN, recording_line.url, recording_line.url)


@pytest.fixture
def sdk(recording_line: RecordingLine) -> messaging.MessagingApi:
    return messaging.MessagingApi(
        messaging.ApiClient(messaging.Configuration(host=recording_line.url, access_token=TOKEN))
    )


def campaign_messages() -> list[dict[str, Any]]:
    """A text with emoji and the member's placeholders filled in, an image and a Flex bubble."""
    campaign = Campaign(
        campaign_id="birth-month-2026-12",
        name="12月の誕生月",
        segment=Segment(birth_month=12),
        messages=[
            TextContent(text=BIRTHDAY_TEXT),
            ImageContent(
                original_content_url="https://example.com/cake.jpg",
                preview_image_url="https://example.com/cake-preview.jpg",
            ),
            FlexContent(alt_text="誕生月クーポン", contents=BUBBLE),
        ],
    )
    return campaign.line_messages(MEMBER)


def with_sdk_defaults(parsed: Any, sent: Any) -> Any:
    """`sent`, plus the fields the SDK's models fill with LINE's documented defaults at every level
    (`notificationDisabled: false`, a Flex image's `animated: false`…) where the request left them out."""
    if isinstance(sent, list):
        return [with_sdk_defaults(item, value) for item, value in zip(parsed, sent, strict=True)]
    if not isinstance(sent, dict) or not hasattr(parsed, "__fields__"):
        return sent
    fields = {field.alias: field for field in type(parsed).__fields__.values()}
    expected = {
        alias: field.default
        for alias, field in fields.items()
        if field.default is not None and alias not in sent
    }
    for key, value in sent.items():
        field = fields.get(key)
        expected[key] = with_sdk_defaults(getattr(parsed, field.name), value) if field else value
    return expected


def assert_round_trips(model: type[Any], body: bytes) -> Any:
    """The body parses as the SDK's model and comes back as the same JSON (plus LINE's defaults)."""
    sent = json.loads(body)
    parsed = model.from_json(body.decode())
    assert parsed.to_dict() == with_sdk_defaults(parsed, sent)
    return parsed


def test_the_campaign_messages_are_what_the_domain_wrote():
    # The text's placeholders are filled in before anything is sent; emoji pass through as they are.
    text, image, flex = campaign_messages()
    assert (
        text["text"] == "🎂 佐藤さくらさま、お誕生日おめでとうございます!会員番号000123のクーポンをどうぞ🎁"
    )
    assert (image["type"], flex["type"]) == ("image", "flex")


def test_a_push_with_a_retry_key_is_the_sdks_push(recording_line, ours, sdk):
    # When both clients push the campaign's messages to one member with the batch's retry key
    messages = campaign_messages()
    ours.push(MEMBER.user_id, messages, retry_key=RETRY_KEY)
    our_request = recording_line.take()
    sdk.push_message(
        messaging.PushMessageRequest.from_dict({"to": MEMBER.user_id, "messages": messages}),
        x_line_retry_key=RETRY_KEY,
    )
    sdk_request = recording_line.take()

    # Then ours parses as the SDK's PushMessageRequest, each message as its own model, and round-trips
    parsed = assert_round_trips(messaging.PushMessageRequest, our_request.body)
    assert [type(message) for message in parsed.messages] == [
        messaging.TextMessage,
        messaging.ImageMessage,
        messaging.FlexMessage,
    ]
    assert isinstance(parsed.messages[2].contents, messaging.FlexBubble)
    # And it goes where the SDK's goes, with the same retry key and the same JSON
    assert (our_request.method, our_request.path, our_request.retry_key) == (
        sdk_request.method,
        sdk_request.path,
        sdk_request.retry_key,
    )
    assert json.loads(sdk_request.body) == parsed.to_dict()


def test_a_multicast_is_the_sdks_multicast(recording_line, ours, sdk):
    messages = campaign_messages()[1:]
    ours.multicast([MEMBER.user_id, OTHER], messages, retry_key=RETRY_KEY)
    our_request = recording_line.take()
    sdk.multicast(
        messaging.MulticastRequest.from_dict({"to": [MEMBER.user_id, OTHER], "messages": messages}),
        x_line_retry_key=RETRY_KEY,
    )
    sdk_request = recording_line.take()

    parsed = assert_round_trips(messaging.MulticastRequest, our_request.body)
    assert (our_request.method, our_request.path, our_request.retry_key) == (
        sdk_request.method,
        sdk_request.path,
        sdk_request.retry_key,
    )
    assert json.loads(sdk_request.body) == parsed.to_dict()


def test_a_reply_is_the_sdks_reply(recording_line, ours, sdk):
    # The webhook's reply: a registration invitation (a Flex bubble with a LIFF button)
    messages = [
        registration_invitation("会員登録はこちらからどうぞ。", "会員登録", "https://liff.line.me/x-y")
    ]
    ours.reply("reply-token-1", messages)
    our_request = recording_line.take()
    sdk.reply_message(
        messaging.ReplyMessageRequest.from_dict({"replyToken": "reply-token-1", "messages": messages})
    )
    sdk_request = recording_line.take()

    parsed = assert_round_trips(messaging.ReplyMessageRequest, our_request.body)
    assert isinstance(parsed.messages[0], messaging.FlexMessage)
    assert (our_request.method, our_request.path, our_request.retry_key) == (
        sdk_request.method,
        sdk_request.path,
        None,
    )
    assert json.loads(sdk_request.body) == parsed.to_dict()


def test_linking_and_unlinking_a_rich_menu_are_the_sdks_calls(recording_line, ours, sdk):
    ours.link_rich_menu(MEMBER.user_id, RICH_MENU_ID)
    sdk.link_rich_menu_id_to_user(MEMBER.user_id, RICH_MENU_ID)
    ours_link, sdk_link = recording_line.requests
    recording_line.requests.clear()
    ours.unlink_rich_menu(MEMBER.user_id)
    sdk.unlink_rich_menu_id_from_user(MEMBER.user_id)
    ours_unlink, sdk_unlink = recording_line.requests
    recording_line.requests.clear()

    assert (ours_link.method, ours_link.path, ours_link.body) == (sdk_link.method, sdk_link.path, b"")
    assert (ours_unlink.method, ours_unlink.path) == (sdk_unlink.method, sdk_unlink.path)


def test_the_request_path_client_does_not_import_line_bot_sdk():
    # A fresh interpreter: this test process has the SDK loaded already.
    imported = subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys, daifuku.adapters.line_api; print(any(m.startswith('linebot') for m in sys.modules))",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    assert imported.stdout.strip() == "False"
