"""EventBridge Scheduler one-time schedules that start campaigns (`at(…)`, deleted after they fire)."""

from __future__ import annotations

import contextlib
from datetime import UTC, datetime
from typing import Any

from pydantic import BaseModel, ConfigDict

from daifuku.models.schedule_events import CampaignStartTrigger


class CampaignScheduleTarget(BaseModel):
    model_config = ConfigDict(frozen=True, defer_build=True)

    group_name: str
    planner_arn: str
    role_arn: str


def schedule_name(campaign_id: str) -> str:
    return f"campaign-{campaign_id}"[:64]


class CampaignSchedules:
    def __init__(self, target: CampaignScheduleTarget, client: Any = None):
        self._target = target
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("scheduler")
        return self._client

    def schedule_start(self, campaign_id: str, at: datetime) -> None:
        """Invoke the planner for `campaign_id` at `at`; Scheduler fires within that minute."""
        when = at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S")
        # A ConflictException means an earlier attempt of the same request scheduled it.
        with contextlib.suppress(self.client.exceptions.ConflictException):
            self.client.create_schedule(
                Name=schedule_name(campaign_id),
                GroupName=self._target.group_name,
                ScheduleExpression=f"at({when})",
                ScheduleExpressionTimezone="UTC",
                FlexibleTimeWindow={"Mode": "OFF"},
                ActionAfterCompletion="DELETE",
                Target={
                    "Arn": self._target.planner_arn,
                    "RoleArn": self._target.role_arn,
                    "Input": CampaignStartTrigger(campaign_id=campaign_id).model_dump_json(),
                    "RetryPolicy": {"MaximumRetryAttempts": 3, "MaximumEventAgeInSeconds": 3600},
                },
            )

    def cancel_start(self, campaign_id: str) -> None:
        # Not found: it already fired, or was never scheduled.
        with contextlib.suppress(self.client.exceptions.ResourceNotFoundException):
            self.client.delete_schedule(Name=schedule_name(campaign_id), GroupName=self._target.group_name)
