"""Inflow routes: the routes, their names (unique), their figures per day, who entered through each,
each entry, and the member's first and latest route."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from boto3.dynamodb.conditions import Key

from daifuku.adapters.dynamodb.coupons import CouponRepository
from daifuku.adapters.dynamodb.keys import (
    ROUTE,
    VISIT_SK_PREFIX,
    member_key,
    route_day_key,
    route_entry_key,
    route_key,
    route_name_key,
    route_visitor_key,
    user_partition,
    utc,
)
from daifuku.adapters.dynamodb.member_tags import add_member_tag
from daifuku.adapters.dynamodb.members import MemberRepository
from daifuku.adapters.dynamodb.table import TableGateway, update_request
from daifuku.domain.inflow_routes import FIGURES, InflowRoute, RouteDay
from daifuku.models.member import Member
from daifuku.models.membership import Coupon
from daifuku.models.staff import CouponTemplateRecord


class InflowRouteRepository:
    def __init__(self, gateway: TableGateway, coupons: CouponRepository):
        self._gateway = gateway
        self._coupons = coupons

    def create_route(self, route: InflowRoute) -> bool:
        name = {
            "Put": {
                "Item": {**route_name_key(route.name), "route_id": route.route_id},
                "ConditionExpression": "attribute_not_exists(pk)",
            }
        }
        item = {
            "Put": {
                "Item": {**route_key(route.route_id), **route.model_dump(mode="json", exclude={"route_id"})}
            }
        }
        return self._gateway.transact([name, item]) is None

    def routes(self) -> list[InflowRoute]:
        items = self._gateway.query(KeyConditionExpression=Key("pk").eq(ROUTE.pk))
        return sorted((_route(item) for item in items), key=lambda r: r.created_at)

    def route(self, route_id: str) -> InflowRoute | None:
        item = self._gateway.get(route_key(route_id))
        return _route(item) if item else None

    def friend(self, user_id: str) -> Member | None:
        return MemberRepository(self._gateway).find_member(user_id)

    def first_route_of(self, user_id: str) -> str | None:
        item = self._gateway.get(member_key(user_id))
        return str(item["first_route"]) if item and item.get("first_route") else None

    def record_entry(self, user_id: str, route_id: str, at: datetime) -> bool:
        first_time = self._gateway.update_returning(
            route_visitor_key(route_id, user_id),
            "SET first_entered_at = if_not_exists(first_entered_at, :at), latest_entered_at = :at "
            "ADD entries :one",
            values={":at": utc(at), ":one": 1},
        )
        self._gateway.put({**route_entry_key(user_id, at, route_id), "route_id": route_id, "at": utc(at)})
        # Only on a friend's or member's item (one exists once the follow is recorded).
        self._gateway.update(
            member_key(user_id),
            "SET first_route = if_not_exists(first_route, :route), latest_route = :route, "
            "latest_route_at = :at",
            condition="attribute_exists(pk)",
            values={":route": route_id, ":at": utc(at)},
        )
        return first_time is not None and int(first_time.get("entries", 0)) == 1

    def count(self, route_id: str, day: date, figures: dict[str, int]) -> None:
        unknown = set(figures) - set(FIGURES)
        if unknown:
            raise ValueError(f"not a route figure: {sorted(unknown)}")
        expression = "ADD " + ", ".join(f"{name} :{name}" for name in figures)
        values = {f":{name}": value for name, value in figures.items()}
        self._gateway.update_retrying_conflicts(
            update_request(route_day_key(route_id, day), expression, values=values)
        )

    def days(self, route_id: str, first: date, last: date) -> list[RouteDay]:
        partition = route_day_key(route_id, first)["pk"]
        items = self._gateway.query(
            KeyConditionExpression=Key("pk").eq(partition)
            & Key("sk").between(first.isoformat(), last.isoformat())
        )
        return [
            RouteDay(day=date.fromisoformat(item["sk"]), **{f: int(item.get(f, 0)) for f in FIGURES})
            for item in items
        ]

    def visits_of(self, user_id: str, up_to: int = 3) -> int:
        """The member's recorded visits, counted up to `up_to` (enough to tell a first from a second)."""
        condition = Key("pk").eq(user_partition(user_id)) & Key("sk").begins_with(VISIT_SK_PREFIX)
        return len(
            self._gateway.query_page(KeyConditionExpression=condition, ProjectionExpression="sk", Limit=up_to)
        )

    # Entry actions

    def add_tag(self, user_id: str, tag: str) -> bool:
        return add_member_tag(self._gateway, user_id, tag)

    def grant_coupon(self, user_id: str, coupon: Coupon) -> bool:
        return self._coupons.grant_coupon(user_id, coupon)

    def load_template(self, template_id: str) -> CouponTemplateRecord | None:
        return self._coupons.load_template(template_id)


def _route(item: dict[str, Any]) -> InflowRoute:
    return InflowRoute.model_validate({**item, "route_id": item["sk"]})
