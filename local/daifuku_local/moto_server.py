"""`python -m daifuku_local.moto_server`: moto's server, with DynamoDB requests applied one at a time.

moto's DynamoDB backend is not thread-safe, and its server is threaded: TransactWriteItems snapshots
each table, checks, writes, and on a failed condition restores the snapshot, wiping whatever another
request wrote meanwhile; two conditional writes can both pass their checks. Real DynamoDB applies
each request atomically, and Daifuku's member numbering relies on it (200 concurrent registrations
must give 200 distinct numbers). One lock in front of moto's WSGI app, taken by every DynamoDB
request, restores that guarantee locally. The speed patches that serialising made worth having are
in `upstream_patches.py`, which also refuses any moto other than the pinned one.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
from collections.abc import Iterable
from typing import Any

from daifuku_local.upstream_patches import apply_moto_patches  # first: it checks moto's version

from moto.moto_server.werkzeug_app import (  # isort: skip
    DomainDispatcherApplication,
    MotoRequestHandler,
    create_backend_app,
)
from werkzeug.serving import run_simple  # isort: skip

from daifuku_local.wsgi_server import KeepAliveRequestHandler  # isort: skip

# Set by MotoServerProcess when moto's output goes nowhere: no access log line per request.
QUIET_ENVIRONMENT_VARIABLE = "DAIFUKU_MOTO_QUIET"
# DynamoDB's JSON protocol names the operation in this header (DynamoDB_20120810.PutItem…).
DYNAMODB_TARGET_PREFIX = "DynamoDB_"


class KeepAliveMotoRequestHandler(KeepAliveRequestHandler, MotoRequestHandler):
    """moto's request handler (its environ keeps S3's underscored headers), on connections kept alive
    as DynamoDB's are: botocore reuses them instead of connecting for every request."""


class OneDynamoDbRequestAtATime:
    """A WSGI middleware: DynamoDB requests run one at a time, whole; everything else as it comes."""

    def __init__(self, app: Any):
        self._app = app
        self._lock = threading.Lock()

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        if not environ.get("HTTP_X_AMZ_TARGET", "").startswith(DYNAMODB_TARGET_PREFIX):
            return self._app(environ, start_response)  # type: ignore[no-any-return]
        with self._lock:
            return list(self._app(environ, start_response))


def serve(host: str, port: int) -> None:
    """moto's server (as `moto.server.main` runs it), its DynamoDB requests one at a time."""
    apply_moto_patches()
    if os.environ.get(QUIET_ENVIRONMENT_VARIABLE):
        logging.getLogger("werkzeug").setLevel(logging.WARNING)
    os.environ.setdefault("MOTO_PORT", str(port))
    # As moto's own `moto.server.main`: SIGTERM ends it cleanly, errors answer with moto's debug pages.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # type: ignore[attr-defined]
    app_one_at_a_time = OneDynamoDbRequestAtATime(app)
    run_simple(host, port, app_one_at_a_time, threaded=True, request_handler=KeepAliveMotoRequestHandler)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="daifuku_local.moto_server", description=__doc__)
    parser.add_argument("-H", "--host", default="127.0.0.1")
    parser.add_argument("-p", "--port", type=int, default=5000)
    arguments = parser.parse_args(argv)
    serve(arguments.host, arguments.port)


if __name__ == "__main__":
    main()
