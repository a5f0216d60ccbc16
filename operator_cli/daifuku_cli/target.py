"""Which Daifuku the operator commands act on: a deployed stack (by its CloudFormation outputs) or
the local stack (`./dev local`, by its moto endpoint)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import boto3

from daifuku.adapters.line_credentials import credentials_parameter_name
from daifuku_cli.credentials_store import CredentialsParameter
from infra.deployment_context import STACK_NAME

LOCAL_REGION = "ap-northeast-1"
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
# `./dev local`'s fixed ports (the local stack prints them; `--any-ports` picks others).
LOCAL_WEBHOOK_URL = "http://127.0.0.1:3000/webhook"
LOCAL_LIFF_SITE_URL = "http://127.0.0.1:8080"
LOCAL_LINE_API_URL = "http://127.0.0.1:8090"


@dataclass(frozen=True)
class Target:
    """The resources of one Daifuku installation and how to reach them."""

    table_name: str
    send_queue_url: str
    send_dlq_url: str
    line_credentials_parameter: str
    # A stack deployed before the credentials moved to Parameter Store: its secret, to migrate from.
    legacy_line_secret_id: str | None = None
    endpoint_url: str | None = None  # moto's, for the local stack
    region_name: str | None = None
    webhook_url: str | None = None
    liff_site_url: str | None = None
    liff_site_bucket: str | None = None
    liff_distribution_id: str | None = None

    @property
    def is_local(self) -> bool:
        return self.endpoint_url is not None

    def client(self, service: str) -> Any:
        return boto3.client(service, **self._connection())

    def resource(self, service: str) -> Any:
        return boto3.resource(service, **self._connection())

    def credentials_parameter(self) -> CredentialsParameter:
        """The LINE credentials' parameter (and the old secret, for a stack deployed before the move)."""
        legacy = self.client("secretsmanager") if self.legacy_line_secret_id else None
        return CredentialsParameter(
            self.client("ssm"), self.line_credentials_parameter, legacy, self.legacy_line_secret_id
        )

    def table(self) -> Any:
        return self.resource("dynamodb").Table(self.table_name)

    def _connection(self) -> dict[str, Any]:
        if self.endpoint_url is None:
            return {"region_name": self.region_name} if self.region_name else {}
        return {"endpoint_url": self.endpoint_url, "region_name": LOCAL_REGION, **LOCAL_CREDENTIALS}


def add_target_arguments(parser: argparse.ArgumentParser) -> None:
    where = parser.add_mutually_exclusive_group()
    where.add_argument(
        "--stack",
        default=STACK_NAME,
        help=f"the deployed CloudFormation stack to act on (default: {STACK_NAME})",
    )
    where.add_argument(
        "--local",
        metavar="AWS_ENDPOINT",
        help="act on the local stack instead, e.g. --local http://127.0.0.1:5000 (moto, from ./dev local)",
    )
    parser.add_argument("--region", help="AWS region of the deployed stack (default: your AWS profile's)")


def resolve_target(arguments: argparse.Namespace) -> Target:
    if arguments.local:
        return local_target(arguments.local)
    return deployed_target(arguments.stack, arguments.region)


def local_target(endpoint_url: str, prefix: str = "daifuku") -> Target:
    sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name=LOCAL_REGION, **LOCAL_CREDENTIALS)
    return Target(
        table_name=f"{prefix}-members",
        send_queue_url=sqs.get_queue_url(QueueName=f"{prefix}-send")["QueueUrl"],
        send_dlq_url=sqs.get_queue_url(QueueName=f"{prefix}-send-dlq")["QueueUrl"],
        line_credentials_parameter=credentials_parameter_name(prefix),
        endpoint_url=endpoint_url,
        webhook_url=LOCAL_WEBHOOK_URL,
        liff_site_url=LOCAL_LIFF_SITE_URL,
        liff_site_bucket=f"{prefix}-liff-site",
    )


def deployed_target(stack_name: str, region_name: str | None) -> Target:
    cloudformation = boto3.client("cloudformation", **({"region_name": region_name} if region_name else {}))
    stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    return Target(
        table_name=outputs["TableName"],
        send_queue_url=outputs["SendQueueUrl"],
        send_dlq_url=outputs["SendDlqUrl"],
        line_credentials_parameter=outputs.get(
            "LineCredentialsParameterName", credentials_parameter_name(stack_name)
        ),
        legacy_line_secret_id=outputs.get("LineSecretArn"),
        region_name=region_name,
        webhook_url=outputs.get("WebhookUrl"),
        liff_site_url=outputs.get("LiffSiteUrl"),
        liff_site_bucket=outputs.get("LiffSiteBucketName"),
        liff_distribution_id=outputs.get("LiffDistributionId"),
    )
