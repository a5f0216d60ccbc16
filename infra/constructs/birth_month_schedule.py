"""The monthly birth-month campaign: an EventBridge Scheduler schedule in the shop's time zone."""

from __future__ import annotations

from aws_cdk import ArnFormat, Duration, Stack, TimeZone
from aws_cdk import aws_scheduler as scheduler
from aws_cdk import aws_scheduler_targets as targets
from constructs import Construct

from infra.constructs.daifuku_function import DaifukuFunction
from infra.nag import acknowledge
from infra.scheduler_role import scheduler_role

# Scheduler retries a failed invocation a few times within the hour, with the same scheduled time.
RETRY_ATTEMPTS = 3
MAX_EVENT_AGE = Duration.hours(1)


class BirthMonthSchedule(Construct):
    """Invokes the birthday scheduler function: the monthly run at `expression`, the daily catch-up at
    `catch_up_expression` (cron expressions in `timezone`)."""

    def __init__(
        self,
        scope: Construct,
        construct_id: str,
        *,
        target: DaifukuFunction,
        expression: str,
        catch_up_expression: str,
        timezone: str,
    ):
        super().__init__(scope, construct_id)
        stack = Stack.of(self)
        self.role = scheduler_role(
            self,
            "Daifuku birth-month schedule: invokes the birthday scheduler function",
            stack.format_arn(
                service="scheduler",
                resource="schedule-group",
                resource_name="default",
                arn_format=ArnFormat.SLASH_RESOURCE_NAME,
            ),
        )
        runs = {
            "Schedule": ("the birth-month campaign, once a month", expression, "birth-month-schedule"),
            "CatchUpSchedule": (
                "the birth-month message for members who registered since the last run",
                catch_up_expression,
                "birth-month-catch-up",
            ),
        }
        self.schedules = [
            scheduler.Schedule(
                self,
                construct_id,
                description=f"Daifuku: {description}",
                schedule=scheduler.ScheduleExpression.expression(cron, TimeZone.of(timezone)),
                # The target grants the role lambda:InvokeFunction on this one function and nothing else.
                target=targets.LambdaInvoke(
                    target.function,
                    role=self.role,
                    # The scheduled (not the actual) time: a retried invocation plans the same month.
                    input=scheduler.ScheduleTargetInput.from_object(
                        {"source": source, "fired_at": scheduler.ContextAttribute.scheduled_time}
                    ),
                    retry_attempts=RETRY_ATTEMPTS,
                    max_event_age=MAX_EVENT_AGE,
                ),
                time_window=scheduler.TimeWindow.off(),
            )
            for construct_id, (description, cron, source) in runs.items()
        ]
        function_logical_id = stack.get_logical_id(target.function.node.default_child)
        acknowledge(
            self.role,
            {
                f"AwsSolutions-IAM5[Resource::<{function_logical_id}.Arn>:*]": "lambda:InvokeFunction on "
                "the birthday scheduler function's own versions and aliases (ARN:*), as grantInvoke writes "
                "it; no other function.",
            },
        )
