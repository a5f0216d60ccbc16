"""The local stack's servers keep HTTP/1.1 connections alive as AWS and LINE do, and the LINE client
and botocore reuse them; a connection closes whenever the next request could be misread."""

from __future__ import annotations

import http.client
import json
import socket
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest

from daifuku.adapters.line_api import LineMessagingClient
from daifuku_local.wsgi_server import MAX_DRAINED_BYTES, BackgroundWsgiServer

Environ = dict[str, Any]
App = Callable[[Environ, Any], Any]


class RecordingApp:
    """Answers with what the test asks for, and records which client connection each request came on."""

    def __init__(self) -> None:
        self.answer: App = json_answer({})
        self.connections: list[int] = []

    def __call__(self, environ: Environ, start_response: Any) -> Any:
        self.connections.append(int(environ["REMOTE_PORT"]))
        return self.answer(environ, start_response)


def json_answer(payload: Any, status: str = "200 OK") -> App:
    def answer(environ: Environ, start_response: Any) -> Any:
        body = json.dumps(payload).encode()
        start_response(status, [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]

    return answer


@pytest.fixture(scope="module")
def server_and_app() -> Iterator[tuple[BackgroundWsgiServer, RecordingApp]]:
    app = RecordingApp()
    server = BackgroundWsgiServer(app).start()
    yield server, app
    server.stop()


@pytest.fixture
def serve(server_and_app) -> Callable[[App], tuple[RecordingApp, BackgroundWsgiServer]]:
    """The module's server, answering with `answer` from now on, its records cleared."""
    server, app = server_and_app

    def start(answer: App) -> tuple[RecordingApp, BackgroundWsgiServer]:
        app.answer, app.connections = answer, []
        return app, server

    return start


def connect(server: BackgroundWsgiServer) -> http.client.HTTPConnection:
    host, port = server.url.removeprefix("http://").split(":")
    return http.client.HTTPConnection(host, int(port), timeout=10)


def test_two_requests_share_one_connection(serve):
    # Given a server answering JSON
    app, server = serve(json_answer({"ok": True}))
    connection = connect(server)
    # When a client sends two requests, reading each answer
    for _ in range(2):
        connection.request("GET", "/")
        response = connection.getresponse()
        # Then each is answered in full, and the connection stays open for the next
        assert json.loads(response.read()) == {"ok": True}
        assert not response.will_close
    assert len(set(app.connections)) == 1
    connection.close()


def test_a_body_the_application_did_not_read_does_not_become_the_next_request(serve):
    # Given an application that answers without reading the request's body
    app, server = serve(json_answer({"ignored": "your body"}))
    connection = connect(server)
    # When a client posts a body, then sends another request on the same connection
    connection.request("POST", "/first", body=b'{"a": "' + b"x" * 5000 + b'"}')
    assert connection.getresponse().read() == b'{"ignored": "your body"}'
    connection.request("GET", "/second")
    # Then the second is read as a request of its own, on the same connection
    assert connection.getresponse().status == 200
    assert len(app.connections) == 2 and len(set(app.connections)) == 1


def test_a_chunked_request_body_is_read_whole(serve):
    def echo(environ: Environ, start_response: Any) -> Any:
        body = environ["wsgi.input"].read()
        start_response("200 OK", [("Content-Length", str(len(body)))])
        return [body]

    app, server = serve(echo)
    connection = connect(server)
    connection.request("POST", "/", body=iter([b"first ", b"second"]), encode_chunked=True)
    assert connection.getresponse().read() == b"first second"
    connection.request("POST", "/", body=b"again")
    assert connection.getresponse().read() == b"again"
    assert len(set(app.connections)) == 1


def test_an_answer_of_unknown_length_is_sent_chunked_and_the_connection_kept(serve):
    def streamed(environ: Environ, start_response: Any) -> Iterator[bytes]:
        start_response("200 OK", [("Content-Type", "text/plain")])
        yield from (b"one ", b"two ", b"three")

    app, server = serve(streamed)
    connection = connect(server)
    for _ in range(2):
        connection.request("GET", "/")
        response = connection.getresponse()
        assert response.getheader("Transfer-Encoding") == "chunked"
        assert response.read() == b"one two three"
    assert len(set(app.connections)) == 1


@pytest.mark.parametrize(("method", "status"), [("HEAD", "200 OK"), ("GET", "204 No Content")])
def test_answers_without_a_body_keep_the_connection(serve, method, status):
    def bodiless(environ: Environ, start_response: Any) -> list[bytes]:
        start_response(status, [("Content-Type", "text/plain")])
        return [b"not sent"] if method == "HEAD" else []

    app, server = serve(bodiless)
    connection = connect(server)
    for _ in range(2):
        connection.request(method, "/")
        response = connection.getresponse()
        assert response.read() == b""
    assert len(set(app.connections)) == 1


def read_until_closed(server: BackgroundWsgiServer, request: bytes) -> bytes:
    """What the server sends on a raw connection until it closes it (a test timeout if it never does)."""
    host, port = server.url.removeprefix("http://").split(":")
    with socket.create_connection((host, int(port)), timeout=10) as raw:
        raw.sendall(request)
        received = b""
        while chunk := raw.recv(65536):
            received += chunk
        return received


def test_an_answer_shorter_than_announced_closes_the_connection(serve):
    def short(environ: Environ, start_response: Any) -> list[bytes]:
        start_response("200 OK", [("Content-Length", "10")])
        return [b"12345"]

    _, server = serve(short)
    received = read_until_closed(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert received.endswith(b"\r\n\r\n12345")


def test_an_application_error_is_a_500_and_closes_the_connection(serve):
    def broken(environ: Environ, start_response: Any) -> list[bytes]:
        raise RuntimeError("boom")

    _, server = serve(broken)
    received = read_until_closed(server, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    assert received.startswith(b"HTTP/1.1 500 ")
    assert b"Connection: close" in received


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",  # the client asks to close
        b"GET / HTTP/1.0\r\nHost: x\r\n\r\n",  # HTTP/1.0 closes unless asked to keep alive
        b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: nonsense\r\n\r\n",  # where would its body end?
    ],
    ids=["connection-close", "http-1.0", "bad-content-length"],
)
def test_the_server_closes_when_the_client_asks_or_the_request_is_unbounded(serve, request_bytes):
    _, server = serve(json_answer({"ok": True}))
    received = read_until_closed(server, request_bytes)
    assert received.endswith(b'{"ok": true}')


def test_a_large_unread_body_closes_the_connection_rather_than_being_read(serve):
    _, server = serve(json_answer({"ok": True}))
    length = MAX_DRAINED_BYTES + 1
    head = f"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: {length}\r\n\r\n".encode()
    received = read_until_closed(server, head + b"x" * length)
    assert received.endswith(b'{"ok": true}')


def test_a_stopped_server_answers_nothing_more_on_kept_connections():
    # Given a client holding a kept-alive connection
    server = BackgroundWsgiServer(json_answer({"ok": True})).start()
    connection = connect(server)
    connection.request("GET", "/")
    connection.getresponse().read()
    # When the server stops (LINE or AWS unreachable)
    server.stop()
    # Then the kept connection is gone too
    with pytest.raises((http.client.HTTPException, OSError)):
        connection.request("GET", "/")
        connection.getresponse()


def test_the_line_client_reuses_its_connection(serve):
    # Given LINE's profile endpoint
    app, server = serve(json_answer({"userId": "U" + "0" * 32, "displayName": "山田"}))
    client = LineMessagingClient("token", server.url, server.url)
    # When the webhook fetches two profiles
    first, second = client.get_profile("U" + "1" * 32), client.get_profile("U" + "2" * 32)
    # Then both went over one connection
    assert first and second and first.display_name == "山田"
    assert len(app.connections) == 2 and len(set(app.connections)) == 1


def test_botocore_reuses_its_connection(serve):
    def dynamodb(environ: Environ, start_response: Any) -> list[bytes]:
        environ["wsgi.input"].read()
        body = b'{"TableNames": []}'
        start_response(
            "200 OK", [("Content-Type", "application/x-amz-json-1.0"), ("Content-Length", str(len(body)))]
        )
        return [body]

    app, server = serve(dynamodb)
    client = boto3.client(
        "dynamodb",
        endpoint_url=server.url,
        region_name="ap-northeast-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    assert client.list_tables()["TableNames"] == []
    assert client.list_tables()["TableNames"] == []
    assert len(app.connections) == 2 and len(set(app.connections)) == 1
