"""Who is calling: the LIFF ID token, its ES256 signature checked against LINE's published keys (or,
when those cannot be fetched, by LINE's /oauth2/v2.1/verify), its claims held to LINE's rules,
remembered until it expires, and never a 5xx for a bad token. LINE is played by a stub of urlopen
(no sockets)."""

from __future__ import annotations

import base64
import io
import json
import subprocess
import sys
import time
import urllib.error
import urllib.parse
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, hmac
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from daifuku.adapters import line_id_tokens, line_login
from daifuku.adapters.line_id_tokens import MIN_FETCH_INTERVAL_SECONDS, LineSigningKeys
from daifuku.adapters.line_login import LineIdTokenVerifier, VerifiedTokenCache
from daifuku.domain.errors import InvalidIdToken, LineUnavailable
from daifuku_local.line_platform.id_tokens import IdTokenIssuer

CHANNEL = "1650000000"
USER = "U" + "c" * 32
NOW = 1_750_000_000
CERTS_URL = "https://api.line.me/oauth2/v2.1/certs"
VERIFY_URL = "https://api.line.me/oauth2/v2.1/verify"


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwk(kid: str, key: ec.EllipticCurvePrivateKey) -> dict[str, str]:
    numbers = key.public_key().public_numbers()
    return {
        "kty": "EC",
        "crv": "P-256",
        "alg": "ES256",
        "use": "sig",
        "kid": kid,
        "x": b64url(numbers.x.to_bytes(32, "big")),
        "y": b64url(numbers.y.to_bytes(32, "big")),
    }


def stranger_key() -> ec.EllipticCurvePrivateKey:
    """A key LINE never published."""
    return ec.generate_private_key(ec.SECP256R1())


class StubLine:
    """LINE Login: serves the JWKS of `keys` (or `jwks_document`; `jwks_failure` instead, if set),
    answers verify requests with a queued (status, body) each, signs tokens, records what was asked."""

    def __init__(self, monkeypatch):
        self.keys = {"key-1": ec.generate_private_key(ec.SECP256R1())}
        self.jwks_document: dict[str, Any] | None = None
        self.jwks_failure: Exception | None = None
        self.jwks_fetches = 0
        self.answers: list[tuple[int, dict] | Exception] = []
        self.requests: list[dict] = []
        monkeypatch.setattr(line_login.urllib.request, "urlopen", self.urlopen)

    def answer(self, status: int = 200, **body):
        self.answers.append((status, body))

    def jwks_unreachable(self):
        self.jwks_failure = urllib.error.URLError("connection refused")

    def urlopen(self, request, timeout):
        url = request if isinstance(request, str) else request.full_url
        if url == CERTS_URL:
            self.jwks_fetches += 1
            if self.jwks_failure is not None:
                raise self.jwks_failure
            document = self.jwks_document or {"keys": [jwk(kid, key) for kid, key in self.keys.items()]}
            return io.BytesIO(json.dumps(document).encode())
        self.requests.append({"url": url, **urllib.parse.parse_qs(request.data.decode())})
        answer = self.answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        status, body = answer
        payload = json.dumps(body).encode()
        if status >= 400:
            raise urllib.error.HTTPError(url, status, "error", {}, io.BytesIO(payload))
        return io.BytesIO(payload)

    def token(
        self,
        payload: dict[str, Any],
        kid: str = "key-1",
        alg: str = "ES256",
        signing_key: ec.EllipticCurvePrivateKey | None = None,
    ) -> str:
        """An ID token as LINE signs it, or with another key, key id or algorithm."""
        header = {"typ": "JWT", "alg": alg, "kid": kid}
        signing_input = f"{b64url(json.dumps(header).encode())}.{b64url(json.dumps(payload).encode())}"
        if alg == "none":
            return f"{signing_input}."
        if alg == "HS256":
            mac = hmac.HMAC(CHANNEL.encode(), hashes.SHA256())
            mac.update(signing_input.encode())
            return f"{signing_input}.{b64url(mac.finalize())}"
        key = signing_key or self.keys[kid]
        r, s = decode_dss_signature(key.sign(signing_input.encode(), ec.ECDSA(hashes.SHA256())))
        return f"{signing_input}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"


@pytest.fixture
def stub_line(monkeypatch):
    return StubLine(monkeypatch)


@pytest.fixture
def signing_keys():
    """The container's keys, fresh for each test."""
    return LineSigningKeys("https://api.line.me")


