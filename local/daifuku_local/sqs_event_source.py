"""A local SQS event source mapping: polls a queue and drives a handler with real SQS batch events."""

from __future__ import annotations

import hashlib
import logging
import threading
from typing import Any

from daifuku_local.aws_resources import REGION, aws_client
from daifuku_local.lambda_runtime import LambdaHandler, LocalLambdaContext

log = logging.getLogger("daifuku_local.sqs")


class SqsEventSource:
    """Like Lambda's SQS poller: batches of up to 10, partial batch responses, at most `max_concurrency`;
    switched on and off as an event source mapping is (`enabled`, through LocalLambdaApi)."""

    def __init__(
        self,
        endpoint_url: str,
        queue_url: str,
        handler: LambdaHandler,
        function_name: str,
        max_concurrency: int,
        batch_size: int,
    ):
        self._endpoint_url = endpoint_url
        self._queue_url = queue_url
        self._handler = handler
        self._function_name = function_name
        self._max_concurrency = max_concurrency
        self._batch_size = batch_size
        self._stopping = threading.Event()
        self._enabled = threading.Event()
        self._enabled.set()
        self._threads: list[threading.Thread] = []
        self.invocations = 0

    def start(self) -> None:
        for n in range(self._max_concurrency):
            thread = threading.Thread(target=self._poll, name=f"sqs-poller-{n}", daemon=True)
            thread.start()
            self._threads.append(thread)

    @property
    def enabled(self) -> bool:
        return self._enabled.is_set()

    @enabled.setter
    def enabled(self, enabled: bool) -> None:
        if enabled:
            self._enabled.set()
        else:
            self._enabled.clear()

    def stop(self) -> None:
        self._stopping.set()
        self._enabled.set()  # wakes the pollers waiting for it
        for thread in self._threads:
            thread.join(timeout=5)

    def _poll(self) -> None:
        sqs = aws_client("sqs", self._endpoint_url)
        queue_arn = sqs.get_queue_attributes(QueueUrl=self._queue_url, AttributeNames=["QueueArn"])[
            "Attributes"
        ]["QueueArn"]
        while not self._stopping.is_set():
            if not self._enabled.is_set():
                self._enabled.wait()
                continue
            try:
                received = sqs.receive_message(
                    QueueUrl=self._queue_url,
                    MaxNumberOfMessages=self._batch_size,
                    WaitTimeSeconds=1,
                    AttributeNames=["All"],
                    MessageAttributeNames=["All"],
                )
            except Exception:
                if self._stopping.is_set():
                    return
                log.exception("receive_message failed")
                self._stopping.wait(1)
                continue
            messages = received.get("Messages", [])
            if messages:
                self._deliver(sqs, queue_arn, messages)

    def _deliver(self, sqs: Any, queue_arn: str, messages: list[dict[str, Any]]) -> None:
        event = {"Records": [sqs_record(message, queue_arn) for message in messages]}
        self.invocations += 1
        try:
            result = self._handler(event, LocalLambdaContext(function_name=self._function_name))
        except Exception:
            # A failed invocation returns the whole batch to the queue after its visibility timeout.
            log.exception("%s failed; the batch returns to the queue", self._function_name)
            return
        failed = {item["itemIdentifier"] for item in (result or {}).get("batchItemFailures", [])}
        done = [m for m in messages if m["MessageId"] not in failed]
        if done:
            sqs.delete_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(n), "ReceiptHandle": m["ReceiptHandle"]} for n, m in enumerate(done)],
            )


def sqs_record(message: dict[str, Any], queue_arn: str) -> dict[str, Any]:
    """One record of the event Lambda's SQS event source sends."""
    body = message["Body"]
    return {
        "messageId": message["MessageId"],
        "receiptHandle": message["ReceiptHandle"],
        "body": body,
        "attributes": message.get("Attributes", {}),
        "messageAttributes": {
            name: {
                "stringValue": value.get("StringValue"),
                "binaryValue": value.get("BinaryValue"),
                "stringListValues": [],
                "binaryListValues": [],
                "dataType": value["DataType"],
            }
            for name, value in message.get("MessageAttributes", {}).items()
        },
        "md5OfBody": message.get("MD5OfBody") or hashlib.md5(body.encode()).hexdigest(),
        "eventSource": "aws:sqs",
        "eventSourceARN": queue_arn,
        "awsRegion": REGION,
    }
