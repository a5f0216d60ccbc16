"""The LINE simulator behaves like LINE: checked against LINE's own OpenAPI specs and SDK."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from linebot.v3.exceptions import InvalidSignatureError
from linebot.v3.messaging import (
    ApiClient,
    Configuration,
    MessagingApi,
    MulticastRequest,
    PushMessageRequest,
    TextMessage,
)
from linebot.v3.webhook import WebhookParser
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform import LineSimulator, SimulatorConfig
from daifuku_local.line_platform.images import solid_png
from daifuku_local.line_platform.openapi_validation import load_spec

SECRET = "simulator-test-secret"
TOKEN = "simulator-test-token"
CHANNEL = "1650000001"


@pytest.fixture
def simulator() -> Iterator[LineSimulator]:
    sim = LineSimulator(
        SimulatorConfig(channel_secret=SECRET, channel_access_token=TOKEN, login_channel_id=CHANNEL)
    )
    sim.start()
    yield sim
    sim.stop()


class WebhookReceiver:
    """A stand-in for Daifuku's /webhook that keeps what it was sent."""

    def __init__(self) -> None:
        self.requests: list[tuple[bytes, str]] = []
        self._server = make_server("127.0.0.1", 0, self._app, threaded=True)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/webhook"

    def _app(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        self.requests.append((request.get_data(), request.headers.get("x-line-signature", "")))
        return Response("{}", content_type="application/json")(environ, start_response)

    def stop(self) -> None:
        self._server.shutdown()


@pytest.fixture
def receiver() -> Iterator[WebhookReceiver]:
    server = WebhookReceiver()
    yield server
    server.stop()


def messaging_api(simulator: LineSimulator) -> MessagingApi:
    return MessagingApi(ApiClient(Configuration(host=simulator.base_url, access_token=TOKEN)))


def followed_user(simulator: LineSimulator, name: str = "テスト花子") -> str:
    user = simulator.create_user(name)
    simulator.follow(user.user_id)
    return user.user_id


def raw_post(
    simulator: LineSimulator, path: str, body: Any, headers: dict[str, str] | None = None
) -> tuple[int, dict, dict]:
    request = urllib.request.Request(simulator.base_url + path, data=json.dumps(body).encode(), method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {TOKEN}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}"), dict(error.headers)


def test_a_push_built_with_line_bot_sdk_is_accepted_and_delivered(simulator):
    user = followed_user(simulator)
    messaging_api(simulator).push_message(
        PushMessageRequest(to=user, messages=[TextMessage(text="こんにちは")])
    )
    messaging_api(simulator).multicast(MulticastRequest(to=[user], messages=[TextMessage(text="お知らせ")]))
    delivered = [e.message["text"] for e in simulator.transcripts[user] if e.direction == "to_user"]
    assert delivered == ["こんにちは", "お知らせ"]
    assert simulator.violations == []


@pytest.mark.parametrize(
    ("message", "property_name"),
    [
        ({"type": "text"}, "messages[0]"),
        ({"type": "carousel-of-dreams", "text": "x"}, "messages[0]"),
        (
            {
                "type": "flex",
                "altText": "x",
                "contents": {"type": "bubble", "body": {"type": "box", "layout": "diagonal", "contents": []}},
            },
            "messages[0].contents.body.layout",
        ),
    ],
    ids=["text-without-text", "unknown-type", "flex-bad-layout"],
)
def test_a_body_that_breaks_the_spec_gets_lines_400_and_is_recorded(simulator, message, property_name):
    user = followed_user(simulator)
    status, body, _ = raw_post(simulator, "/v2/bot/message/push", {"to": user, "messages": [message]})
    assert status == 400
    assert body["message"].startswith("The request body has")
    assert body["details"][0]["property"] == property_name
    assert simulator.violations[-1]["path"] == "/v2/bot/message/push"
    assert not [e for e in simulator.transcripts[user] if e.direction == "to_user"]


def test_a_repeated_retry_key_is_delivered_once_and_answered_409_with_the_accepted_id(simulator):
    user = followed_user(simulator)
    key = str(uuid.uuid4())
    body = {"to": user, "messages": [{"type": "text", "text": "一度だけ"}]}
    answers = [raw_post(simulator, "/v2/bot/message/push", body, {"X-Line-Retry-Key": key}) for _ in range(3)]
    assert [status for status, _, _ in answers] == [200, 409, 409]
    first_id = answers[0][2]["x-line-request-id"]
    assert all(headers["x-line-accepted-request-id"] == first_id for _, _, headers in answers[1:])
    assert [e.message["text"] for e in simulator.transcripts[user] if e.direction == "to_user"] == [
        "一度だけ"
    ]


def control(simulator: LineSimulator, path: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(simulator.base_url + path, data=json.dumps(body).encode(), method="PUT")
    request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.loads(response.read())


def test_rate_limit_gives_lines_429(simulator):
    user = followed_user(simulator)
    control(simulator, "/_sim/rate-limits", {"push": 3})
    body = {"to": user, "messages": [{"type": "text", "text": "x"}]}
    statuses = [raw_post(simulator, "/v2/bot/message/push", body)[0] for _ in range(8)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses.count(429) >= 4


def test_monthly_quota_counts_deliverable_recipients_and_gives_lines_429(simulator):
    user = followed_user(simulator)
    blocked = followed_user(simulator, "ブロック済み")
    simulator.block(blocked)
    control(simulator, "/_sim/quota", {"limit": 2, "consumed": 0})
    message = {"type": "text", "text": "x"}
    status, _, _ = raw_post(
        simulator, "/v2/bot/message/multicast", {"to": [user, blocked], "messages": [message]}
    )
    assert status == 200
    assert control(simulator, "/_sim/quota", {})["consumed"] == 1, "the blocked user is not counted"
    assert raw_post(simulator, "/v2/bot/message/push", {"to": user, "messages": [message]})[0] == 200
    status, answer, _ = raw_post(simulator, "/v2/bot/message/push", {"to": user, "messages": [message]})
    assert (status, answer["message"]) == (429, "You have reached your monthly limit.")
    assert len([e for e in simulator.transcripts[user] if e.direction == "to_user"]) == 2


def test_injected_faults_happen_at_the_configured_rates_and_repeat_with_the_seed(simulator):
    user = followed_user(simulator)

    def run() -> list[int]:
        control(
            simulator, "/_sim/faults", {"rate_429": 0.15, "rate_500": 0.05, "endpoints": ["push"], "seed": 42}
        )
        body = {"to": user, "messages": [{"type": "text", "text": "x"}]}
        return [raw_post(simulator, "/v2/bot/message/push", body)[0] for _ in range(400)]

    first, second = run(), run()
    assert first == second
    assert 0.10 <= first.count(429) / 400 <= 0.20
    assert 0.02 <= first.count(500) / 400 <= 0.09


def test_webhooks_are_signed_conform_to_webhook_yml_and_can_be_redelivered(simulator, receiver):
    simulator.set_webhook_url(receiver.url)
    user = followed_user(simulator)
    simulator.send_text(user, "予約できますか")
    spec = load_spec("webhook.yml")
    for body, signature in receiver.requests:
        assert spec.validate_against("CallbackRequest", json.loads(body)) == []
        WebhookParser(SECRET).parse(body.decode(), signature)
        with pytest.raises(InvalidSignatureError):
            WebhookParser("another-secret").parse(body.decode(), signature)
    event_id = json.loads(receiver.requests[0][0])["events"][0]["webhookEventId"]
    simulator.redeliver(event_id)
    redelivered = json.loads(receiver.requests[-1][0])["events"][0]
    assert redelivered["webhookEventId"] == event_id
    assert redelivered["deliveryContext"]["isRedelivery"] is True


def test_a_sample_of_every_webhook_event_type_conforms_to_webhook_yml(simulator):
    samples = json.loads(urllib.request.urlopen(simulator.base_url + "/_sim/webhooks/samples").read())
    spec = load_spec("webhook.yml")
    mapping = spec._document["components"]["schemas"]["Event"]["discriminator"]["mapping"]
    assert {s["type"] for s in samples} == set(mapping)
    body = {"destination": "U" + "d" * 32, "events": samples}
    assert spec.validate_against("CallbackRequest", body) == []


def verify(simulator: LineSimulator, token: str, client_id: str = CHANNEL) -> tuple[int, dict]:
    data = f"id_token={token}&client_id={client_id}".encode()
    try:
        with urllib.request.urlopen(
            simulator.base_url + "/oauth2/v2.1/verify", data=data, timeout=5
        ) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_id_tokens_verify_like_line_login(simulator):
    user = followed_user(simulator)
    status, claims = verify(simulator, simulator.id_tokens.issue(user, "テスト花子"))
    assert status == 200 and claims["sub"] == user and claims["aud"] == CHANNEL
    from cryptography.hazmat.primitives.asymmetric import ec

    cases = {
        "IdToken expired.": simulator.id_tokens.issue(user, "x", expires_in=-10),
        "Invalid IdToken audience.": simulator.id_tokens.issue(user, "x", audience="999"),
        "Invalid IdToken signature.": simulator.id_tokens.issue(
            user, "x", signing_key=ec.generate_private_key(ec.SECP256R1())
        ),
        "Invalid IdToken.": "not.a.token",
    }
    for description, token in cases.items():
        assert verify(simulator, token) == (
            400,
            {"error": "invalid_request", "error_description": description},
        )


def upload(simulator: LineSimulator, rich_menu_id: str, image: bytes) -> int:
    request = urllib.request.Request(
        f"{simulator.base_url}/v2/bot/richmenu/{rich_menu_id}/content", data=image, method="POST"
    )
    request.add_header("Content-Type", "image/png")
    request.add_header("Authorization", f"Bearer {TOKEN}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def test_rich_menu_images_follow_lines_size_rules(simulator):
    menu = {
        "size": {"width": 2500, "height": 843},
        "selected": True,
        "name": "会員メニュー",
        "chatBarText": "メニュー",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                "action": {"type": "postback", "data": "a=1"},
            }
        ],
    }
    status, created, _ = raw_post(simulator, "/v2/bot/richmenu", menu)
    assert status == 200
    assert upload(simulator, created["richMenuId"], solid_png(600, 300)) == 400
    assert upload(simulator, created["richMenuId"], solid_png(2500, 843)) == 200


def call(
    simulator: LineSimulator, method: str, path: str, body: Any = None, token: str = TOKEN
) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(simulator.base_url + path, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def login_channel_token(simulator: LineSimulator, secret: str | None = None) -> tuple[int, dict]:
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": CHANNEL,
            "client_secret": secret or simulator.config.login_channel_secret,
        }
    ).encode()
    try:
        with urllib.request.urlopen(
            simulator.base_url + "/v2/oauth/accessToken", data=form, timeout=5
        ) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_the_login_channel_issues_short_lived_tokens_as_channel_access_token_yml_says(simulator):
    status, issued = login_channel_token(simulator)
    assert status == 200
    spec = load_spec("channel-access-token.yml")
    assert spec.validate_against("IssueShortLivedChannelAccessTokenResponse", issued) == []
    assert login_channel_token(simulator, secret="wrong")[0] == 400
    # A revoked token opens nothing any more
    token = issued["access_token"]
    assert call(simulator, "GET", "/liff/v1/apps", token=token)[0] == 404
    revoke = urllib.parse.urlencode({"access_token": token}).encode()
    urllib.request.urlopen(simulator.base_url + "/v2/oauth/revoke", data=revoke, timeout=5).read()
    assert call(simulator, "GET", "/liff/v1/apps", token=token)[0] == 401


def test_liff_apps_are_managed_through_the_liff_server_api_with_the_login_channel_token(simulator):
    spec = load_spec("liff.yml")
    token = login_channel_token(simulator)[1]["access_token"]
    app = {
        "view": {"type": "full", "url": "https://shop.example/card.html"},
        "description": "会員証",
        "scope": ["openid", "profile"],
        "botPrompt": "aggressive",
    }
    # A channel without LIFF apps answers 404, and the Messaging API channel's token is refused
    assert call(simulator, "GET", "/liff/v1/apps", token=token)[0] == 404
    assert call(simulator, "POST", "/liff/v1/apps", app)[0] == 401

    status, created = call(simulator, "POST", "/liff/v1/apps", app, token=token)
    assert status == 200 and spec.validate_against("AddLiffAppResponse", created) == []
    liff_id = created["liffId"]
    update = {"view": {"url": "https://shop.example/v2/card.html"}, "description": "会員証(新)"}
    assert call(simulator, "PUT", f"/liff/v1/apps/{liff_id}", update, token=token)[0] == 200

    status, listed = call(simulator, "GET", "/liff/v1/apps", token=token)
    assert status == 200 and spec.validate_against("GetAllLiffAppsResponse", listed) == []
    (only,) = listed["apps"]
    assert only["view"] == {"type": "full", "url": "https://shop.example/v2/card.html"}
    assert (only["liffId"], only["description"], only["botPrompt"]) == (liff_id, "会員証(新)", "aggressive")

    assert call(simulator, "PUT", "/liff/v1/apps/nope", update, token=token)[0] == 404
    assert call(simulator, "DELETE", f"/liff/v1/apps/{liff_id}", token=token)[0] == 200
    assert call(simulator, "GET", "/liff/v1/apps", token=token)[0] == 404
    assert simulator.violations == []


@pytest.mark.parametrize(
    ("app", "property_name"),
    [
        ({"description": "会員証"}, ""),  # no view: the spec's own rule
        ({"view": {"type": "wide", "url": "https://shop.example/"}}, "view.type"),
        ({"view": {"type": "full", "url": "http://shop.example/"}}, "view.url"),
        ({"view": {"type": "full", "url": "https://shop.example/#card"}}, "view.url"),
        (
            {"view": {"type": "full", "url": "https://shop.example/"}, "description": "LINE会員証"},
            "description",
        ),
    ],
    ids=["no-view", "unknown-view-type", "not-https", "fragment", "name-with-line"],
)
def test_a_liff_app_that_breaks_lines_rules_gets_400_and_nothing_is_added(simulator, app, property_name):
    token = login_channel_token(simulator)[1]["access_token"]
    status, answer = call(simulator, "POST", "/liff/v1/apps", app, token=token)
    assert status == 400
    assert answer["details"][0]["property"] == property_name
    assert simulator.liff_apps == {}


def test_the_webhook_endpoint_is_set_and_tested_as_line_does(simulator, receiver):
    # https only (the local world's 127.0.0.1 aside)
    assert (
        call(simulator, "PUT", "/v2/bot/channel/webhook/endpoint", {"endpoint": "http://shop.example/"})[0]
        == 400
    )
    assert call(simulator, "PUT", "/v2/bot/channel/webhook/endpoint", {"endpoint": receiver.url})[0] == 200
    status, endpoint = call(simulator, "GET", "/v2/bot/channel/webhook/endpoint")
    assert (status, endpoint) == (200, {"endpoint": receiver.url, "active": True})

    spec = load_spec("messaging-api.yml")
    status, result = call(simulator, "POST", "/v2/bot/channel/webhook/test", {})
    assert status == 200 and spec.validate_against("TestWebhookEndpointResponse", result) == []
    assert (result["success"], result["statusCode"], result["reason"]) == (True, 200, "OK")
    # LINE's test is a signed request with no events
    body, signature = receiver.requests[-1]
    assert json.loads(body)["events"] == []
    WebhookParser(SECRET).parse(body.decode(), signature)

    unreachable = {"endpoint": "http://127.0.0.1:9/webhook"}
    status, result = call(simulator, "POST", "/v2/bot/channel/webhook/test", unreachable)
    assert (status, result["success"], result["reason"]) == (200, False, "COULD_NOT_CONNECT")


def test_rich_menu_aliases_follow_lines_rules(simulator):
    menu = {
        "size": {"width": 2500, "height": 843},
        "selected": False,
        "name": "m",
        "chatBarText": "m",
        "areas": [
            {
                "bounds": {"x": 0, "y": 0, "width": 2500, "height": 843},
                "action": {"type": "postback", "data": "a"},
            }
        ],
    }
    first, second = (call(simulator, "POST", "/v2/bot/richmenu", menu)[1]["richMenuId"] for _ in range(2))
    alias = {"richMenuAliasId": "daifuku-member", "richMenuId": first}
    # A menu without an image cannot be aliased
    assert call(simulator, "POST", "/v2/bot/richmenu/alias", alias)[0] == 400
    for menu_id in (first, second):
        assert upload(simulator, menu_id, solid_png(2500, 843)) == 200
    assert call(simulator, "POST", "/v2/bot/richmenu/alias", alias)[0] == 200
    assert (
        call(simulator, "POST", "/v2/bot/richmenu/alias", alias)[1]["message"] == "conflict richmenu alias id"
    )
    bad_id = {"richMenuAliasId": "会員 menu", "richMenuId": first}
    assert call(simulator, "POST", "/v2/bot/richmenu/alias", bad_id)[0] == 400
    assert call(simulator, "POST", "/v2/bot/richmenu/alias/daifuku-member", {"richMenuId": second})[0] == 200
    assert call(simulator, "GET", "/v2/bot/richmenu/alias/daifuku-member")[1] == {
        "richMenuAliasId": "daifuku-member",
        "richMenuId": second,
    }
    assert call(simulator, "POST", "/v2/bot/richmenu/alias/unknown", {"richMenuId": second})[0] == 404
    # The alias id's pattern is the spec's: the one refusal recorded as a violation
    assert [v["violations"][0]["property"] for v in simulator.violations] == ["richMenuAliasId"]
