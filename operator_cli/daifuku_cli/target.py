"""Which Daifuku the operator commands act on: a deployed stack (by its CloudFormation outputs) or
the local stack (`./dev local`: `--local` alone finds it through the URLs file it leaves, or
`--local <moto endpoint>`)."""

from __future__ import annotations

import argparse
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.exceptions import ClientError

from daifuku.adapters.line_credentials import credentials_parameter_name
from daifuku_cli.credentials_store import CredentialsParameter
from daifuku_cli.failures import LOCAL_URL, OperatorError, UsageError
from daifuku_cli.local_stack_file import local_stack_file, read_local_stack_urls
from daifuku_cli.messages import _
from infra.deployment_context import STACK_NAME, shop_stack_name

LOCAL_REGION = "ap-northeast-1"
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
# `./dev local`'s fixed ports, for an explicit `--local URL` of a stack that left no URLs file.
LOCAL_WEBHOOK_URL = "http://127.0.0.1:3000/webhook"
LOCAL_LIFF_SITE_URL = "http://127.0.0.1:8080"
LOCAL_LINE_API_URL = "http://127.0.0.1:8090"
# `--local` with no value: the running local stack's own URLs.
DISCOVER_LOCAL = "discover"


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
    line_api_url: str | None = None  # the LINE simulator's, for the local stack
    # The connect queue (outgoing events, forwarded webhooks) and its DLQ; None on a stack without them.
    connect_queue_url: str | None = None
    connect_dlq_url: str | None = None

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
        help=f"the deployed CloudFormation stack to act on (default: {STACK_NAME}, or the --shop's)",
    )
    where.add_argument(
        "--local",
        metavar="AWS_ENDPOINT",
        nargs="?",
        const=DISCOVER_LOCAL,
        type=local_endpoint,
        help="act on the local stack instead: alone, the one ./dev local is running; or its moto "
        "endpoint, e.g. --local http://127.0.0.1:5000",
    )
    parser.add_argument("--region", help="AWS region of the deployed stack (default: your AWS profile's)")
    add_shop_argument(parser)


def add_shop_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--shop",
        type=shop_name,
        help="which shop, when one account runs several (daifuku shops lists them); default: the first "
        f"shop, stack {STACK_NAME}",
    )


def shop_name(value: str) -> str:
    """`--shop`'s value: a name that can be part of the shop's stack name."""
    try:
        shop_stack_name(value)
    except ValueError as error:
        raise argparse.ArgumentTypeError(str(error)) from None
    return value


def stack_of(arguments: argparse.Namespace) -> str:
    """The deployed stack the arguments name: --stack, or the --shop's, or the first shop's."""
    shop = getattr(arguments, "shop", None)
    if arguments.stack and shop and arguments.stack != shop_stack_name(shop):
        raise UsageError(_("--stack and --shop name different stacks: give one of them.").format())
    return str(arguments.stack or shop_stack_name(shop))


def local_endpoint(value: str) -> str:
    """`--local`'s value: the moto endpoint's URL (or the marker for "find it")."""
    if value != DISCOVER_LOCAL and not LOCAL_URL.match(value):
        raise argparse.ArgumentTypeError(
            _("--local takes the local AWS endpoint's URL, like http://127.0.0.1:5000, or nothing").format()
        )
    return value.rstrip("/")


def resolve_target(arguments: argparse.Namespace) -> Target:
    if arguments.local:
        return local_target(arguments.local, shop=getattr(arguments, "shop", None))
    return deployed_target(stack_of(arguments), arguments.region)


def where_hint(arguments: argparse.Namespace) -> str:
    """The target options to repeat in a suggested next command."""
    shop = getattr(arguments, "shop", None)
    if not arguments.local:
        return f"--shop {shop}" if shop and not arguments.stack else f"--stack {stack_of(arguments)}"
    local = "--local" if arguments.local == DISCOVER_LOCAL else f"--local {arguments.local}"
    return f"{local} --shop {shop}" if shop else local


def local_target(endpoint_url: str, prefix: str = "daifuku", shop: str | None = None) -> Target:
    """The local stack at `endpoint_url` (moto's), or, given DISCOVER_LOCAL, the one running now (the
    `shop`'s, started with `./dev local --shop NAME`)."""
    urls = read_local_stack_urls(local_stack_file(shop=shop))
    if endpoint_url == DISCOVER_LOCAL:
        if urls is None:
            raise UsageError(
                _(
                    "No local stack is running (no {file}): start one with ./dev local, "
                    "or give its AWS endpoint, --local http://127.0.0.1:5000."
                ).format(file=local_stack_file(shop=shop))
            )
        endpoint_url = urls["aws_endpoint"]
    elif urls is not None and urls["aws_endpoint"].rstrip("/") != endpoint_url:
        urls = None  # another stack's: this one is on ./dev local's fixed ports
    sqs = boto3.client("sqs", endpoint_url=endpoint_url, region_name=LOCAL_REGION, **LOCAL_CREDENTIALS)
    try:
        send, send_dlq, connect, connect_dlq = (
            sqs.get_queue_url(QueueName=f"{prefix}-{name}")["QueueUrl"]
            for name in ("send", "send-dlq", "connect", "connect-dlq")
        )
    except ClientError as error:
        raise OperatorError(
            _(
                "{endpoint} answers, but holds no Daifuku local stack ({code}): is it ./dev local's moto?"
            ).format(endpoint=endpoint_url, code=error.response.get("Error", {}).get("Code", "?"))
        ) from error
    return Target(
        table_name=f"{prefix}-members",
        send_queue_url=send,
        send_dlq_url=send_dlq,
        connect_queue_url=connect,
        connect_dlq_url=connect_dlq,
        line_credentials_parameter=credentials_parameter_name(prefix),
        endpoint_url=endpoint_url,
        webhook_url=urls["webhook"] if urls else LOCAL_WEBHOOK_URL,
        liff_site_url=urls["liff_site"] if urls else LOCAL_LIFF_SITE_URL,
        liff_site_bucket=f"{prefix}-liff-site",
        line_api_url=urls["simulator"] if urls else LOCAL_LINE_API_URL,
    )


def deployed_target(stack_name: str, region_name: str | None) -> Target:
    cloudformation = boto3.client("cloudformation", **({"region_name": region_name} if region_name else {}))
    try:
        stack = cloudformation.describe_stacks(StackName=stack_name)["Stacks"][0]
    except ClientError as error:
        if "does not exist" not in str(error.response.get("Error", {}).get("Message", "")):
            raise
        raise UsageError(
            _(
                "No stack {stack} in {region}: deploy it first (daifuku deploy), or pass the right "
                "--region or --stack."
            ).format(stack=stack_name, region=cloudformation.meta.region_name)
        ) from error
    outputs = {output["OutputKey"]: output["OutputValue"] for output in stack.get("Outputs", [])}
    return Target(
        table_name=outputs["TableName"],
        send_queue_url=outputs["SendQueueUrl"],
        send_dlq_url=outputs["SendDlqUrl"],
        connect_queue_url=outputs.get("ConnectQueueUrl"),
        connect_dlq_url=outputs.get("ConnectDlqUrl"),
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
