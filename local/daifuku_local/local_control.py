"""Local-only controls, under /_local on the API's port: what AWS would do on its own schedule."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from werkzeug.wrappers import Request, Response

if TYPE_CHECKING:
    from daifuku_local.stack import LocalStack


class LocalControl:
    """What AWS's schedules would do, on demand:
    - `POST /_local/schedules/birth-month/fire`: the monthly birth-month run, now;
    - `POST /_local/schedules/birth-month-catch-up/fire`: the daily catch-up run, now;
    - `POST /_local/schedules/campaigns/fire-due?ahead_seconds=N`: the campaign starts due within N seconds;
    - `POST /_local/expiry/run?days_ahead=N&user_id=U…`: what DynamoDB's TTL and the images bucket's
      lifecycle rules would have deleted N days from now (one user's items only, when named).
    """

    def __init__(self, stack: LocalStack):
        self._stack = stack

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        if request.method == "POST" and request.path == "/schedules/birth-month/fire":
            result = self._stack.fire_birth_month_schedule()
            response = Response(json.dumps(result), content_type="application/json")
        elif request.method == "POST" and request.path == "/schedules/birth-month-catch-up/fire":
            result = self._stack.fire_birth_month_schedule(catch_up=True)
            response = Response(json.dumps(result), content_type="application/json")
        elif request.method == "POST" and request.path == "/schedules/campaigns/fire-due":
            ahead = timedelta(seconds=float(request.args.get("ahead_seconds", "0")))
            assert self._stack.campaign_schedules is not None
            results = self._stack.campaign_schedules.fire_due(ahead)
            response = Response(json.dumps({"fired": results}), content_type="application/json")
        elif request.method == "POST" and request.path == "/expiry/run":
            days = float(request.args.get("days_ahead", "0"))
            result = self._stack.run_expiry(timedelta(days=days), request.args.get("user_id"))
            response = Response(json.dumps(result), content_type="application/json")
        elif request.method == "GET" and request.path == "/urls":
            response = Response(self._stack.urls.model_dump_json() if self._stack.urls else "{}")
        else:
            response = Response(
                json.dumps({"message": "Not Found"}), status=404, content_type="application/json"
            )
        return response(environ, start_response)
