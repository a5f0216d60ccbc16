"""The role EventBridge Scheduler takes to invoke a target, confined to one schedule group."""

from __future__ import annotations

from aws_cdk import Stack
from aws_cdk import aws_iam as iam
from constructs import Construct


def scheduler_role(scope: Construct, description: str, schedule_group_arn: str) -> iam.Role:
    """A role only Scheduler may take, and only for schedules of `schedule_group_arn` in this account
    (the confused-deputy conditions). Its permissions are granted by the target."""
    return iam.Role(
        scope,
        "Role",
        description=description,
        assumed_by=iam.ServicePrincipal(
            "scheduler.amazonaws.com",
            conditions={
                "StringEquals": {
                    "aws:SourceAccount": Stack.of(scope).account,
                    "aws:SourceArn": schedule_group_arn,
                }
            },
        ),
    )
