"""A local API Gateway HTTP API: requests become payload-format-2.0 events for the real handlers."""

from __future__ import annotations

import base64
import json
import logging
import re
import threading
import time
import uuid
from datetime import UTC, datetime
from typing import Any

from werkzeug.wrappers import Request, Response

from daifuku_local.lambda_runtime import LambdaHandler, LocalLambdaContext, load_handler
from infra.routes import HTTP_ROUTES, HttpRoute

log = logging.getLogger("daifuku_local.http_api")

# API Gateway HTTP APIs refuse payloads over 10 MB before any Lambda runs.
MAX_PAYLOAD_BYTES = 10 * 1024 * 1024
TEXT_CONTENT_TYPES = ("text/", "application/json", "application/x-www-form-urlencoded", "application/xml")


def _route_pattern(path: str) -> re.Pattern[str]:
    """A regex for an API Gateway path template: {name} is one segment, {name+} the rest."""
    pattern = ""
    for part in re.split(r"(\{[^}]+\})", path):
        if part.startswith("{") and part.endswith("+}"):
            pattern += f"(?P<{part[1:-2]}>.+)"
        elif part.startswith("{"):
            pattern += f"(?P<{part[1:-1]}>[^/]+)"
        else:
            pattern += re.escape(part)
    return re.compile(f"^{pattern}$")


class HttpApiEmulator:
    """A WSGI app that routes like the deployed HttpApi and invokes the handlers in-process."""

    def __init__(
        self,
        routes: tuple[HttpRoute, ...] = HTTP_ROUTES,
        cors_origins: tuple[str, ...] = (),
        handlers: dict[str, LambdaHandler] | None = None,
    ):
        self._routes = [(route, _route_pattern(route.path)) for route in routes]
        # Handlers by function name; the real ones are imported on first use (benchmarks may pass others).
        self._handlers: dict[str, LambdaHandler] = dict(handlers or {})
        self._lock = threading.Lock()
        self._cors_origins = cors_origins

    def handler_for(self, function: str) -> LambdaHandler:
        with self._lock:
            if function not in self._handlers:
                self._handlers[function] = load_handler(function)
            return self._handlers[function]

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        response = self.respond(request)
        origin = request.headers.get("origin")
        if origin and ("*" in self._cors_origins or origin in self._cors_origins):
            response.headers["access-control-allow-origin"] = origin
            response.headers["access-control-allow-headers"] = "authorization,content-type"
            response.headers["access-control-allow-methods"] = "GET,POST,PUT,PATCH,DELETE,OPTIONS"
        return response(environ, start_response)

    def respond(self, request: Request) -> Response:
        if request.method == "OPTIONS" and request.headers.get("origin"):
            return Response(status=204)
        match = self._match(request.method, request.path)
        if match is None:
            return _json_response(404, {"message": "Not Found"})
        route, path_parameters = match
        body = request.get_data(cache=False)
        if len(body) > MAX_PAYLOAD_BYTES:
            return _json_response(413, {"message": "Request Entity Too Large"})
        event = build_http_api_event(request, route, path_parameters, body)
        context = LocalLambdaContext(function_name=f"daifuku-{route.function}")
        try:
            result = self.handler_for(route.function)(event, context)
        except Exception:
            # API Gateway turns an unhandled Lambda error into a bare 500; the traceback is logged here.
            log.exception("handler %s raised", route.function)
            return _json_response(500, {"message": "Internal Server Error"})
        return lambda_result_to_response(result)

    def _match(self, method: str, path: str) -> tuple[HttpRoute, dict[str, str]] | None:
        for route, pattern in self._routes:
            found = pattern.match(path)
            if found and route.method in ("ANY", method):
                return route, found.groupdict()
        return None


def build_http_api_event(
    request: Request, route: HttpRoute, path_parameters: dict[str, str], body: bytes
) -> dict[str, Any]:
    """The event API Gateway sends a Lambda proxy integration (payload format version 2.0)."""
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    cookies = [f"{k}={v}" for k, v in request.cookies.items()]
    content_type = headers.get("content-type", "")
    # A body that is not UTF-8 reaches the function base64-encoded whatever its type, as on AWS.
    is_text = not body or (content_type.startswith(TEXT_CONTENT_TYPES) and _is_utf8(body))
    now = datetime.now(UTC)
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route.route_key,
        "rawPath": request.path,
        "rawQueryString": request.query_string.decode(),
        "headers": headers,
        "requestContext": {
            "accountId": "000000000000",
            "apiId": "local",
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "http": {
                "method": request.method,
                "path": request.path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": request.remote_addr or "127.0.0.1",
                "userAgent": headers.get("user-agent", ""),
            },
            "requestId": str(uuid.uuid4()),
            "routeKey": route.route_key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(time.time() * 1000),
        },
        "isBase64Encoded": not is_text,
    }
    if cookies:
        event["cookies"] = cookies
    if request.args:
        event["queryStringParameters"] = {k: ",".join(request.args.getlist(k)) for k in request.args}
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body:
        event["body"] = body.decode() if is_text else base64.b64encode(body).decode()
    return event


def _is_utf8(body: bytes) -> bool:
    try:
        body.decode()
    except UnicodeDecodeError:
        return False
    return True


def lambda_result_to_response(result: Any) -> Response:
    """How API Gateway reads a payload-2.0 Lambda result, including the inferred format."""
    if not isinstance(result, dict) or "statusCode" not in result:
        return _json_response(200, result)
    body = result.get("body") or ""
    data = base64.b64decode(body) if result.get("isBase64Encoded") else body.encode()
    response = Response(data, status=int(result["statusCode"]))
    for name, value in (result.get("headers") or {}).items():
        response.headers[name] = str(value)
    for name, values in (result.get("multiValueHeaders") or {}).items():
        for value in values:
            response.headers.add(name, str(value))
    for cookie in result.get("cookies") or []:
        response.headers.add("set-cookie", cookie)
    return response


def _json_response(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")
