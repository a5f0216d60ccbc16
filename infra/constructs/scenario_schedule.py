"""The scenario schedule: EventBridge Scheduler invokes the scenario scheduler function every minute;
it puts the scenario steps due by then on the send queue (functions/scenario_scheduler)."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import ArnFormat, Duration, Stack
from aws_cdk import aws_lambda as lambda_
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from infra.constructs.daifuku_function import DaifukuFunction
from infra.nag import acknowledge
from infra.scheduler_role import scheduler_role

# A missed minute is caught up by the next one (the function reads from its cursor): no retries.
RETRY_ATTEMPTS = 0
MAX_EVENT_AGE = Duration.minutes(1)


class ScenarioSchedule(Construct):
    """The scenario scheduler function and its every-minute schedule."""

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
        self.function = DaifukuFunction(
            self,
            "Function",
            name="scenario_scheduler",
            description="Daifuku: every minute, the scenario steps due by now go on the send queue",
            layer=layer,
            settings=settings,
            timeout=Duration.seconds(50),
        )
        self.role = scheduler_role(
            self,
            "Daifuku scenario schedule: invokes the scenario scheduler function",
            stack.format_arn(
                service="scheduler",
                resource="schedule-group",
                resource_name="default",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            ),
        )
        self.schedule = scheduler.Schedule(
            self,
            "EveryMinute",
            description="Daifuku: scenario steps due by now to the send queue",
            schedule=scheduler.ScheduleExpression.rate(Duration.minutes(1)),
            target=targets.LambdaInvoke(
                self.function.function,
                role=self.role,
                input=scheduler.ScheduleTargetInput.from_object({"source": "scenario-schedule"}),
                retry_attempts=RETRY_ATTEMPTS,
                max_event_age=MAX_EVENT_AGE,
            ),
            time_window=scheduler.TimeWindow.off(),
        )
        function_logical_id = stack.get_logical_id(self.function.function.node.default_child)
        acknowledge(
            self.role,
            {
                f"AwsSolutions-IAM5[Resource::<{function_logical_id}.Arn>:*]": "lambda:InvokeFunction on "
                "the scenario scheduler function's own versions and aliases (ARN:*), as grantInvoke writes "
                "it; no other function.",
            },
        )
