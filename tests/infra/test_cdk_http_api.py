"""The HTTP API: the routes the local emulation also serves, throttling, access logs and CORS."""

from __future__ import annotations

from pathlib import Path

import pytest
from aws_cdk import App, Stack
from aws_cdk import aws_lambda as lambda_
from infra_synthesis import Synthesized

from infra.constructs.http_api import HttpApi
from infra.routes import HTTP_ROUTES, HttpRoute

OUTPUTS = {
    "WebhookUrl",
    "ApiUrl",
    "PartnerApiUrl",
    "LiffSiteUrl",
    "LiffSiteBucketName",
    "LiffDistributionId",
    "LineCredentialsParameterName",
    "SendQueueUrl",
    "SendDlqUrl",
    "ConnectQueueUrl",
    "ConnectDlqUrl",
    "TableName",
}


def test_routes_are_the_shared_route_table(synthesized: Synthesized) -> None:
    # Given the routes that the local API Gateway emulation serves
    functions = synthesized.daifuku_functions()
    integrations = synthesized.of_type("AWS::ApiGatewayV2::Integration")

    # Then the deployed API has exactly those, each to the same function
    routes = synthesized.of_type("AWS::ApiGatewayV2::Route").values()
    deployed = {}
    for route in routes:
        integration_id = route["Properties"]["Target"]["Fn::Join"][1][1]["Ref"]
        integration = integrations[integration_id]["Properties"]
        deployed[route["Properties"]["RouteKey"]] = integration["IntegrationUri"]
    assert deployed == {
        route.route_key: {"Fn::GetAtt": [functions[route.function][0], "Arn"]} for route in HTTP_ROUTES
    }


def test_default_stage_throttles_and_writes_access_logs_with_retention(synthesized: Synthesized) -> None:
    _, stage = synthesized.only("AWS::ApiGatewayV2::Stage")
    properties = stage["Properties"]
    assert properties["StageName"] == "$default"
    assert properties["DefaultRouteSettings"]["ThrottlingRateLimit"] > 0
    assert properties["DefaultRouteSettings"]["ThrottlingBurstLimit"] > 0
    log_group_id = properties["AccessLogSettings"]["DestinationArn"]["Fn::GetAtt"][0]
    assert synthesized.resources[log_group_id]["Properties"]["RetentionInDays"] > 0
    assert "$context.requestId" in properties["AccessLogSettings"]["Format"]


def test_cors_allows_the_liff_site_only(synthesized: Synthesized) -> None:
    _, api = synthesized.only("AWS::ApiGatewayV2::Api")
    distribution_id, _ = synthesized.only("AWS::CloudFront::Distribution")
    assert api["Properties"]["CorsConfiguration"]["AllowOrigins"] == [
        {"Fn::Join": ["", ["https://", {"Fn::GetAtt": [distribution_id, "DomainName"]}]]}
    ]


def test_stack_outputs_what_the_operator_needs(synthesized: Synthesized) -> None:
    assert set(synthesized.template_json["Outputs"]) == OUTPUTS
    api_id, _ = synthesized.only("AWS::ApiGatewayV2::Api")
    endpoint = {"Fn::GetAtt": [api_id, "ApiEndpoint"]}
    assert synthesized.template_json["Outputs"]["WebhookUrl"]["Value"] == {
        "Fn::Join": ["", [endpoint, "/webhook"]]
    }


def test_a_route_to_a_function_without_stated_authentication_is_refused(tmp_path: Path) -> None:
    # Given a new staff route to a function the API knows nothing about
    stack = Stack(App(outdir=str(tmp_path)), "Api")
    api = HttpApi(stack, "HttpApi", allowed_origins=["https://example.jp"])
    staff_api = lambda_.Function(
        stack,
        "StaffApi",
        runtime=lambda_.Runtime.PYTHON_3_13,
        handler="index.handler",
        code=lambda_.Code.from_inline("def handler(event, context): pass"),
    )
    route = HttpRoute(method="ANY", path="/staff/api/{proxy+}", function="staff_api")

    # Then the API asks how that function authenticates its callers
    with pytest.raises(ValueError, match="authenticates"):
        api.add_routes([route], {"staff_api": staff_api})
