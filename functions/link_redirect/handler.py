"""GET /r/<code>: a tracked link's redirect. A function of its own, not a liff_api route: it answers
customers tapping a link, so its cold start is kept to what it needs (no resolver, no LIFF API).

The rules are in daifuku/domain/tracked_links.py; this answers 302 in every case: a code that does not
verify goes to the shop's page, and nothing here answers an error to a customer's tap.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.utilities.typing import LambdaContext

from daifuku.snapshot_hooks import prime_before_snapshot

logger = Logger(service="link_redirect")
_known_links: dict[str, Any] = {}  # link id → TrackedLink, for this environment's life


def redirect_to(location: str) -> dict[str, Any]:
    return {
        "statusCode": 302,
        "headers": {"location": location, "cache-control": "no-store", "referrer-policy": "no-referrer"},
        "body": "",
    }


def start_scenario(user_id: str, scenario_id: str) -> None:
    """A link's click action: imported only when a click asks for it (the redirect's cold start)."""
    from daifuku.domain.scenarios import TriggerEvent
    from daifuku.wiring import current_wiring

    current_wiring().scenario_engine().triggered(user_id, TriggerEvent.asked(scenario_id))


@logger.inject_lambda_context
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    from daifuku.domain.tracked_links import ClickDesk
    from daifuku.settings import TrackedLinkSettings, settings_as
    from daifuku.wiring import current_wiring

    wiring = current_wiring()
    settings = settings_as(wiring.settings, TrackedLinkSettings)
    http = event.get("requestContext", {}).get("http", {})
    code = (event.get("pathParameters") or {}).get("code", "")
    headers = event.get("headers") or {}
    try:
        desk = ClickDesk(
            wiring.table.tracked_links,
            wiring.link_codes(),
            settings.shop_page_url,
            clock=wiring.clock,
            known_links=_known_links,
            start_scenario=start_scenario,
        )
        redirect = desk.follow(code, http.get("method", "GET"), headers.get("user-agent"))
    except Exception:
        # A customer's tap never ends on an error page: the shop's page, and the failure in the logs.
        logger.exception("tracked link not followed")
        return redirect_to(settings.shop_page_url)
    logger.info("tracked link", extra={"outcome": redirect.reason, "recorded": redirect.recorded})
    return redirect_to(redirect.location)


def prime() -> None:
    """With SnapStart: the domain module, the table's client and the credentials, before the snapshot."""
    import daifuku.domain.tracked_links  # noqa: F401
    from daifuku.wiring import current_wiring

    current_wiring().prime()


prime_before_snapshot(prime)
