"""Who may switch a queue's polling (daifuku/adapters/queue_polling.py): its producers start it, the
minute schedule settles it. Shared by the send pipeline's and the connect construct's queues."""

from __future__ import annotations

from aws_cdk import aws_iam as iam
from aws_cdk import aws_lambda_event_sources as event_sources
from aws_cdk import aws_sqs as sqs

from infra.constructs.daifuku_function import DaifukuFunction


def allow_switching(
    function: DaifukuFunction,
    source: event_sources.SqsEventSource,
    queue: sqs.IQueue,
    setting: str,
    *,
    settles: bool = False,
) -> None:
    """Let `function` switch `source` on (and read its state); with `settles`, also look at the queue's
    backlog to switch it off. `setting` is the Settings field that names the mapping."""
    function.function.add_to_role_policy(
        iam.PolicyStatement(
            actions=["lambda:UpdateEventSourceMapping", "lambda:GetEventSourceMapping"],
            resources=[source.event_source_mapping_arn],
        )
    )
    function.add_environment({setting: source.event_source_mapping_id})
    if settles:
        queue.grant(function.function, "sqs:GetQueueAttributes")
