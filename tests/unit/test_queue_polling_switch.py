"""The switch of a queue's polling (adapters/queue_polling.py) against a scripted Lambda API and queue."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from daifuku.adapters.queue_polling import QueuePolling
from daifuku.adapters.sqs_queue import SqsQueue
from daifuku.domain.campaigns import SendBatch
from daifuku.domain.connect_delivery import WebhookForward


class FakeAws:
    """One event source mapping and its queue, as Lambda's and SQS's APIs answer for them."""

    def __init__(self, state: str = "Enabled", backlog: list[int] | None = None, refuse: bool = False):
        self.state = state
        self.backlogs = list(backlog or [0])
        self.switches: list[bool] = []
        self.refuse = refuse

    def client(self, service: str) -> Any:
        return self

    def get_event_source_mapping(self, UUID: str) -> dict[str, Any]:
        return {"UUID": UUID, "State": self.state}

    def update_event_source_mapping(self, UUID: str, Enabled: bool) -> dict[str, Any]:
        if self.refuse:
            raise RuntimeError("ResourceInUseException")
        self.switches.append(Enabled)
        self.state = "Enabled" if Enabled else "Disabled"
        return {"UUID": UUID, "State": self.state}

    def get_queue_attributes(self, QueueUrl: str, AttributeNames: list[str]) -> dict[str, Any]:
        waiting = self.backlogs.pop(0) if len(self.backlogs) > 1 else self.backlogs[0]
        return {"Attributes": {"ApproximateNumberOfMessages": str(waiting)}}


def polling(aws: FakeAws, now: list[float] | None = None) -> QueuePolling:
    clock = now if now is not None else [0.0]
    return QueuePolling("uuid", "https://sqs/queue", aws, monotonic=lambda: clock[0])


def test_an_empty_queue_is_switched_off_and_a_queue_with_work_on():
    idle = FakeAws(state="Enabled", backlog=[0])
    assert polling(idle).settle() is False
    assert idle.switches == [False]

    stranded = FakeAws(state="Disabled", backlog=[3])
    assert polling(stranded).settle() is True
    assert stranded.switches == [True]


def test_a_message_put_on_while_it_was_switched_off_switches_it_on_again():
    aws = FakeAws(state="Enabled", backlog=[0, 1])
    assert polling(aws).settle() is True
    assert aws.switches == [False, True]


def test_forwarding_keeps_an_empty_queue_polled():
    aws = FakeAws(state="Disabled", backlog=[0])
    assert polling(aws).settle(keep_on=True) is True
    assert aws.switches == [True]


def test_a_burst_of_starts_makes_one_call_and_a_failed_start_is_left_to_the_minute():
    aws, now = FakeAws(state="Disabled"), [100.0]
    queue = polling(aws, now)
    for _ in range(5):
        queue.start()
    assert aws.switches == [True]
    now[0] += 60
    queue.start()
    assert aws.switches == [True, True]

    refusing = FakeAws(state="Disabled", refuse=True)
    polling(refusing).start()  # does not raise: the enqueue it follows has happened
    assert refusing.state == "Disabled"


class RecordingPolling:
    def __init__(self) -> None:
        self.starts = 0

    def start(self) -> None:
        self.starts += 1


class AcceptingSqs:
    def send_message_batch(self, QueueUrl: str, Entries: list[dict[str, Any]]) -> dict[str, Any]:
        return {"Successful": Entries}


def test_whoever_enqueues_starts_the_polling_once_and_an_empty_enqueue_starts_nothing():
    batches = tuple(SendBatch(campaign_id="c", batch_no=n, user_ids=(f"U{n:032x}",)) for n in range(12))
    polling = RecordingPolling()
    SqsQueue("https://sqs/send", client=AcceptingSqs(), polling=polling).enqueue(batches)  # two SQS calls
    SqsQueue("https://sqs/send", client=AcceptingSqs(), polling=polling).enqueue(())
    assert polling.starts == 1

    events = RecordingPolling()
    forward = WebhookForward(
        url="https://old.example.com/wh",
        body_base64="e30=",
        line_signature="s",
        received_at=datetime(2026, 12, 6, tzinfo=UTC),
    )
    SqsQueue("https://sqs/connect", client=AcceptingSqs(), polling=events).enqueue([forward])
    SqsQueue("https://sqs/connect", client=AcceptingSqs(), polling=events).enqueue([])
    assert events.starts == 1
