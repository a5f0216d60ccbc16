"""The local stack's HTTP servers: threaded WSGI on 127.0.0.1, keeping connections alive as AWS and
LINE do.

werkzeug's development server answers every request with `Connection: close`: it cannot tell where
a request's unread body ends, so it reads whatever is left on the socket and closes. Each botocore or
LINE call from a handler then opens a new TCP connection, which costs the handler more CPU than the
request itself, and the local stack no longer behaves like DynamoDB or api.line.me, whose connections
clients keep. `KeepAliveRequestHandler` replaces werkzeug's `WSGIRequestHandler.run_wsgi` (werkzeug
3.1) with one that bounds the request body by its Content-Length (or its chunked encoding), reads
what the application left of it, and says how long the response is (Content-Length, else chunked),
so the connection can carry the next request. It closes the connection whenever it cannot be sure:
a malformed or unbounded request body, a response shorter or longer than it announced, an error
after the response began, an HTTP/1.0 client or one that asked to close.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import traceback
from collections.abc import Callable, Iterable
from typing import Any

from werkzeug.exceptions import InternalServerError
from werkzeug.serving import ThreadedWSGIServer, WSGIRequestHandler
from werkzeug.wsgi import LimitedStream

# A kept-alive connection with no request for this long is closed (and its thread ends); clients
# notice a closed idle connection before they reuse it, as they must with AWS and LINE.
IDLE_CONNECTION_SECONDS = 120
# A body the application did not read is read and dropped up to this size; past it, the connection closes.
MAX_DRAINED_BYTES = 1024 * 1024
_CONNECTION_DROPPED = (ConnectionError, TimeoutError)
_BODYLESS_STATUSES = frozenset({204, 304})


class _RequestBody:
    """The request's body as the application may read it, and what it left unread afterwards."""

    def __init__(self, environ: dict[str, Any]):
        self.stream: Any = None  # None: where the body ends is unknown, the connection must close
        if environ.get("wsgi.input_terminated"):  # chunked: werkzeug's DechunkedInput ends at the last chunk
            self.stream = environ["wsgi.input"]
            return
        try:
            length = int(environ.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return
        if length < 0:
            return
        self.stream = LimitedStream(environ["wsgi.input"], length)
        environ["wsgi.input"] = self.stream
        environ["wsgi.input_terminated"] = True

    def drained(self) -> bool:
        """Read what the application left of the body; False when the connection cannot be reused."""
        if self.stream is None:
            return False
        read = 0
        try:
            while chunk := self.stream.read(64 * 1024):
                read += len(chunk)
                if read > MAX_DRAINED_BYTES:
                    return False
        except Exception:  # the client went away mid-body (werkzeug's ClientDisconnected, OSError)
            return False
        return True


class _ResponseWriter:
    """WSGI's start_response and write, framing the body so that the connection can be reused."""

    def __init__(self, handler: KeepAliveRequestHandler, method: str):
        self._handler = handler
        self._method = method
        self._status: str | None = None
        self._headers: list[tuple[str, str]] = []
        self.headers_sent = False
        self._chunked = False
        self._sends_body = True
        self._announced: int | None = None
        self._written = 0

    def start_response(
        self, status: str, headers: list[tuple[str, str]], exc_info: Any = None
    ) -> Callable[[bytes], None]:
        if exc_info:
            try:
                if self.headers_sent:
                    raise exc_info[1].with_traceback(exc_info[2])
            finally:
                exc_info = None
        elif self._status is not None:
            raise AssertionError("Headers already set")
        self._status, self._headers = status, headers
        return self.write

    def write(self, data: bytes) -> None:
        assert self._status is not None, "write() before start_response"
        assert isinstance(data, bytes), "applications must write bytes"
        if not self.headers_sent:
            self._send_headers()
        if not data or not self._sends_body:
            return
        self._written += len(data)
        wfile = self._handler.wfile
        if self._chunked:
            wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        else:
            wfile.write(data)

    def finish(self) -> None:
        """The end of the response; the connection closes if its length was not what it announced."""
        if not self.headers_sent:
            self.write(b"")
        if self._chunked:
            self._handler.wfile.write(b"0\r\n\r\n")
        elif self._sends_body and self._announced is not None and self._written != self._announced:
            self._handler.close_connection = True
        self._handler.wfile.flush()

    def _send_headers(self) -> None:
        handler = self._handler
        assert self._status is not None
        code_text, _, reason = self._status.partition(" ")
        code = int(code_text)
        self._sends_body = not (self._method == "HEAD" or 100 <= code < 200 or code in _BODYLESS_STATUSES)
        handler.send_response(code, reason)
        for name, value in self._headers:
            lowered = name.lower()
            if lowered == "connection":  # hop-by-hop: the server's to decide, but an app may ask to close
                handler.close_connection |= value.strip().lower() == "close"
                continue
            if lowered == "content-length":
                try:
                    self._announced = int(value)
                except ValueError:
                    handler.close_connection = True
            handler.send_header(name, value)
        if self._announced is None and self._sends_body:
            if handler.request_version >= "HTTP/1.1":
                self._chunked = True
                handler.send_header("Transfer-Encoding", "chunked")
            else:
                handler.close_connection = True
        if handler.close_connection:
            handler.send_header("Connection", "close")
        handler.end_headers()
        self.headers_sent = True


class KeepAliveRequestHandler(WSGIRequestHandler):
    """werkzeug's WSGI request handler, keeping HTTP/1.1 connections alive (see the module's docstring)."""

    protocol_version = "HTTP/1.1"
    timeout = IDLE_CONNECTION_SECONDS

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes: without this, Nagle's algorithm holds the body
        # back until the client acknowledges the headers, which it delays (40 ms per request).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def run_wsgi(self) -> None:
        """Replaces werkzeug 3.1's `WSGIRequestHandler.run_wsgi`, which always closes the connection.
        (`Expect: 100-continue` is answered before this, by http.server's parse_request.)"""
        self.environ = environ = self.make_environ()
        body = _RequestBody(environ)
        response = _ResponseWriter(self, self.command)
        try:
            self._execute(self.server.app, environ, response)
        except _CONNECTION_DROPPED as error:
            self.close_connection = True
            self.connection_dropped(error, environ)
            return
        except Exception:
            if self.server.passthrough_errors:
                raise
            self.close_connection = True
            self.log_error("Error on request:\n%s", traceback.format_exc())
            if not response.headers_sent:
                # If the client is gone or the socket broke, there is nobody to tell.
                with contextlib.suppress(Exception):
                    self._execute(InternalServerError(), environ, _ResponseWriter(self, self.command))
            return
        if not self.close_connection and not body.drained():
            self.close_connection = True

    @staticmethod
    def _execute(app: Any, environ: dict[str, Any], response: _ResponseWriter) -> None:
        chunks: Iterable[bytes] = app(environ, response.start_response)
        try:
            for chunk in chunks:
                response.write(chunk)
            response.finish()
        finally:
            close = getattr(chunks, "close", None)
            if close is not None:
                close()

    def log_error(self, format: str, *args: Any) -> None:
        # An idle kept-alive connection timing out is how it ends, not an error.
        if not format.startswith("Request timed out"):
            super().log_error(format, *args)


class KeepAliveWsgiServer(ThreadedWSGIServer):
    """werkzeug's threaded server with `KeepAliveRequestHandler`, which can also drop every open
    connection: stopped, it answers nothing more, as a stopped LINE or AWS endpoint would."""

    def __init__(self, host: str, port: int, app: Any, handler: type[WSGIRequestHandler] | None = None):
        super().__init__(host, port, app, handler or KeepAliveRequestHandler)
        self._open: set[socket.socket] = set()
        self._open_lock = threading.Lock()

    def process_request(self, request: Any, client_address: Any) -> None:
        with self._open_lock:
            self._open.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: Any) -> None:
        with self._open_lock:
            self._open.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        with self._open_lock:
            connections, self._open = self._open, set()
        for connection in connections:
            with contextlib.suppress(OSError):  # closed by the client meanwhile
                connection.shutdown(socket.SHUT_RDWR)


class BackgroundWsgiServer:
    """A kept-alive threaded WSGI server on 127.0.0.1 in a background thread."""

    def __init__(self, app: Any, port: int = 0, host: str = "127.0.0.1"):
        self._server = KeepAliveWsgiServer(host, port, app)
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> BackgroundWsgiServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.close_connections()
        self._server.server_close()
        self._thread.join(timeout=5)
