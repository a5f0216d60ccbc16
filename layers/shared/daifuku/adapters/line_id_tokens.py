"""LINE's ID-token signing keys (its JWKS) and the ES256 check of a LIFF ID token's signature.

LINE publishes the public keys it signs ID tokens with at `/oauth2/v2.1/certs`. A container fetches
them once and keeps them for an hour; a token signed with a key it has not seen (LINE rotated its keys)
makes it fetch them again, but at most once a minute, so a flood of made-up `kid`s cannot make it
fetch per request. When the keys cannot be fetched, `SigningKeysUnavailable` tells the caller to ask
LINE's verify endpoint instead.

`cryptography` is imported on the first signature check, not with this module, so the functions and
routes that never check a token never load it.
"""

from __future__ import annotations

import base64
import json
import logging
import threading
import time
import urllib.error
import urllib.request
from typing import TYPE_CHECKING, Any

from daifuku.domain.errors import InvalidIdToken

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ec import EllipticCurvePublicKey

log = logging.getLogger(__name__)

JWKS_PATH = "/oauth2/v2.1/certs"
# Keys LINE has withdrawn stop being trusted within the hour.
KEYS_MAX_AGE_SECONDS = 3600
# The least time between two fetches of the keys, whatever the tokens say.
MIN_FETCH_INTERVAL_SECONDS = 60
P256_COORDINATE_BYTES = 32


class SigningKeysUnavailable(Exception):
    """LINE's signing keys could not be fetched, or held no usable key: verify with LINE instead."""


def b64url_decode(text: str) -> bytes:
    """A base64url part of a JWT, whose padding is left off."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def jwt_json_part(part: str) -> dict[str, Any]:
    """A JWT's header or payload; InvalidIdToken if it is not a base64url JSON object."""
    try:
        decoded = json.loads(b64url_decode(part))
    except (ValueError, RecursionError):
        raise InvalidIdToken("Invalid IdToken.") from None
    if not isinstance(decoded, dict):
        raise InvalidIdToken("Invalid IdToken.")
    return decoded


class LineSigningKeys:
    """LINE's ES256 ID-token keys by `kid`, fetched from its JWKS when needed, as described above."""

    def __init__(self, api_endpoint: str, timeout_seconds: float = 3):
        self._url = f"{api_endpoint.rstrip('/')}{JWKS_PATH}"
        self._timeout = timeout_seconds
        self._keys: dict[str, EllipticCurvePublicKey] = {}
        self._fetched_at: float | None = None
        self._attempted_at: float | None = None
        self._last_attempt_failed = False
        self._lock = threading.Lock()

    def key(self, kid: str, now: float) -> EllipticCurvePublicKey | None:
        """The public key `kid` names, None if LINE does not publish it; SigningKeysUnavailable when
        the keys cannot be had."""
        with self._lock:
            fresh = self._fetched_at is not None and now - self._fetched_at < KEYS_MAX_AGE_SECONDS
            if fresh and kid in self._keys:
                return self._keys[kid]
            if self._attempted_at is None or now - self._attempted_at >= MIN_FETCH_INTERVAL_SECONDS:
                self._attempted_at = now
                self._last_attempt_failed = True
                self._keys = self._fetch()
                self._fetched_at = now
                self._last_attempt_failed = False
                return self._keys.get(kid)
            if not fresh or self._last_attempt_failed:
                raise SigningKeysUnavailable("LINE's signing keys were not fetched a moment ago")
            return None

    def fetch_ahead(self, now: float) -> None:
        """Fetch the keys now if this container never tried (a thread of their own, started by
        `fetch_signing_keys_ahead`); the first `key` waits for this fetch and uses what it got."""
        with self._lock:
            if self._attempted_at is not None:
                return
            self._attempted_at = now
            self._last_attempt_failed = True
            try:
                self._keys = self._fetch()
            except SigningKeysUnavailable:
                return  # logged; a key() within the minute asks LINE's verify endpoint, as after its own
            except Exception as error:  # not LINE's answer: let the request fetch the keys itself
                log.warning("fetching LINE's ID-token keys ahead failed (%s)", type(error).__name__)
                self._attempted_at = None
                return
            self._fetched_at = now
            self._last_attempt_failed = False

    @property
    def tried(self) -> bool:
        return self._attempted_at is not None

    def _fetch(self) -> dict[str, EllipticCurvePublicKey]:
        try:
            with urllib.request.urlopen(self._url, timeout=self._timeout) as response:
                jwks = json.loads(response.read())
        except (urllib.error.URLError, TimeoutError, ConnectionError, ValueError) as error:
            log.warning("LINE's ID-token keys could not be fetched (%s); asking LINE to verify", error)
            raise SigningKeysUnavailable(str(error)) from None
        keys = {
            jwk["kid"]: key
            for jwk in (jwks.get("keys") if isinstance(jwks, dict) else None) or []
            if (key := es256_public_key(jwk)) is not None
        }
        if not keys:
            log.warning("LINE's JWKS has no ES256 key; asking LINE to verify")
            raise SigningKeysUnavailable("no ES256 key in LINE's JWKS")
        return keys


