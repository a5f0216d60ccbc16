"""`daifuku dlq`: look at the send batches that failed too often, and send them back to the queue
(`--connect`: the outgoing events and forwarded webhooks whose receiver kept failing).

A batch lands in the dead-letter queue after the send queue's maxReceiveCount attempts (LINE down
for a long time, a bad channel token). Redriving is safe: every batch carries the same
X-Line-Retry-Key as before, so LINE accepts it at most once, and the worker skips campaigns that
were cancelled meanwhile.
"""

from __future__ import annotations

import argparse
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

from daifuku.domain.campaigns import SendBatch
from daifuku.domain.connect_delivery import CONNECT_MESSAGE, EventDelivery
from daifuku.domain.scenarios import ScenarioStepBatch, is_scenario_step_batch
from daifuku_cli.failures import UsageError
from daifuku_cli.messages import _
from daifuku_cli.target import Target, add_target_arguments, resolve_target, where_hint


def register(subcommands: Any) -> None:
    parser = subcommands.add_parser("dlq", help="inspect and redrive the send queue's dead-letter queue")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    show = actions.add_parser("show", help="count the dead batches per campaign (nothing changes)")
    add_target_arguments(show)
    show.set_defaults(run=run_show)
    redrive = actions.add_parser("redrive", help="move every dead batch back to the send queue")
    add_target_arguments(redrive)
    redrive.add_argument("--campaign", help="only the batches of this campaign id")
    redrive.set_defaults(run=run_redrive)
    for parser_ in (show, redrive):
        parser_.add_argument(
            "--connect",
            action="store_true",
            help="the connect queue's DLQ instead: outgoing events and forwarded webhooks",
        )


def _dead_batch(body: str) -> tuple[str, int, str]:
    """(campaign id, recipients, which batch) of a dead message: a campaign's batch, or due scenario
    steps (counted as `scenario:<id>`; redriving them is as safe, each step has its retry key)."""
    if is_scenario_step_batch(body):
        steps = ScenarioStepBatch.model_validate_json(body).steps
        return f"scenario:{steps[0].scenario_id if steps else '-'}", len(steps), "steps"
    batch = SendBatch.model_validate_json(body)
    return batch.campaign_id, len(batch.user_ids), f"batch {batch.batch_no}"


def run_show(arguments: argparse.Namespace) -> int:
    target = resolve_target(arguments)
    if arguments.connect:
        return show_connect(target)
    per_campaign: Counter[str] = Counter()
    recipients: Counter[str] = Counter()
    for message in _peek_all(target):
        campaign_id, count, _which = _dead_batch(message["Body"])
        per_campaign[campaign_id] += 1
        recipients[campaign_id] += count
    if not per_campaign:
        print(_("The dead-letter queue is empty."))
        return 0
    print(f"{'campaign':<40} {'batches':>8} {'recipients':>10}")
    for campaign_id, count in sorted(per_campaign.items()):
        print(f"{campaign_id:<40} {count:>8} {recipients[campaign_id]:>10}")
    print(_("Redrive with: daifuku dlq redrive {where}").format(where=where_hint(arguments)))
    return 0


def run_redrive(arguments: argparse.Namespace) -> int:
    target = resolve_target(arguments)
    if arguments.connect:
        return redrive_connect(target)
    moved = kept = 0

    def other_campaign(body: str) -> bool:
        return bool(arguments.campaign) and _dead_batch(body)[0] != arguments.campaign

    # A duplicate batch (a crash between send and delete) is refused by LINE with 409: its retry key.
    for body, was_moved in _redrive(target, target.send_dlq_url, target.send_queue_url, other_campaign):
        if not was_moved:
            kept += 1
            continue
        moved += 1
        campaign_id, count, which = _dead_batch(body)
        print(f"  redriven: {campaign_id} {which} ({count} recipients)")
    print(_("Moved {moved} batch(es) back to the send queue.").format(moved=moved))
    if kept:
        print(_("Left {kept} batch(es) of other campaigns in the dead-letter queue.").format(kept=kept))
    return 0


def connect_queues(target: Target) -> tuple[str, str]:
    """(queue, DLQ) of the connect queue; a UsageError for a stack deployed before it had one."""
    if not (target.connect_queue_url and target.connect_dlq_url):
        raise UsageError(_("This stack has no connect queue: deploy this version first.").format())
    return target.connect_queue_url, target.connect_dlq_url


def show_connect(target: Target) -> int:
    _queue, dlq = connect_queues(target)
    per_target: Counter[str] = Counter()
    for message in _peek_all(target, dlq):
        dead = CONNECT_MESSAGE.validate_json(message["Body"])
        per_target[f"event {dead.endpoint_id}" if isinstance(dead, EventDelivery) else "forwarding"] += 1
    if not per_target:
        print(_("The dead-letter queue is empty."))
        return 0
    print(f"{'target':<40} {'messages':>8}")
    for name, count in sorted(per_target.items()):
        print(f"{name:<40} {count:>8}")
    return 0


def redrive_connect(target: Target) -> int:
    """Every dead message back on the connect queue (its receiver may get an event twice: the
    receivers keep the event ids they have seen)."""
    queue, dlq = connect_queues(target)
    moved = sum(1 for _body, _moved in _redrive(target, dlq, queue))
    print(_("Moved {moved} message(s) back to the connect queue.").format(moved=moved))
    return 0


def _redrive(
    target: Target, dlq: str, queue: str, keep: Callable[[str], bool] = lambda body: False
) -> Iterator[tuple[str, bool]]:
    """Each dead message's body, and whether it was moved back to `queue` (those `keep` says stay).
    Send first, delete second: a crash in between leaves a duplicate, never a lost message."""
    sqs = target.client("sqs")
    while messages := sqs.receive_message(
        QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=60, WaitTimeSeconds=0
    ).get("Messages", []):
        for message in messages:
            if keep(message["Body"]):
                yield message["Body"], False
                continue
            sqs.send_message(QueueUrl=queue, MessageBody=message["Body"])
            sqs.delete_message(QueueUrl=dlq, ReceiptHandle=message["ReceiptHandle"])
            yield message["Body"], True


def _peek_all(target: Target, queue_url: str | None = None) -> list[dict[str, Any]]:
    """Every message in the DLQ, read without deleting (each becomes visible again at once)."""
    sqs = target.client("sqs")
    dlq = queue_url or target.send_dlq_url
    seen: dict[str, dict[str, Any]] = {}
    handles: list[str] = []
    while True:
        answer = sqs.receive_message(
            QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=30, WaitTimeSeconds=0
        )
        messages = answer.get("Messages", [])
        fresh = [m for m in messages if m["MessageId"] not in seen]
        for message in messages:
            seen[message["MessageId"]] = message
            handles.append(message["ReceiptHandle"])
        if not fresh:
            break
    for handle in handles:
        sqs.change_message_visibility(QueueUrl=dlq, ReceiptHandle=handle, VisibilityTimeout=0)
    return list(seen.values())
