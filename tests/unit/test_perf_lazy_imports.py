"""A route loads what it needs: the customer's card after a cold start loads neither the staff
console's routes nor the domain modules and repositories only they use (bench/cold_start.py measures
what that saves), and every route is still served, by the resolver of its audience."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from functions.liff_api.handler import AUDIENCES, audience_of, resolver

REPO_ROOT = Path(__file__).resolve().parents[2]

# What the card's first request must not load: the staff console and what only it (or the other
# functions) uses.
NOT_FOR_THE_CARD = (
    "functions.liff_api.staff_routes",
    "functions.liff_api.staff_team_routes",
    "functions.liff_api.conversation_routes",
    "functions.liff_api.scenario_routes",
    "functions.liff_api.campaign_funnel_routes",
    "functions.liff_api.connect_routes",
    "functions.liff_api.partner_key_routes",
    "functions.liff_api.rich_menu_routes",
    "functions.liff_api.inflow_route_routes",
    "daifuku.domain.campaign_desk",
    "daifuku.domain.inbox",
    "daifuku.domain.partner_desk",
    "daifuku.domain.shop_settings",
    "daifuku.domain.connect_desk",
    "daifuku.adapters.dynamodb.campaigns",
    "daifuku.adapters.dynamodb.campaign_funnel",
    "daifuku.adapters.dynamodb.partner_api",
    "daifuku.adapters.dynamodb.conversations",
    "daifuku.adapters.dynamodb.selection",
)

BUILD_THE_CUSTOMER_RESOLVER = f"""
import json, sys
from functions.liff_api.handler import resolver
resolver("customer")
print(json.dumps(sorted(name for name in {NOT_FOR_THE_CARD!r} if name in sys.modules)))
"""


def test_the_customer_resolver_loads_none_of_the_staff_consoles_modules():
    # Given a fresh LIFF API process, when the resolver of a customer's request is built (the routes
    # and the modules they import at the top), then no staff-only module has been imported
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "layers" / "shared")]),
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_DEFAULT_REGION": "ap-northeast-1",
    }
    completed = subprocess.run(
        [sys.executable, "-c", BUILD_THE_CUSTOMER_RESOLVER],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    assert json.loads(completed.stdout.strip().splitlines()[-1]) == []


def routes_of(audience: str) -> set[tuple[str, str]]:
    app = resolver(audience)  # type: ignore[arg-type]
    return {(route.method, route.path) for route in app._static_routes + app._dynamic_routes}


def test_every_route_is_served_by_the_resolver_of_its_paths_audience():
    # Given both resolvers, when their routes are listed, then each route's path is one the handler
    # sends to that resolver: no route is unreachable, and the customer's include the invitations
    for audience in AUDIENCES:
        assert routes_of(audience), audience
        assert {audience_of(path) for _, path in routes_of(audience)} == {audience}
    customer = routes_of("customer")
    assert {("POST", "/liff/api/card"), ("POST", "/liff/api/invitations/accept")} <= customer
    assert {("POST", "/liff/api/route-entries"), ("POST", "/liff/api/receipts/claim")} <= customer


def test_the_staff_paths_are_the_consoles_and_nothing_else():
    assert audience_of("/liff/api/staff") == "staff"
    assert audience_of("/liff/api/staff/members/1") == "staff"
    assert audience_of("/liff/api/staffing") == "customer"
    assert audience_of("/liff/api/card") == "customer"
    assert audience_of("/liff/api/no-such-route") == "customer"


ASK_FOR_THE_FRIENDS_REPOSITORY = """
import json, sys
import functions.webhook.api
from daifuku.adapters.dynamodb.repositories import Repositories
from daifuku.adapters.dynamodb.table import TableGateway
repositories = Repositories.over(TableGateway("members"))
repositories.friends
print(json.dumps(sorted(name for name in sys.modules if name.startswith("daifuku.adapters.dynamodb."))))
"""


def test_a_repository_is_imported_when_first_asked_for():
    # Given a fresh webhook process, when the friends' repository is asked for, then its module and
    # what it uses are imported, and none of the repositories nobody asked for
    environment = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), str(REPO_ROOT / "layers" / "shared")]),
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
    completed = subprocess.run(
        [sys.executable, "-c", ASK_FOR_THE_FRIENDS_REPOSITORY],
        env=environment,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )

    imported = set(json.loads(completed.stdout.strip().splitlines()[-1]))
    assert "daifuku.adapters.dynamodb.friends" in imported
    assert imported.isdisjoint(
        {
            "daifuku.adapters.dynamodb.campaigns",
            "daifuku.adapters.dynamodb.partner_api",
            "daifuku.adapters.dynamodb.scenarios",
            "daifuku.adapters.dynamodb.inflow_routes",
        }
    ), imported
