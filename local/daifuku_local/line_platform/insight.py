"""Statistics per unit (insight.yml) and the month's units (messaging-api.yml): what LINE counts of the
pushes and multicasts that carried `customAggregationUnits`.

Messaging records who each unit's messages reached; the simulated users open them and click their
URLs when a test or the console says so (`/_sim/users/<id>/open`, `/_sim/users/<id>/click`), as LINE
counts them: a figure of fewer than 20 people is answered as null.
"""

from __future__ import annotations

import re
import threading
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from werkzeug.routing import Rule
from werkzeug.wrappers import Request, Response

from daifuku_local.line_platform.config import SimulatorConfig
from daifuku_local.line_platform.line_responses import ApiError, json_response, require_bearer_token

JST = ZoneInfo("Asia/Tokyo")
UNIT = re.compile(r"^[a-zA-Z0-9_]{1,30}$")
DAY = re.compile(r"^[0-9]{8}$")
LONGEST_PERIOD = timedelta(days=30)
FEWER_THAN = 20
URL = re.compile(r"https?://[^\s<>\"'「」『』（）、。！？]+")
LINE_APP_AGENT = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Line/14.0.0"


@dataclass
class UnitStats:
    """One unit's sends: who received which messages, who opened them, who clicked which URL."""

    received: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    days: set[date] = field(default_factory=set)
    opened: set[str] = field(default_factory=set)
    clicks: dict[str, list[str]] = field(default_factory=dict)  # URL → user ids, a click each


def _at_least_20(count: int) -> int | None:
    return count if count >= FEWER_THAN else None


class Insight:
    RULES: ClassVar[tuple[Rule, ...]] = (
        Rule("/v2/bot/insight/message/event/aggregation", methods=["GET"], endpoint="unit_statistics"),
        Rule("/v2/bot/message/aggregation/info", methods=["GET"], endpoint="units_used"),
    )

    def __init__(self, config: SimulatorConfig, lock: threading.RLock):
        self._config = config
        self._lock = lock
        self.units: dict[str, UnitStats] = {}
        self.months: dict[str, set[str]] = {}  # yyyymm (JST) → units used

    def authenticate(self, request: Request) -> None:
        require_bearer_token(request, self._config.channel_access_token)

    def record(self, units: list[str], recipients: list[str], messages: list[dict[str, Any]]) -> None:
        """A send with `customAggregationUnits` reached `recipients` (the caller holds the lock)."""
        today = datetime.now(JST).date()
        for unit in units:
            stats = self.units.setdefault(unit, UnitStats())
            stats.days.add(today)
            for user_id in recipients:
                stats.received.setdefault(user_id, []).extend(messages)
            self.months.setdefault(f"{today:%Y%m}", set()).add(unit)

    # What the simulated users do

    def open_messages(self, user_id: str) -> int:
        """The user opens every unit's messages they received; the number of units."""
        with self._lock:
            opened = [stats for stats in self.units.values() if user_id in stats.received]
            for stats in opened:
                stats.opened.add(user_id)
        return len(opened)

    def click(self, user_id: str, url: str) -> dict[str, Any]:
        """The user taps `url` in a message they received: LINE counts it, then the URL is fetched as
        the LINE app's browser would (redirects not followed)."""
        with self._lock:
            found = [
                stats
                for stats in self.units.values()
                if any(url in URL.findall(_text_of(m)) for m in stats.received.get(user_id, []))
            ]
            for stats in found:
                stats.opened.add(user_id)
                stats.clicks.setdefault(url, []).append(user_id)
        request = urllib.request.Request(url, headers={"User-Agent": LINE_APP_AGENT})
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=30) as response:
                status, location = response.status, response.headers.get("location")
        except urllib.error.HTTPError as answer:
            status, location = answer.code, answer.headers.get("location")
        return {"counted": bool(found), "status": status, "location": location}

    # The API

    def units_used(self, request: Request, body: Any, request_id: str) -> Response:
        with self._lock:
            used = len(self.months.get(f"{datetime.now(JST):%Y%m}", set()))
        return json_response({"numOfCustomAggregationUnits": used})

    def unit_statistics(self, request: Request, body: Any, request_id: str) -> Response:
        unit = request.args.get("customAggregationUnit", "")
        first, last = request.args.get("from", ""), request.args.get("to", "")
        if not UNIT.match(unit):
            raise ApiError(400, "The value for the 'customAggregationUnit' parameter is invalid")
        if not (DAY.match(first) and DAY.match(last)):
            raise ApiError(400, "The value for the 'from' or 'to' parameter is invalid")
        try:
            start, end = (datetime.strptime(day, "%Y%m%d").date() for day in (first, last))
        except ValueError:
            raise ApiError(400, "The value for the 'from' or 'to' parameter is invalid") from None
        if end < start or end - start > LONGEST_PERIOD:
            raise ApiError(400, "The end date can be specified for up to 30 days after the start date")
        with self._lock:
            stats = self.units.get(unit)
            in_period = stats is not None and any(start <= day <= end for day in stats.days)
            opened = len(stats.opened) if stats and in_period else 0
            clicks = dict(stats.clicks) if stats and in_period else {}
        clickers = {user for users in clicks.values() for user in users}
        return json_response(
            {
                "overview": {
                    "uniqueImpression": _at_least_20(opened),
                    "uniqueClick": _at_least_20(len(clickers)),
                    "uniqueMediaPlayed": None,
                    "uniqueMediaPlayed100Percent": None,
                },
                "messages": [
                    {
                        "seq": 1,
                        "impression": _at_least_20(opened),
                        "mediaPlayed": None,
                        "mediaPlayed25Percent": None,
                        "mediaPlayed50Percent": None,
                        "mediaPlayed75Percent": None,
                        "mediaPlayed100Percent": None,
                        "uniqueMediaPlayed": None,
                        "uniqueMediaPlayed25Percent": None,
                        "uniqueMediaPlayed50Percent": None,
                        "uniqueMediaPlayed75Percent": None,
                        "uniqueMediaPlayed100Percent": None,
                    }
                ]
                if in_period
                else [],
                "clicks": [
                    {
                        "seq": 1,
                        "url": url,
                        "click": _at_least_20(len(users)),
                        "uniqueClick": _at_least_20(len(set(users))),
                        "uniqueClickOfRequest": None,
                    }
                    for url, users in clicks.items()
                ],
            }
        )


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def _text_of(message: dict[str, Any]) -> str:
    """Every string of a message (a text's text, a Flex message's uri actions), to find a URL in."""
    if isinstance(message, dict):
        return " ".join(_text_of(value) for value in message.values())
    if isinstance(message, list):
        return " ".join(_text_of(value) for value in message)
    return message if isinstance(message, str) else ""