@pytest.fixture
def verifier(signing_keys):
    """A verifier whose clock reads `now`, sharing the test's keys and token cache between calls."""
    cache = VerifiedTokenCache()

    def make(now: float = NOW) -> LineIdTokenVerifier:
        return LineIdTokenVerifier(
            "https://api.line.me", CHANNEL, cache=cache, clock=lambda: now, signing_keys=signing_keys
        )

    return make


def claims(**overrides):
    return {
        "iss": "https://access.line.me",
        "sub": USER,
        "aud": CHANNEL,
        "exp": NOW + 600,
        "iat": NOW,
        "amr": ["linesso"],
        **overrides,
    }


# Checked here, against LINE's keys


def test_a_token_line_signed_gives_its_user_without_asking_line(stub_line, verifier):
    verified = verifier().verify(stub_line.token(claims(name="花子")))
    assert (verified.user_id, verified.name) == (USER, "花子")
    assert stub_line.requests == []
    assert stub_line.jwks_fetches == 1


def test_the_keys_are_fetched_once_for_every_token_of_the_container(stub_line, verifier):
    for minute in range(5):
        user = "U" + f"{minute:x}" * 32
        assert verifier(NOW + 60 * minute).verify(stub_line.token(claims(sub=user))).user_id == user
    assert stub_line.jwks_fetches == 1


def test_the_local_simulators_tokens_verify_here(stub_line, signing_keys):
    issuer = IdTokenIssuer(CHANNEL)
    stub_line.jwks_document = issuer.jwks()
    verifier = LineIdTokenVerifier(
        "https://api.line.me", CHANNEL, cache=VerifiedTokenCache(), signing_keys=signing_keys
    )
    verified = verifier.verify(issuer.issue(USER, "テスト花子"))
    assert (verified.user_id, verified.name) == (USER, "テスト花子")
    assert stub_line.requests == []


@pytest.mark.parametrize(
    ("payload", "reason"),
    [
        (claims(exp=NOW), "expired"),
        (claims(exp=NOW - 3600, iat=NOW - 7200), "expired"),
        (claims(iat=NOW + 61), "issue time"),
        (claims(iat=NOW + 3600, exp=NOW + 7200), "issue time"),
        (claims(aud="1999999999"), "audience"),
        (claims(iss="https://evil.example"), "issuer"),
        (claims(iss="https://access.line.me/"), "issuer"),
        (claims(sub="not-a-user-id"), "user id"),
        ({k: v for k, v in claims().items() if k != "exp"}, "expired"),
        ({k: v for k, v in claims().items() if k != "iat"}, "issue time"),
        (claims(exp=str(NOW + 600)), "expired"),
    ],
    ids=[
        "expired now",
        "expired long ago",
        "issued past the skew",
        "issued an hour ahead",
        "wrong audience",
        "wrong issuer",
        "issuer with a slash",
        "no user id",
        "no exp",
        "no iat",
        "exp as text",
    ],
)
def test_a_signed_token_that_breaks_lines_rules_is_refused(stub_line, verifier, payload, reason):
    with pytest.raises(InvalidIdToken, match=reason):
        verifier().verify(stub_line.token(payload))
    assert stub_line.requests == []


def test_an_issue_time_within_a_minute_ahead_is_our_clock_being_late(stub_line, verifier):
    assert verifier().verify(stub_line.token(claims(iat=NOW + 60))).user_id == USER


def test_a_forged_signature_is_refused(stub_line, verifier):
    forged = stub_line.token(claims(), signing_key=stranger_key())
    with pytest.raises(InvalidIdToken, match="signature"):
        verifier().verify(forged)

    header, _, signature = stub_line.token(claims()).split(".")
    someone_else = b64url(json.dumps(claims(sub="U" + "e" * 32)).encode())
    with pytest.raises(InvalidIdToken, match="signature"):
        verifier().verify(f"{header}.{someone_else}.{signature}")
    with pytest.raises(InvalidIdToken, match="signature"):
        verifier().verify(f"{header}.{someone_else}.{signature[:40]}")
    assert stub_line.requests == []


@pytest.mark.parametrize("alg", ["none", "HS256", "RS256", "ES384"])
def test_only_es256_is_accepted(stub_line, verifier, alg):
    """`none` would trust anyone; HS256 keyed with something public (the channel id) would too."""
    with pytest.raises(InvalidIdToken, match="algorithm"):
        verifier().verify(stub_line.token(claims(), alg=alg) + ("x" if alg == "none" else ""))
    assert (stub_line.jwks_fetches, stub_line.requests) == (0, [])


