"""Campaign starts: the planner function, and the one-time schedules that invoke it.

The staff API creates an `at(…)` schedule per campaign in this construct's schedule group; when it
fires, Scheduler (with this construct's role) invokes the planner, which queues the campaign's batches.
"""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from constructs import Construct

from infra.constructs.daifuku_function import DaifukuFunction
from infra.nag import acknowledge
from infra.scheduler_role import scheduler_role

# Selecting 100,000 members and queueing their batches takes well under a minute; leave room.
PLANNER_TIMEOUT = Duration.minutes(5)


class CampaignScheduling(Construct):
    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        layer: lambda_.ILayerVersion,
        settings: Mapping[str, str],
    ):
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.planner = DaifukuFunction(
            self,
            "Planner",
            name="segment_send",
            handler_module="planner",
            description="Daifuku campaign planner: a campaign's schedule fires, its batches go on the queue",
            layer=layer,
            settings=settings,
            timeout=PLANNER_TIMEOUT,
        )
        self.group = scheduler.ScheduleGroup(
            self, "Group", schedule_group_name=f"{stack.stack_name}-campaigns"
        )
        self.group_schedules_arn = stack.format_arn(
            service="scheduler",
            resource="schedule",
            resource_name=f"{self.group.schedule_group_name}/*",
            arn_format=ArnFormat.SLASH_RESOURCE_NAME,
        )
        # It may invoke the planner, nothing else.
        self.role = scheduler_role(
            self, "Daifuku campaign schedules: invoke the campaign planner", self.group.schedule_group_arn
        )
        self.planner.function.grant_invoke(self.role)
        planner_logical_id = stack.get_logical_id(self.planner.function.node.default_child)
        acknowledge(
            self.role,
            {
                f"AwsSolutions-IAM5[Resource::<{planner_logical_id}.Arn>:*]": "lambda:InvokeFunction on the "
                "planner's own versions and aliases (ARN:*), as grantInvoke writes it; no other function.",
            },
        )

    def allow_scheduling(self, function: DaifukuFunction) -> None:
        """Let `function` create and delete campaign schedules in this group, and tell it how."""
        function.function.add_to_role_policy(
            iam.PolicyStatement(
                actions=["scheduler:CreateSchedule", "scheduler:DeleteSchedule"],
                resources=[self.group_schedules_arn],
            )
        )
        self.role.grant_pass_role(function.function)
        function.add_environment(
            {
                "campaign_schedule_group": self.group.schedule_group_name,
                "campaign_planner_arn": self.planner.function.function_arn,
                "campaign_scheduler_role_arn": self.role.role_arn,
            }
        )
        acknowledge(
            function.role,
            {
                "AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:scheduler:<AWS::Region>:<AWS::AccountId>:"
                f"schedule/{self.group.schedule_group_name}/*]": "One "
                "schedule per campaign, named by the campaign: the function creates and deletes "
                "schedules of the campaign group only.",
            },
        )
