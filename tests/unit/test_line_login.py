"""Who is calling: the LIFF ID token, verified by LINE's /oauth2/v2.1/verify, remembered until it
expires, and never a 5xx for a bad token. LINE is played by a stub of urlopen (no sockets)."""

from __future__ import annotations

import io
import json
import urllib.error
import urllib.parse

import pytest

from daifuku.adapters import line_login
from daifuku.adapters.line_login import LineIdTokenVerifier, VerifiedTokenCache
from daifuku.domain.errors import InvalidIdToken, LineUnavailable

CHANNEL = "1650000000"
USER = "U" + "c" * 32
NOW = 1_750_000_000
TOKEN = "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJVIn0.c2lnbmF0dXJl"


class StubLine:
    """Answers verify requests with a queued (status, body) each, and records what was asked."""

    def __init__(self, monkeypatch):
        self.answers: list[tuple[int, dict] | Exception] = []
        self.requests: list[dict] = []
        monkeypatch.setattr(line_login.urllib.request, "urlopen", self.urlopen)

    def answer(self, status: int = 200, **body):
        self.answers.append((status, body))

    def urlopen(self, request, timeout):
        self.requests.append({"url": request.full_url, **urllib.parse.parse_qs(request.data.decode())})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        payload = json.dumps(body).encode()
        if status >= 400:
            raise urllib.error.HTTPError(request.full_url, status, "error", {}, io.BytesIO(payload))
        return io.BytesIO(payload)


@pytest.fixture
def stub_line(monkeypatch):
    return StubLine(monkeypatch)


def verifier(now=NOW) -> LineIdTokenVerifier:
    return LineIdTokenVerifier("https://api.line.me", CHANNEL, cache=VerifiedTokenCache(), clock=lambda: now)


def claims(**overrides):
    return {"iss": "https://access.line.me", "sub": USER, "aud": CHANNEL, "exp": NOW + 600, **overrides}


def test_a_token_line_verifies_gives_its_user(stub_line):
    stub_line.answer(**claims(name="花子"))
    verified = verifier().verify(TOKEN)
    assert (verified.user_id, verified.name) == (USER, "花子")
    [asked] = stub_line.requests
    assert asked == {
        "url": "https://api.line.me/oauth2/v2.1/verify",
        "id_token": [TOKEN],
        "client_id": [CHANNEL],
    }


def test_a_verified_token_is_not_sent_to_line_again_until_it_expires(stub_line):
    cache = VerifiedTokenCache()
    stub_line.answer(**claims(exp=NOW + 60))
    LineIdTokenVerifier("https://api.line.me", CHANNEL, cache=cache, clock=lambda: NOW).verify(TOKEN)
    LineIdTokenVerifier("https://api.line.me", CHANNEL, cache=cache, clock=lambda: NOW + 59).verify(TOKEN)
    assert len(stub_line.requests) == 1
    stub_line.answer(400, error="invalid_request", error_description="IdToken expired.")
    with pytest.raises(InvalidIdToken, match="expired"):
        LineIdTokenVerifier("https://api.line.me", CHANNEL, cache=cache, clock=lambda: NOW + 60).verify(TOKEN)


def test_the_cache_keeps_hashes_not_tokens(stub_line):
    cache = VerifiedTokenCache()
    stub_line.answer(**claims())
    LineIdTokenVerifier("https://api.line.me", CHANNEL, cache=cache, clock=lambda: NOW).verify(TOKEN)
    assert TOKEN not in repr(cache.__dict__)


@pytest.mark.parametrize(
    "description", ["IdToken expired.", "Invalid IdToken Audience.", "Invalid IdToken signature."]
)
def test_what_line_refuses_is_an_invalid_token(stub_line, description):
    stub_line.answer(400, error="invalid_request", error_description=description)
    with pytest.raises(InvalidIdToken, match=description.rstrip(".")):
        verifier().verify(TOKEN)


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", "a.b", "a.b.c.d", "a.b.c" + "d" * 5000, "a.b.c d"])
def test_what_is_not_a_token_is_refused_without_asking_line(stub_line, token):
    with pytest.raises(InvalidIdToken):
        verifier().verify(token)
    assert stub_line.requests == []


@pytest.mark.parametrize(
    "answer",
    [
        claims(aud="9999999999"),
        claims(iss="https://evil.example"),
        claims(sub="not-a-user-id"),
        claims(exp=NOW - 1),
    ],
    ids=["audience", "issuer", "subject", "expired"],
)
def test_an_answer_that_does_not_fit_our_channel_is_not_trusted(stub_line, answer):
    stub_line.answer(**answer)
    with pytest.raises(InvalidIdToken):
        verifier().verify(TOKEN)


@pytest.mark.parametrize(
    "failure",
    [(500, {}), (503, {}), (429, {}), urllib.error.URLError("connection refused"), TimeoutError()],
    ids=["500", "503", "429", "unreachable", "timeout"],
)
def test_line_being_unreachable_is_not_the_customers_fault(stub_line, failure):
    stub_line.answers.append(failure)
    with pytest.raises(LineUnavailable):
        verifier().verify(TOKEN)