def test_lines_new_key_is_fetched_once_and_a_flood_of_unknown_keys_fetches_no_more(stub_line, verifier):
    # Given keys fetched at NOW
    verifier().verify(stub_line.token(claims()))
    assert stub_line.jwks_fetches == 1
    # When LINE starts signing with a new key a minute later, the first such token fetches the keys again
    stub_line.keys["key-2"] = ec.generate_private_key(ec.SECP256R1())
    later = NOW + MIN_FETCH_INTERVAL_SECONDS
    assert verifier(later).verify(stub_line.token(claims(sub="U" + "1" * 32), kid="key-2")).user_id
    assert stub_line.jwks_fetches == 2
    # Then tokens naming keys LINE never published are refused, with no fetch per token
    for n in range(50):
        forged = stub_line.token(claims(), kid=f"made-up-{n}", signing_key=stranger_key())
        with pytest.raises(InvalidIdToken, match="key id"):
            verifier(later + n).verify(forged)
    assert stub_line.jwks_fetches == 2
    # And a minute after the last fetch, an unknown key may fetch once more
    with pytest.raises(InvalidIdToken, match="key id"):
        verifier(later + MIN_FETCH_INTERVAL_SECONDS).verify(forged)
    assert stub_line.jwks_fetches == 3
    assert stub_line.requests == []


def test_an_unknown_key_on_a_cold_container_fetches_once(stub_line, verifier):
    forged = stub_line.token(claims(), kid="made-up", signing_key=stranger_key())
    for _ in range(3):
        with pytest.raises(InvalidIdToken, match="key id"):
            verifier().verify(forged)
    assert stub_line.jwks_fetches == 1


def test_keys_are_fetched_again_after_an_hour(stub_line, verifier):
    verifier().verify(stub_line.token(claims()))
    del stub_line.keys["key-1"]
    stub_line.keys["key-2"] = ec.generate_private_key(ec.SECP256R1())
    an_hour_later = NOW + 3600
    rotated = stub_line.token(claims(iat=an_hour_later, exp=an_hour_later + 600), kid="key-2")
    assert verifier(an_hour_later).verify(rotated).user_id == USER
    assert stub_line.jwks_fetches == 2


@pytest.mark.parametrize(
    "token",
    [
        "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJVIn0.c2lnbmF0dXJl",  # no kid
        "bm90IGpzb24.eyJzdWIiOiJVIn0.c2lnbmF0dXJl",  # header not JSON
        b64url(b"[1]") + ".e30.c2ln",  # header not an object
        b64url(b"[" * 2000) + ".e30.c2ln",  # nested past the parser's depth
        b64url(b'{"alg":"ES256","kid":7}') + ".e30.c2ln",
    ],
    ids=["no kid", "header not JSON", "header not an object", "deep nesting", "kid not text"],
)
def test_a_malformed_header_is_refused_without_fetching_anything(stub_line, verifier, token):
    with pytest.raises(InvalidIdToken):
        verifier().verify(token)
    assert (stub_line.jwks_fetches, stub_line.requests) == (0, [])


def test_a_malformed_payload_under_a_good_signature_is_refused(stub_line, verifier):
    header = b64url(json.dumps({"alg": "ES256", "kid": "key-1"}).encode())
    for payload in (b64url(b"not json"), b64url(b"[]")):
        signing_input = f"{header}.{payload}".encode()
        r, s = decode_dss_signature(stub_line.keys["key-1"].sign(signing_input, ec.ECDSA(hashes.SHA256())))
        token = f"{header}.{payload}.{b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))}"
        with pytest.raises(InvalidIdToken):
            verifier().verify(token)


# Nonce: checked only when the caller issued one, as LINE's verify endpoint does


def test_a_nonce_the_caller_expects_must_be_the_tokens(stub_line, verifier):
    token = stub_line.token(claims(nonce="n-0001"))
    assert verifier().verify(token, nonce="n-0001").nonce == "n-0001"
    with pytest.raises(InvalidIdToken, match="nonce"):
        verifier().verify(token, nonce="n-0002")
    with pytest.raises(InvalidIdToken, match="nonce"):
        verifier().verify(stub_line.token(claims()), nonce="n-0001")


