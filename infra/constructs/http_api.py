"""The HTTP API: routes from infra/routes.py (shared with the local API emulation) to Lambda functions."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

import jsii
from aws_cdk import Duration, RemovalPolicy, Stack
from aws_cdk import aws_apigateway as apigateway
from aws_cdk import aws_apigatewayv2 as apigwv2
from aws_cdk import aws_apigatewayv2_integrations as integrations
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_logs as logs
from constructs import Construct

from infra.nag import acknowledge
from infra.routes import HttpRoute

# A small shop's traffic is a few requests a second; these stop a runaway client long before the bill does.
THROTTLE_RATE_PER_SECOND = 50
THROTTLE_BURST = 100
ACCESS_LOG_RETENTION = logs.RetentionDays.ONE_MONTH
ACCESS_LOG_FIELDS = {
    "requestId": "$context.requestId",
    "requestTime": "$context.requestTime",
    "sourceIp": "$context.identity.sourceIp",
    "routeKey": "$context.routeKey",
    "status": "$context.status",
    "responseLength": "$context.responseLength",
    "latency": "$context.responseLatency",
    "integrationLatency": "$context.integrationLatency",
    "integrationError": "$context.integrationErrorMessage",
}
# Why each function's routes need no API Gateway authorizer: the function authenticates every request.
AUTHENTICATED_BY_HANDLER = {
    "webhook": "LINE signs every webhook request; the webhook function rejects any whose X-Line-Signature "
    "does not verify with the channel secret. LINE cannot send an authorizer's credentials.",
    "partner_api": "Every partner API call carries an API key, which the partner_api function checks "
    "against the SHA-256 it stored (and the key's scopes and rate) before anything else.",
    "liff_api": "Every LIFF API call carries the LIFF ID token, which the liff_api function verifies with "
    "LINE Login before anything else; a Lambda authorizer would verify it a second time.",
    "link_redirect": "A tracked link is tapped by customers in any browser, with no credentials: the "
    "code in the path carries an HMAC signature the function verifies, and a code that does not "
    "verify only redirects to the shop's page.",
}


@jsii.implements(apigwv2.IAccessLogSettings)
class JsonAccessLog:
    """Access log settings: one JSON line per request into a log group."""

    def __init__(self, log_group: logs.ILogGroup):
        self._destination = apigwv2.LogGroupLogDestination(log_group)

    @property
    def destination(self) -> apigwv2.IAccessLogDestination:
        return self._destination

    @property
    def format(self) -> apigateway.AccessLogFormat:
        return apigateway.AccessLogFormat.custom(json.dumps(ACCESS_LOG_FIELDS))


class HttpApi(Construct):
    """An API Gateway HTTP API with throttling, JSON access logs and CORS for the LIFF site."""

    def __init__(self, scope: Construct, construct_id: str, *, allowed_origins: list[str]):
        super().__init__(scope, construct_id)
        self.api = apigwv2.HttpApi(
            self,
            "Api",
            api_name=f"{Stack.of(self).stack_name}-api",
            description="Daifuku: LINE webhook and the LIFF pages' API",
            create_default_stage=False,
            cors_preflight=apigwv2.CorsPreflightOptions(
                allow_origins=allowed_origins,
                allow_methods=[
                    apigwv2.CorsHttpMethod.GET,
                    apigwv2.CorsHttpMethod.POST,
                    apigwv2.CorsHttpMethod.PUT,
                    apigwv2.CorsHttpMethod.PATCH,
                    apigwv2.CorsHttpMethod.DELETE,
                ],
                allow_headers=["authorization", "content-type"],
                max_age=Duration.days(1),
            ),
        )
        self.access_logs = logs.LogGroup(
            self, "AccessLogs", retention=ACCESS_LOG_RETENTION, removal_policy=RemovalPolicy.DESTROY
        )
        self.stage = apigwv2.HttpStage(
            self,
            "DefaultStage",
            http_api=self.api,
            auto_deploy=True,
            throttle=apigwv2.ThrottleSettings(
                rate_limit=THROTTLE_RATE_PER_SECOND, burst_limit=THROTTLE_BURST
            ),
            access_log_settings=JsonAccessLog(self.access_logs),
        )
        self._integrations: dict[str, integrations.HttpLambdaIntegration] = {}

    @property
    def endpoint(self) -> str:
        """The API's base URL, without a trailing slash (paths such as /webhook follow it)."""
        return self.api.api_endpoint

    def add_routes(self, routes: Iterable[HttpRoute], functions: Mapping[str, lambda_.IFunction]) -> None:
        """Route each of `routes` to the function named by its `function` field."""
        for route in routes:
            if route.function not in AUTHENTICATED_BY_HANDLER:
                raise ValueError(
                    f"{route.route_key}: say in AUTHENTICATED_BY_HANDLER how {route.function} "
                    "authenticates its requests, or give the route an authorizer"
                )
            function = functions[route.function]
            integration = self._integrations.get(route.function)
            if integration is None:
                integration = integrations.HttpLambdaIntegration(f"{route.function}Integration", function)
                self._integrations[route.function] = integration
            added = self.api.add_routes(
                path=route.path, methods=[apigwv2.HttpMethod(route.method)], integration=integration
            )
            for api_route in added:
                acknowledge(api_route, {"AwsSolutions-APIG4": AUTHENTICATED_BY_HANDLER[route.function]})
