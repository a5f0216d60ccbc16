"""The local API Gateway emulation builds the events API Gateway sends, and reads results as it does."""

import base64
import json

from aws_lambda_powertools.utilities.data_classes import APIGatewayProxyEventV2
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

from daifuku_local.http_api import (
    HttpApiEmulator,
    build_http_api_event,
    lambda_result_to_response,
)
from infra.routes import HttpRoute


def request(method: str, path: str, **kwargs) -> Request:
    return Request(EnvironBuilder(method=method, path=path, **kwargs).get_environ())


def test_event_is_payload_format_2_0_as_powertools_reads_it():
    route = HttpRoute(method="ANY", path="/liff/api/{proxy+}", function="liff_api")
    body = json.dumps({"name": "山田"}).encode()
    req = request(
        "POST",
        "/liff/api/members?mode=guest",
        data=body,
        headers={"Content-Type": "application/json", "X-Line-Signature": "sig"},
    )
    event = APIGatewayProxyEventV2(build_http_api_event(req, route, {"proxy": "members"}, body))
    assert event.version == "2.0"
    assert event.raw_path == "/liff/api/members"
    assert event.request_context.http.method == "POST"
    assert event.headers.get("X-Line-Signature") == "sig"
    assert event.query_string_parameters == {"mode": "guest"}
    assert event.path_parameters == {"proxy": "members"}
    assert json.loads(event.decoded_body) == {"name": "山田"}
    assert event.is_base64_encoded is False


def test_binary_bodies_are_base64_encoded():
    route = HttpRoute(method="POST", path="/webhook", function="webhook")
    body = b"\x89PNG\r\n"
    req = request("POST", "/webhook", data=body, headers={"Content-Type": "image/png"})
    event = build_http_api_event(req, route, {}, body)
    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body


def test_a_plain_dict_result_is_returned_as_json_200():
    response = lambda_result_to_response({"status": "ok"})
    assert response.status_code == 200
    assert json.loads(response.get_data()) == {"status": "ok"}


def test_structured_result_keeps_status_headers_and_cookies():
    response = lambda_result_to_response(
        {"statusCode": 401, "headers": {"content-type": "application/json"}, "body": "{}", "cookies": ["a=b"]}
    )
    assert response.status_code == 401
    assert response.headers["set-cookie"] == "a=b"


def test_unknown_paths_get_api_gateways_404_without_invoking_anything():
    emulator = HttpApiEmulator()
    response = emulator.respond(request("GET", "/nowhere"))
    assert response.status_code == 404
    assert json.loads(response.get_data()) == {"message": "Not Found"}


def test_a_route_with_another_method_is_not_matched():
    emulator = HttpApiEmulator()
    assert emulator.respond(request("GET", "/webhook")).status_code == 404


def test_a_body_that_is_not_utf8_reaches_the_function_base64_encoded():
    route = HttpRoute(method="POST", path="/webhook", function="webhook")
    body = '{"text": "こんにちは"}'.encode("shift_jis")
    req = request("POST", "/webhook", data=body, headers={"Content-Type": "application/json"})

    event = build_http_api_event(req, route, {}, body)

    assert event["isBase64Encoded"] is True
    assert base64.b64decode(event["body"]) == body
