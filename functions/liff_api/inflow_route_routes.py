"""Inflow routes (流入経路): the owner makes routes and reads their figures, QR and CSV (staff router,
owner only). The card page's report of an entry is the customer's, in route_entry_routes.py.

Imported by the handler before the staff router is included: the routes go onto it.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from aws_lambda_powertools.event_handler import Response

from daifuku.domain.barcode import qr_code_svg
from daifuku.domain.inflow_routes import (
    OTHER_ROUTE,
    OTHER_ROUTE_NAME,
    FiguresQuery,
    InflowRoute,
    RouteDesk,
    RouteRequest,
    figures_csv,
)
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import (
    route_desk,
    shop_config,
    staff_desk,
)
from functions.liff_api.staff_routes import body_as, caller, query_as, router, staff_route

tracer = function_tracer("liff_api")


class FriendsAddedPerDay:
    """The dashboard's friends added per shop day (「その他」's new friends are those no route brought)."""

    def friends_added(self, first: date, last: date) -> dict[date, int]:
        return {d.date: d.friends_added for d in current_wiring().table.stats.daily_counts(first, last)}


def route_url(route_id: str) -> str | None:
    """The URL on the route's poster or post: the member card LIFF app, with the route."""
    card_app = shop_config(router).liff_apps.card
    return f"https://liff.line.me/{card_app}?route={route_id}" if card_app else None


def route_json(route: InflowRoute) -> dict[str, Any]:
    return route.model_dump(mode="json") | {"url": route_url(route.route_id)}


@staff_route("GET", "/routes", owner_only=True)
@tracer.capture_method
def list_routes() -> dict[str, Any]:
    desk = route_desk()
    routes = [route_json(route) for route in desk.records.routes()]
    return {"routes": routes, "other": {"route_id": OTHER_ROUTE, "name": OTHER_ROUTE_NAME}}


@staff_route("POST", "/routes", owner_only=True)
@tracer.capture_method
def create_route() -> tuple[dict[str, Any], int]:
    route = route_desk().create(body_as(RouteRequest))
    staff_desk(router).audit(caller(), "route.create", None, route_id=route.route_id, name=route.name)
    return route_json(route), 201


def _named(desk: RouteDesk, route_id: str) -> tuple[str, InflowRoute | None]:
    if route_id == OTHER_ROUTE:
        return OTHER_ROUTE_NAME, None
    route = desk.route(route_id)
    return route.name, route


@staff_route("GET", "/routes/<route_id>", owner_only=True)
@tracer.capture_method
def route_figures(route_id: str) -> dict[str, Any]:
    """The route, its URL and QR, and its figures per day (the last `days`, 30 unless asked)."""
    desk = route_desk()
    name, route = _named(desk, route_id)
    days = desk.figures(route_id, query_as(FiguresQuery).days, FriendsAddedPerDay())
    url = route_url(route_id) if route else None
    return {
        "route": route_json(route) if route else {"route_id": OTHER_ROUTE, "name": name, "url": None},
        "qr_svg": qr_code_svg(url) if url else None,
        "days": [day.model_dump(mode="json") for day in days],
    }


@staff_route("GET", "/routes/<route_id>/figures.csv", owner_only=True)
@tracer.capture_method
def route_figures_csv(route_id: str):  # type: ignore[no-untyped-def]
    # No return annotation: with one, the resolver's validation would build a schema for Response and
    # fail; without, it passes the CSV through as it is.
    desk = route_desk()
    name, _ = _named(desk, route_id)
    days = desk.figures(route_id, query_as(FiguresQuery).days, FriendsAddedPerDay())
    return Response(
        status_code=200,
        content_type="text/csv; charset=utf-8",
        body=figures_csv(name, days),
        headers={
            "Content-Disposition": f'attachment; filename="route-{route_id}.csv"',
            "Cache-Control": "no-store",
        },
    )
