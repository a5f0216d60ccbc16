"""The HTTP API's routes: which function answers which path.

Read by the CDK HttpApi construct and by the local API Gateway emulation, so that the deployed API
and the local one route the same requests to the same handlers. No CDK imports here: the local stack
imports this module without aws-cdk-lib.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class HttpRoute(BaseModel):
    """One API Gateway HTTP API route (payload format 2.0) and the function directory behind it."""

    model_config = ConfigDict(frozen=True)

    method: str
    path: str
    function: str

    @property
    def route_key(self) -> str:
        return f"{self.method} {self.path}"


# The partner API's route, added by its own construct (infra/constructs/partner_api.py).
PARTNER_API_ROUTES: tuple[HttpRoute, ...] = (
    HttpRoute(method="ANY", path="/api/v1/{proxy+}", function="partner_api"),
)
CORE_ROUTES: tuple[HttpRoute, ...] = (
    HttpRoute(method="POST", path="/webhook", function="webhook"),
    HttpRoute(method="ANY", path="/liff/api/{proxy+}", function="liff_api"),
    # Tracked links: a customer's tap (GET) or a link preview's check (HEAD).
    HttpRoute(method="GET", path="/r/{code}", function="link_redirect"),
    HttpRoute(method="HEAD", path="/r/{code}", function="link_redirect"),
)
# Every route of the deployed API: what the local emulation serves.
HTTP_ROUTES: tuple[HttpRoute, ...] = CORE_ROUTES + PARTNER_API_ROUTES
