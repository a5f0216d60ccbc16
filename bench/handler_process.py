"""The webhook handler in a process of its own, so that its CPU time is the handler's alone.

`python bench/handler_process.py real|signature-floor` serves the API emulation (the real handlers,
or the signature-only floor in the webhook's place) on a free port, prints its URL, and serves until
its stdin closes. `GET /_bench/usage` answers this process's CPU seconds so far and the AWS requests
it has sent, by target (`DynamoDB_20120810.GetItem`, …): every HTTP request of every botocore
client in the process, retries included, read from botocore's global history recorder, so whichever
session the adapters build their clients from is counted. moto and the LINE simulator run in other
processes and are not in these figures.

With `BENCH_PROFILE=<file>` in its environment, the process profiles every request it serves with
cProfile (one at a time) and writes the pstats to that file when it stops: what the handler's CPU
goes to. Profiled, it runs slower: its CPU figures are then not the handler's.
"""

from __future__ import annotations

import cProfile
import json
import logging
import os
import sys
import threading
import time
from collections import Counter
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local")]

from botocore.history import BaseHistoryHandler, get_global_history_recorder  # noqa: E402

from daifuku_local.http_api import HttpApiEmulator  # noqa: E402
from daifuku_local.upstream_patches import isolate_concurrent_invocations  # noqa: E402
from daifuku_local.wsgi_server import BackgroundWsgiServer  # noqa: E402

USAGE_PATH = "/_bench/usage"
# The floor's channel secret comes through the environment, not the command line (ps shows that).
CHANNEL_SECRET_VARIABLE = "BENCH_CHANNEL_SECRET"
PROFILE_VARIABLE = "BENCH_PROFILE"


def signature_only_handler(channel_secret: str) -> Any:
    """The floor: Powertools resolver, signature check, 200, and nothing else."""
    from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response

    from daifuku.domain.errors import InvalidSignature
    from daifuku.domain.webhook_signature import verify_webhook_signature

    app = APIGatewayHttpResolver()

    @app.post("/webhook")
    def receive() -> dict[str, str]:
        body = (app.current_event.decoded_body or "").encode()
        verify_webhook_signature(body, app.current_event.headers.get("x-line-signature"), channel_secret)
        return {"status": "ok"}

    @app.exception_handler(InvalidSignature)
    def reject(_: InvalidSignature) -> Response:
        return Response(401, "application/json", {"message": "invalid signature"})

    return lambda event, context: app.resolve(event, context)


class AwsRequestCounter(BaseHistoryHandler):
    """Counts each HTTP request botocore sends, by its X-Amz-Target (the JSON protocols' operation)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.requests: Counter[str] = Counter()

    def emit(self, event_type: str, payload: Any, source: str) -> None:
        if event_type != "HTTP_REQUEST":
            return
        target = payload["headers"].get("X-Amz-Target")
        if isinstance(target, bytes):
            target = target.decode()
        key = target or f"{payload['method']} {payload['url'].split('?')[0]}"
        with self._lock:
            self.requests[key] += 1


class RequestProfiles:
    """cProfile over every request, one at a time (one profiler can be active at once), timed by the
    process's CPU time: waiting for moto or LINE costs the handler nothing."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._profile = cProfile.Profile(time.process_time)

    def __call__(self, app: Any, environ: dict[str, Any], start_response: Any) -> Any:
        with self._lock:
            self._profile.enable()
            try:
                return list(app(environ, start_response))
            finally:
                self._profile.disable()

    def dump(self, path: str) -> None:
        with self._lock:
            self._profile.dump_stats(path)


class MeteredApi:
    """The API emulation, plus the usage endpoint the benchmark reads between its phases."""

    def __init__(self, api: Any, counter: AwsRequestCounter, profiles: RequestProfiles | None = None):
        self._api = api
        self._counter = counter
        self._profiles = profiles

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") != USAGE_PATH:
            if self._profiles:
                return self._profiles(self._api, environ, start_response)
            return self._api(environ, start_response)
        cpu_seconds = time.process_time()
        body = json.dumps({"cpu_seconds": cpu_seconds, "aws_requests": dict(self._counter.requests)}).encode()
        start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
        return [body]


def main() -> None:
    kind = sys.argv[1]
    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    counter = AwsRequestCounter()
    recorder = get_global_history_recorder()
    recorder.add_handler(counter)
    recorder.enable()
    if kind == "real":
        api = HttpApiEmulator()
    elif kind == "signature-floor":
        # What load_handler does for the real handlers: the floor's resolver runs under the same emulation.
        isolate_concurrent_invocations()
        floor = signature_only_handler(os.environ[CHANNEL_SECRET_VARIABLE])
        api = HttpApiEmulator(handlers={"webhook": floor})
    else:
        raise SystemExit(f"unknown handler {kind!r}: real or signature-floor")
    profile_path = os.environ.get(PROFILE_VARIABLE)
    profiles = RequestProfiles() if profile_path else None
    server = BackgroundWsgiServer(MeteredApi(api, counter, profiles)).start()
    print(server.url, flush=True)
    # The handlers' own output (Powertools' logs and metrics) goes to stderr: nobody reads our stdout.
    os.dup2(2, 1)
    sys.stdin.read()  # until the benchmark closes our stdin (or exits)
    server.stop()
    if profiles and profile_path:
        profiles.dump(profile_path)


if __name__ == "__main__":
    main()
