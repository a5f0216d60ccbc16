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
    - `POST /_local/schedules/scenarios/fire`: the scenario schedule's minute, now;
    - `GET /_local/clock`: the time the functions see; `POST /_local/clock/advance` with
      `{"days": d, "hours": h, "minutes": m, "seconds": s}` moves it forward (then what became due runs);
      `POST /_local/clock/reset` puts it back to the real time.
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
        elif request.path.startswith("/clock"):
            # The simulator's console (another port) moves the clock too: CORS for it.
            response = Response(status=204) if request.method == "OPTIONS" else self._clock(request)
            response.headers["access-control-allow-origin"] = "*"
            response.headers["access-control-allow-headers"] = "content-type"
            response.headers["access-control-allow-methods"] = "GET,POST,OPTIONS"
        elif request.method == "POST" and request.path == "/schedules/scenarios/fire":
            assert self._stack.scenario_schedule is not None
            result = self._stack.scenario_schedule.run_now()
            response = Response(json.dumps(result), content_type="application/json")
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

    def _clock(self, request: Request) -> Response:
        clock = self._stack.clock
        if request.method == "POST" and request.path == "/clock/advance":
            try:
                asked = json.loads(request.get_data() or b"{}")
                by = timedelta(**{unit: float(asked.get(unit, 0)) for unit in CLOCK_UNITS})
                clock.advance(by)
            except (ValueError, TypeError, AttributeError) as bad:
                return _json(400, {"message": f"cannot move the clock: {bad}"})
            self._stack.after_clock_moved()
        elif request.method == "POST" and request.path == "/clock/reset":
            clock.reset()
        elif not (request.method == "GET" and request.path == "/clock"):
            return _json(404, {"message": "Not Found"})
        return _json(200, {"now": clock().isoformat(), "offset_seconds": clock.offset.total_seconds()})


CLOCK_UNITS = ("days", "hours", "minutes", "seconds")


def _json(status: int, payload: Any) -> Response:
    return Response(json.dumps(payload), status=status, content_type="application/json")
