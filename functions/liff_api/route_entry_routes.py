"""Inflow routes (流入経路), the customer's side: the card page reports the route a customer came by.
The owner's routes and figures are inflow_route_routes.py, on the staff router.

Imported by the handler before the customer router is included: the route goes onto it.
"""

from __future__ import annotations

from typing import Any

from daifuku.domain.inflow_routes import EntryRequest
from daifuku.tracing import function_tracer
from functions.liff_api.customer_routes import router
from functions.liff_api.request_context import json_object_body, route_desk, signed_in_user_id

tracer = function_tracer("liff_api")


@router.post("/liff/api/route-entries")
@tracer.capture_method
def enter_through_route() -> dict[str, Any]:
    user_id = signed_in_user_id(router)
    request = EntryRequest.model_validate(json_object_body(router))
    return route_desk().enter(user_id, request.route_id).model_dump(mode="json")
