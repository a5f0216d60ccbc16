"""The AWS resources of the stack, created in moto from the same definitions the CDK app uses."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Any

import boto3
from pydantic import BaseModel, ConfigDict

from daifuku.adapters.line_credentials import credentials_parameter_name
from daifuku.table_schema import MEMBER_TABLE
from infra.connect_queue_policy import CONNECT_MAX_RECEIVE_COUNT, CONNECT_VISIBILITY_TIMEOUT_SECONDS
from infra.deployment_context import DeploymentContext
from infra.send_queue_policy import SEND_MAX_RECEIVE_COUNT, SEND_VISIBILITY_TIMEOUT_SECONDS

REPO_ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-northeast-1"
LOCAL_ACCOUNT = "000000000000"


class LocalChannel(BaseModel):
    """The LINE channel the simulator plays: made-up credentials for the local world only."""

    model_config = ConfigDict(frozen=True)

    channel_secret: str = "local-channel-secret-0123456789ab"
    channel_access_token: str = "local-channel-access-token"
    login_channel_id: str = "1650000000"
    login_channel_secret: str = "local-login-channel-secret"

    @classmethod
    def for_shop(cls, shop: str | None) -> LocalChannel:
        """The channel of a named shop's local stack (`--shop`): credentials of its own, so that a
        webhook or an ID token of one shop is refused by another."""
        if shop is None:
            return cls()
        digest = hashlib.sha256(f"daifuku-local-shop:{shop}".encode()).hexdigest()
        return cls(
            channel_secret=digest[:32],
            channel_access_token=f"local-channel-access-token-{shop}",
            login_channel_id=str(1650000000 + int(digest[32:38], 16) % 1000000),
            login_channel_secret=f"local-login-channel-secret-{shop}",
        )


class LocalResources(BaseModel):
    model_config = ConfigDict(frozen=True)

    table_name: str
    send_queue_url: str
    send_dlq_url: str
    connect_queue_url: str
    connect_dlq_url: str
    line_credentials_parameter: str
    birth_month_schedule_name: str
    birth_month_catch_up_schedule_name: str
    campaign_schedule_group: str
    liff_site_bucket: str
    message_images_bucket: str = ""


def deployment_context() -> DeploymentContext:
    """The deployment settings in cdk.json, read and checked as the CDK app reads them."""
    context: dict[str, Any] = json.loads((REPO_ROOT / "cdk.json").read_text())["context"]
    return DeploymentContext.model_validate({k: v for k, v in context.items() if k.startswith("daifuku:")})


LOCAL_CREDENTIALS = {"region_name": REGION, "aws_access_key_id": "local", "aws_secret_access_key": "local"}


def aws_client(service: str, endpoint_url: str) -> Any:
    """A boto3 client of the local stack's moto."""
    return boto3.client(service, endpoint_url=endpoint_url, **LOCAL_CREDENTIALS)


def local_table(endpoint_url: str, table_name: str = "daifuku-members") -> Any:
    """The local stack's DynamoDB table, as a boto3 resource."""
    return boto3.resource("dynamodb", endpoint_url=endpoint_url, **LOCAL_CREDENTIALS).Table(table_name)


def create_local_resources(
    endpoint_url: str, channel: LocalChannel, prefix: str = "daifuku"
) -> LocalResources:
    """Create the table, the send queue and its DLQ, the LINE credentials parameter and the birth-month
    schedule."""
    dynamodb = aws_client("dynamodb", endpoint_url)
    table_name = f"{prefix}-members"
    dynamodb.create_table(**MEMBER_TABLE.create_table_request(table_name))
    dynamodb.update_time_to_live(
        TableName=table_name,
        TimeToLiveSpecification={"Enabled": True, "AttributeName": MEMBER_TABLE.ttl_attribute},
    )

    sqs = aws_client("sqs", endpoint_url)
    queue_url, dlq_url = create_queue_with_dlq(
        sqs, f"{prefix}-send", SEND_VISIBILITY_TIMEOUT_SECONDS, SEND_MAX_RECEIVE_COUNT
    )
    connect_queue_url, connect_dlq_url = create_queue_with_dlq(
        sqs, f"{prefix}-connect", CONNECT_VISIBILITY_TIMEOUT_SECONDS, CONNECT_MAX_RECEIVE_COUNT
    )

    # What `daifuku setup` stores on AWS: a SecureString (moto encrypts it with the aws/ssm key too).
    credentials_parameter = credentials_parameter_name(prefix)
    aws_client("ssm", endpoint_url).put_parameter(
        Name=credentials_parameter, Value=json.dumps(channel.model_dump()), Type="SecureString"
    )

    context = deployment_context()
    scheduler = aws_client("scheduler", endpoint_url)
    schedules = {
        f"{prefix}-birth-month": (context.birth_month_schedule, "birth-month-schedule"),
        f"{prefix}-birth-month-catch-up": (context.birth_month_catch_up_schedule, "birth-month-catch-up"),
    }
    for schedule_name, (expression, source) in schedules.items():
        scheduler.create_schedule(
            Name=schedule_name,
            ScheduleExpression=expression,
            ScheduleExpressionTimezone=context.shop_timezone,
            FlexibleTimeWindow={"Mode": "OFF"},
            Target={
                "Arn": f"arn:aws:lambda:{REGION}:{LOCAL_ACCOUNT}:function:daifuku-birthday_scheduler",
                "RoleArn": f"arn:aws:iam::{LOCAL_ACCOUNT}:role/daifuku-scheduler",
                "Input": json.dumps({"source": source}),
            },
        )
    campaign_group = f"{prefix}-campaigns"
    scheduler.create_schedule_group(Name=campaign_group)
    # The deployed LIFF site's bucket, for what `daifuku setup` writes there (liff-apps.json).
    site_bucket = f"{prefix}-liff-site"
    aws_client("s3", endpoint_url).create_bucket(
        Bucket=site_bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    # The private bucket of the photos customers send (conversations).
    message_images_bucket = f"{prefix}-message-images"
    aws_client("s3", endpoint_url).create_bucket(
        Bucket=message_images_bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
    )
    return LocalResources(
        message_images_bucket=message_images_bucket,
        table_name=table_name,
        send_queue_url=queue_url,
        send_dlq_url=dlq_url,
        connect_queue_url=connect_queue_url,
        connect_dlq_url=connect_dlq_url,
        line_credentials_parameter=credentials_parameter,
        birth_month_schedule_name=f"{prefix}-birth-month",
        birth_month_catch_up_schedule_name=f"{prefix}-birth-month-catch-up",
        campaign_schedule_group=campaign_group,
        liff_site_bucket=site_bucket,
    )


def create_queue_with_dlq(
    sqs: Any, name: str, visibility_timeout: int, max_receive_count: int
) -> tuple[str, str]:
    """(queue URL, DLQ URL): a queue whose messages go to its DLQ after `max_receive_count` receives."""
    dlq_url = sqs.create_queue(QueueName=f"{name}-dlq")["QueueUrl"]
    dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq_url, AttributeNames=["QueueArn"])["Attributes"][
        "QueueArn"
    ]
    queue_url = sqs.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility_timeout),
            "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}
            ),
        },
    )["QueueUrl"]
    return queue_url, dlq_url