def es256_public_key(jwk: Any) -> EllipticCurvePublicKey | None:
    """The P-256 public key of a JWK meant for ES256 signatures, or None for any other key."""
    from cryptography.hazmat.primitives.asymmetric import ec

    if not isinstance(jwk, dict) or not isinstance(jwk.get("kid"), str):
        return None
    if jwk.get("kty") != "EC" or jwk.get("crv") != "P-256":
        return None
    # `alg` and `use` are optional in a JWK; when present they must allow ES256 signatures.
    if jwk.get("alg", "ES256") != "ES256" or jwk.get("use", "sig") != "sig":
        return None
    x, y = jwk.get("x"), jwk.get("y")
    if not isinstance(x, str) or not isinstance(y, str):
        return None
    try:
        x_bytes, y_bytes = b64url_decode(x), b64url_decode(y)
        if len(x_bytes) != P256_COORDINATE_BYTES or len(y_bytes) != P256_COORDINATE_BYTES:
            return None
        point = (int.from_bytes(x_bytes, "big"), int.from_bytes(y_bytes, "big"))
        return ec.EllipticCurvePublicNumbers(*point, ec.SECP256R1()).public_key()
    except ValueError:  # not base64url, or not a point on the curve
        return None


def es256_signature_is_valid(key: EllipticCurvePublicKey, signing_input: bytes, signature: bytes) -> bool:
    """Whether `signature` (JWS form: r and s, 32 bytes each) signs `signing_input` with `key`."""
    from cryptography.exceptions import InvalidSignature
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if len(signature) != 2 * P256_COORDINATE_BYTES:
        return False
    r = int.from_bytes(signature[:P256_COORDINATE_BYTES], "big")
    s = int.from_bytes(signature[P256_COORDINATE_BYTES:], "big")
    try:
        key.verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def signed_claims(id_token: str, keys: LineSigningKeys, now: float) -> dict[str, Any]:
    """The payload of an ID token LINE signed with ES256; InvalidIdToken if it is not one,
    SigningKeysUnavailable if LINE's keys cannot be had. The claims themselves are the caller's."""
    header_part, payload_part, signature_part = id_token.split(".")
    header = jwt_json_part(header_part)
    # LIFF tokens are ES256; `none` and HS256 (a secret we would have to share) are refused outright.
    if header.get("alg") != "ES256":
        raise InvalidIdToken("Invalid IdToken algorithm.")
    kid = header.get("kid")
    if not isinstance(kid, str) or not kid:
        raise InvalidIdToken("Invalid IdToken key id.")
    try:
        signature = b64url_decode(signature_part)
    except ValueError:
        raise InvalidIdToken("Invalid IdToken signature.") from None
    key = keys.key(kid, now)
    if key is None:
        raise InvalidIdToken("Invalid IdToken key id.")
    if not es256_signature_is_valid(key, f"{header_part}.{payload_part}".encode(), signature):
        raise InvalidIdToken("Invalid IdToken signature.")
    return jwt_json_part(payload_part)


# One per container and LINE endpoint: every verifier of the container shares the fetched keys.
_signing_keys: dict[str, LineSigningKeys] = {}
_signing_keys_lock = threading.Lock()


def fetch_signing_keys_ahead(api_endpoint: str) -> threading.Thread | None:
    """Start fetching the keys of the LINE API at `api_endpoint` on a thread, when this container
    has not yet (the thread, or None): a cold start's first request waits for LINE's round trip (a
    TLS handshake with LINE, deployed) while it imports and builds its clients, not after."""
    keys = signing_keys_for(api_endpoint)
    if keys.tried:
        return None
    thread = threading.Thread(
        target=keys.fetch_ahead, args=(time.time(),), name="line-signing-keys", daemon=True
    )
    thread.start()
    return thread


def signing_keys_for(api_endpoint: str) -> LineSigningKeys:
    """This container's keys of the LINE API at `api_endpoint`."""
    with _signing_keys_lock:
        if api_endpoint not in _signing_keys:
            _signing_keys[api_endpoint] = LineSigningKeys(api_endpoint)
        return _signing_keys[api_endpoint]
