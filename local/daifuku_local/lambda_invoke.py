"""Lambda's API as the functions call it: Invoke, for the functions one function invokes (the painter,
from liff_api), and the event source mappings of the queues, which the functions switch on and off
(adapters/queue_polling.py). The functions' boto3 `lambda` client is pointed here
(AWS_ENDPOINT_URL_LAMBDA), so the same adapter code runs locally and deployed.

`GET|PUT /2015-03-31/event-source-mappings/<UUID>`: the mapping's state, and `{"Enabled": bool}` to
switch the local SQS poller of that queue (sqs_event_source.py); it changes at once, where Lambda's
passes through Enabling and Disabling.

`POST /2015-03-31/functions/<name>/invocations`: with `X-Amz-Invocation-Type: Event` the handler runs
on this emulation's worker thread, one invocation after another as Lambda's async queue delivers them
to a function with a reserved concurrency of 1, and the answer is 202 at once; otherwise it runs in
the request and its result is the body.
"""

from __future__ import annotations

import json
import logging
import queue
import re
import threading
from typing import Any

from werkzeug.wrappers import Request, Response

from daifuku_local.lambda_runtime import LocalLambdaContext, load_handler
from daifuku_local.sqs_event_source import SqsEventSource

log = logging.getLogger("daifuku_local.lambda_invoke")
INVOKE_PATH = re.compile(r"^/2015-03-31/functions/([^/]+)/invocations$")
MAPPING_PATH = re.compile(r"^/2015-03-31/event-source-mappings/([^/]+)/?$")
FUNCTION_PREFIX = "daifuku-"
# The functions another function may invoke, by their local name (as in the functions' settings).
INVOCABLE = frozenset({"rich_menu_painter"})


def local_function_name(function: str) -> str:
    return f"{FUNCTION_PREFIX}{function}"


class LocalLambdaInvoke:
    def __init__(self) -> None:
        self._queue: queue.Queue[tuple[str, dict[str, Any]] | None] = queue.Queue()
        self._worker = threading.Thread(target=self._run, name="lambda-async-invokes", daemon=True)
        self._mappings: dict[str, SqsEventSource] = {}

    def add_event_source_mapping(self, mapping_id: str, source: SqsEventSource) -> None:
        self._mappings[mapping_id] = source

    def start(self) -> LocalLambdaInvoke:
        self._worker.start()
        return self

    def stop(self) -> None:
        self._queue.put(None)
        self._worker.join(timeout=30)

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        return self.respond(Request(environ))(environ, start_response)

    def respond(self, request: Request) -> Response:
        if mapping := MAPPING_PATH.match(request.path):
            return self._event_source_mapping(request, mapping.group(1))
        match = INVOKE_PATH.match(request.path)
        function = match.group(1).removeprefix(FUNCTION_PREFIX) if match else None
        if request.method != "POST" or function not in INVOCABLE:
            body = {"Type": "User", "message": f"Function not found: {request.path}"}
            return Response(json.dumps(body), status=404, content_type="application/json")
        payload = json.loads(request.get_data() or b"{}")
        if request.headers.get("X-Amz-Invocation-Type") == "Event":
            self._queue.put((function, payload))
            return Response(b"", status=202)
        result = self._invoke(function, payload)
        return Response(json.dumps(result), status=200, content_type="application/json")

    def _event_source_mapping(self, request: Request, mapping_id: str) -> Response:
        source = self._mappings.get(mapping_id)
        if source is None or request.method not in ("GET", "PUT"):
            body = {"Type": "User", "message": f"The resource you requested does not exist: {mapping_id}"}
            return Response(json.dumps(body), status=404, content_type="application/json")
        if request.method == "PUT":
            enabled = json.loads(request.get_data() or b"{}").get("Enabled")
            if isinstance(enabled, bool):
                source.enabled = enabled
        state = {"UUID": mapping_id, "State": "Enabled" if source.enabled else "Disabled"}
        return Response(
            json.dumps(state), status=202 if request.method == "PUT" else 200, content_type="application/json"
        )

    def _invoke(self, function: str, payload: dict[str, Any]) -> Any:
        handler = load_handler(function)
        return handler(
            payload, LocalLambdaContext(function_name=local_function_name(function), timeout_seconds=120)
        )

    def _run(self) -> None:
        while (item := self._queue.get()) is not None:
            function, payload = item
            try:
                self._invoke(function, payload)
            except Exception:
                # As Lambda's async invoke: the failure is logged (and would be retried); the caller
                # was answered long ago.
                log.exception("async invocation of %s failed", function)
