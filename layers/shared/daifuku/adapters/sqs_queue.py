"""The SQS queues the functions put work on, one class for both: the send queue (SendBatches and due
scenario steps, for the push worker, functions/segment_send) and the connect queue (outgoing events
and forwarded webhook requests, for functions/connect_delivery). Each message is a model's JSON."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

if TYPE_CHECKING:
    from daifuku.adapters.queue_polling import QueuePolling

SQS_BATCH_LIMIT = 10  # messages per SendMessageBatch


class SqsQueue:
    def __init__(
        self, queue_url: str, session: Any = None, client: Any = None, polling: QueuePolling | None = None
    ):
        self._queue_url = queue_url
        self._session = session
        self._client = client
        self._polling = polling  # started after each enqueue

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = (self._session or boto3).client("sqs")
        return self._client

    def enqueue(self, messages: Sequence[BaseModel]) -> None:
        for start in range(0, len(messages), SQS_BATCH_LIMIT):
            chunk = messages[start : start + SQS_BATCH_LIMIT]
            answer = self.client.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[{"Id": str(n), "MessageBody": m.model_dump_json()} for n, m in enumerate(chunk)],
            )
            if answer.get("Failed"):
                raise RuntimeError(f"SQS refused {len(answer['Failed'])} of {len(chunk)} messages")
        if messages and self._polling is not None:
            self._polling.start()

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """Bring a message back after `seconds` (its backoff) rather than the queue's visibility timeout."""
        self.client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
