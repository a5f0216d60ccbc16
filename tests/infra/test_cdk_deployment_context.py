"""The deployment settings a shop gives in cdk.json or with --context, checked before anything is built."""

from __future__ import annotations

import pytest
from aws_cdk import App
from pydantic import ValidationError

from infra.app import cdk_json_context
from infra.deployment_context import DeploymentContext


def context_of(values: dict) -> DeploymentContext:
    return DeploymentContext.from_node(App(context=values).node)


def test_cdk_json_values_are_read() -> None:
    context = context_of(cdk_json_context())
    assert context.shop_timezone == "Asia/Tokyo"
    assert context.birth_month_schedule == "cron(0 10 1 * ? *)"
    assert context.send_max_concurrency == 2
    assert context.liff_domain_name is None


def test_command_line_strings_are_parsed() -> None:
    # `cdk synth --context daifuku:sendMaxConcurrency=5` passes a string
    assert context_of({"daifuku:sendMaxConcurrency": "5"}).send_max_concurrency == 5


@pytest.mark.parametrize(
    "values",
    [
        {"daifuku:shopTimezone": "Asia/Tokio"},
        {"daifuku:sendMaxConcurrency": 1},  # SQS event sources need at least 2
        {"daifuku:birthMonthSchedule": "rate(1 day)"},
        {"daifuku:liffDomainName": "members.example.jp"},  # without its certificate
        {
            "daifuku:liffDomainName": "members.example.jp",
            "daifuku:liffCertificateArn": "arn:aws:acm:ap-northeast-1:1:certificate/x",  # not us-east-1
        },
    ],
)
def test_invalid_settings_stop_synthesis(values: dict) -> None:
    with pytest.raises(ValidationError):
        context_of(values)