def test_without_an_expected_nonce_the_tokens_own_is_not_checked(stub_line, verifier):
    """LIFF's liff.getIDToken() takes no nonce, so the LIFF API cannot expect one."""
    assert verifier().verify(stub_line.token(claims(nonce="chosen-by-liff"))).user_id == USER


# Remembered until it expires


def test_a_verified_token_is_not_checked_again_until_it_expires(stub_line, verifier):
    token = stub_line.token(claims(exp=NOW + 60))
    verifier(NOW).verify(token)
    stub_line.keys.clear()  # were it checked again, its key would be unknown
    verifier(NOW + 59).verify(token)
    with pytest.raises(InvalidIdToken, match="expired"):
        verifier(NOW + 60).verify(token)


def test_the_cache_keeps_hashes_not_tokens(stub_line):
    cache = VerifiedTokenCache()
    token = stub_line.token(claims())
    LineIdTokenVerifier(
        "https://api.line.me",
        CHANNEL,
        cache=cache,
        clock=lambda: NOW,
        signing_keys=LineSigningKeys("https://api.line.me"),
    ).verify(token)
    assert token not in repr(cache.__dict__)


# When LINE's keys cannot be fetched: LINE's verify endpoint decides


@pytest.mark.parametrize(
    "failure",
    [
        urllib.error.URLError("connection refused"),
        TimeoutError(),
        urllib.error.HTTPError(CERTS_URL, 503, "unavailable", {}, io.BytesIO(b"")),  # type: ignore[arg-type]
        ValueError("not JSON"),
    ],
    ids=["unreachable", "timeout", "503", "garbage"],
)
def test_without_lines_keys_the_verify_endpoint_decides(stub_line, verifier, failure):
    stub_line.jwks_failure = failure
    token = stub_line.token(claims())
    stub_line.answer(**claims(name="花子"))
    verified = verifier().verify(token)
    assert (verified.user_id, verified.name) == (USER, "花子")
    [asked] = stub_line.requests
    assert asked == {"url": VERIFY_URL, "id_token": [token], "client_id": [CHANNEL]}


def test_a_jwks_without_an_es256_key_sends_tokens_to_the_verify_endpoint(stub_line, verifier):
    stub_line.jwks_document = {
        "keys": [
            {"kty": "RSA", "kid": "r", "n": "AQAB", "e": "AQAB"},
            {"kty": "EC", "crv": "P-384", "kid": "p"},
        ]
    }
    stub_line.answer(**claims())
    assert verifier().verify(stub_line.token(claims())).user_id == USER
    assert len(stub_line.requests) == 1


