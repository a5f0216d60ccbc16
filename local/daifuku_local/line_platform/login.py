"""LINE Login: the Login channel's access tokens (issue, revoke) and its ID tokens (verify, JWKS)."""

from __future__ import annotations

import hmac
import threading
import uuid
from typing import Any, ClassVar

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.id_tokens import IdTokenIssuer, IdTokenRejected
from daifuku_local.line_platform.line_responses import AUTHENTICATION_FAILED, ApiError, json_response

# LINE's lifetime of a short-lived channel access token: 30 days.
CHANNEL_TOKEN_SECONDS = 2592000


class LineLogin:
    """The Login channel: its short-lived channel access tokens (which the LIFF server API takes) and
    the ID tokens of its users, ES256 JWTs checked at /oauth2/v2.1/verify."""

    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/v2/oauth/accessToken", methods=["POST"], endpoint="issue_channel_token"),
        Rule("/v2/oauth/revoke", methods=["POST"], endpoint="revoke_channel_token"),
        Rule("/oauth2/v2.1/verify", methods=["POST", "GET"], endpoint="verify_id_token"),
        Rule("/oauth2/v2.1/certs", methods=["GET"], endpoint="jwks"),
    )

    def __init__(self, config: SimulatorConfig, lock: threading.RLock, id_tokens: IdTokenIssuer):
        self._config = config
        self._lock = lock
        self._id_tokens = id_tokens
        self.channel_tokens: set[str] = set()

    def authenticate(self, request: Request) -> None:
        """Its endpoints take the channel's id and secret, or a token, in the request itself."""

    def require_channel_token(self, request: Request) -> None:
        """LINE's 401 unless the request carries one of the Login channel's live access tokens."""
        token = request.headers.get("authorization", "").removeprefix("Bearer ")
        if token not in self.channel_tokens:
            raise ApiError(401, AUTHENTICATION_FAILED)

    def issue_channel_token(self, request: Request, body: Any, request_id: str) -> Response:
        form = request.form
        if form.get("grant_type") != "client_credentials" or not form.get("client_id"):
            return json_response(
                {"error": "invalid_request", "error_description": "grant_type and client_id"}, 400
            )
        known = {self._config.login_channel_id: self._config.login_channel_secret}
        if not hmac.compare_digest(known.get(form["client_id"], ""), form.get("client_secret", "")) or not (
            form.get("client_secret")
        ):
            return json_response(
                {"error": "invalid_client", "error_description": "invalid client_secret"}, 400
            )
        token = uuid.uuid4().hex
        with self._lock:
            self.channel_tokens.add(token)
        return json_response(
            {"access_token": token, "expires_in": CHANNEL_TOKEN_SECONDS, "token_type": "Bearer"}
        )

    def revoke_channel_token(self, request: Request, body: Any, request_id: str) -> Response:
        if not request.form.get("access_token"):
            return json_response(
                {"error": "invalid_request", "error_description": "access_token is required"}, 400
            )
        with self._lock:
            self.channel_tokens.discard(request.form["access_token"])
        return json_response({})

    def verify_id_token(self, request: Request, body: Any, request_id: str) -> Response:
        token = request.values.get("id_token")
        if not token:
            return json_response(
                {"error": "invalid_request", "error_description": "id_token is required"}, 400
            )
        try:
            claims = self._id_tokens.verify(token, request.values.get("client_id"))
        except IdTokenRejected as rejected:
            return json_response({"error": "invalid_request", "error_description": str(rejected)}, 400)
        return json_response(claims)

    def jwks(self, request: Request, body: Any, request_id: str) -> Response:
        return json_response(self._id_tokens.jwks())