def test_unreachable_keys_are_not_asked_for_again_within_a_minute(stub_line, verifier):
    stub_line.jwks_unreachable()
    for second in range(0, MIN_FETCH_INTERVAL_SECONDS, 10):
        stub_line.answer(**claims())
        verifier(NOW + second).verify(stub_line.token(claims(sub="U" + f"{second % 16:x}" * 32)))
    assert stub_line.jwks_fetches == 1
    # A minute on, LINE's keys are back: tokens are checked here again
    stub_line.jwks_failure = None
    verifier(NOW + MIN_FETCH_INTERVAL_SECONDS).verify(stub_line.token(claims(sub="U" + "f" * 32)))
    assert (stub_line.jwks_fetches, len(stub_line.requests)) == (2, MIN_FETCH_INTERVAL_SECONDS // 10)


def test_an_unknown_key_when_the_keys_cannot_be_refetched_goes_to_the_verify_endpoint(stub_line, verifier):
    verifier().verify(stub_line.token(claims()))
    stub_line.jwks_unreachable()
    stub_line.keys["key-2"] = ec.generate_private_key(ec.SECP256R1())
    stub_line.answer(**claims())
    later = NOW + MIN_FETCH_INTERVAL_SECONDS
    assert verifier(later).verify(stub_line.token(claims(), kid="key-2")).user_id == USER
    assert len(stub_line.requests) == 1


@pytest.mark.parametrize(
    "description", ["IdToken expired.", "Invalid IdToken Audience.", "Invalid IdToken signature."]
)
def test_what_line_refuses_is_an_invalid_token(stub_line, verifier, description):
    stub_line.jwks_unreachable()
    stub_line.answer(400, error="invalid_request", error_description=description)
    with pytest.raises(InvalidIdToken, match=description.rstrip(".")):
        verifier().verify(stub_line.token(claims()))


@pytest.mark.parametrize(
    "answer",
    [
        claims(aud="9999999999"),
        claims(iss="https://evil.example"),
        claims(sub="not-a-user-id"),
        claims(exp=NOW - 1),
        claims(iat=NOW + 3600),
    ],
    ids=["audience", "issuer", "subject", "expired", "issued ahead"],
)
def test_an_answer_that_does_not_fit_our_channel_is_not_trusted(stub_line, verifier, answer):
    stub_line.jwks_unreachable()
    stub_line.answer(**answer)
    with pytest.raises(InvalidIdToken):
        verifier().verify(stub_line.token(claims()))


def test_an_expected_nonce_is_sent_to_the_verify_endpoint(stub_line, verifier):
    stub_line.jwks_unreachable()
    stub_line.answer(**claims(nonce="n-0001"))
    token = stub_line.token(claims(nonce="n-0001"))
    assert verifier().verify(token, nonce="n-0001").user_id == USER
    assert stub_line.requests[0]["nonce"] == ["n-0001"]


@pytest.mark.parametrize(
    "failure",
    [(500, {}), (503, {}), (429, {}), urllib.error.URLError("connection refused"), TimeoutError()],
    ids=["500", "503", "429", "unreachable", "timeout"],
)
def test_line_being_unreachable_is_not_the_customers_fault(stub_line, verifier, failure):
    stub_line.jwks_unreachable()
    stub_line.answers.append(failure)
    with pytest.raises(LineUnavailable):
        verifier().verify(stub_line.token(claims()))


# Not a token at all


@pytest.mark.parametrize("token", [None, "", "not-a-jwt", "a.b", "a.b.c.d", "a.b.c" + "d" * 5000, "a.b.c d"])
def test_what_is_not_a_token_is_refused_without_asking_line(stub_line, verifier, token):
    with pytest.raises(InvalidIdToken):
        verifier().verify(token)
    assert (stub_line.jwks_fetches, stub_line.requests) == (0, [])


# What it costs the routes that check no token


def test_cryptography_is_loaded_by_the_first_signature_check_not_by_the_import():
    """Routes and functions that never check a token do not pay for loading cryptography."""
    script = (
        "import sys, daifuku.adapters.line_login, daifuku.adapters.line_id_tokens; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] == 'cryptography'))"
    )
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert loaded.stdout.strip() == "[]"


# Fetched ahead: a cold start's first request starts the fetch before it imports its routes


def test_keys_fetched_ahead_check_the_first_token_without_another_fetch(stub_line, signing_keys, verifier):
    signing_keys.fetch_ahead(NOW)
    signing_keys.fetch_ahead(NOW)  # a second start does nothing

    assert verifier().verify(stub_line.token(claims())).user_id == USER
    assert (stub_line.jwks_fetches, stub_line.requests) == (1, [])


def test_keys_that_could_not_be_fetched_ahead_send_the_first_token_to_the_verify_endpoint(
    stub_line, signing_keys, verifier
):
    stub_line.jwks_unreachable()
    signing_keys.fetch_ahead(NOW)
    stub_line.answer(**claims())

    assert verifier().verify(stub_line.token(claims())).user_id == USER
    assert (stub_line.jwks_fetches, len(stub_line.requests)) == (1, 1)


def test_a_fetch_ahead_that_broke_leaves_the_fetch_to_the_first_token(stub_line, signing_keys, verifier):
    stub_line.jwks_failure = RuntimeError("not LINE's answer")
    signing_keys.fetch_ahead(NOW)
    stub_line.jwks_failure = None

    assert verifier().verify(stub_line.token(claims())).user_id == USER
    assert (stub_line.jwks_fetches, stub_line.requests) == (2, [])


def test_keys_already_fetched_are_not_fetched_ahead_again(stub_line, monkeypatch):
    keys = LineSigningKeys("https://api.line.me")
    monkeypatch.setattr(line_id_tokens, "_signing_keys", {"https://api.line.me": keys})
    thread = line_id_tokens.fetch_signing_keys_ahead("https://api.line.me")
    assert thread is not None
    thread.join(timeout=30)

    assert line_id_tokens.fetch_signing_keys_ahead("https://api.line.me") is None
    assert keys.key("key-1", time.time()) is not None
    assert stub_line.jwks_fetches == 1
