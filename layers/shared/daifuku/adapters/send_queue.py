"""The SQS send queue: SendBatches in, for the push worker (functions/segment_send)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from daifuku.domain.campaigns import SendBatch
from daifuku.domain.scenarios import ScenarioStepBatch

if TYPE_CHECKING:
    from daifuku.adapters.queue_polling import QueuePolling


class SendQueue:
    def __init__(self, queue_url: str, client: Any = None, polling: QueuePolling | None = None):
        self._queue_url = queue_url
        self._client = client
        self._polling = polling  # started after each enqueue

    @property
    def client(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("sqs")
        return self._client

    def enqueue_steps(self, batches: tuple[ScenarioStepBatch, ...]) -> None:
        """Due scenario steps, for the same push workers as the campaigns' batches."""
        self.enqueue(batches)

    def enqueue(self, batches: tuple[SendBatch | ScenarioStepBatch, ...]) -> None:
        for start in range(0, len(batches), 10):
            chunk = batches[start : start + 10]
            answer = self.client.send_message_batch(
                QueueUrl=self._queue_url,
                Entries=[
                    {"Id": str(n), "MessageBody": batch.model_dump_json()} for n, batch in enumerate(chunk)
                ],
            )
            if answer.get("Failed"):
                raise RuntimeError(f"SQS refused {len(answer['Failed'])} send batches")
        if batches and self._polling is not None:
            self._polling.start()

    def retry_later(self, receipt_handle: str, seconds: int) -> None:
        """Bring a message back after `seconds` rather than the queue's whole visibility timeout."""
        self.client.change_message_visibility(
            QueueUrl=self._queue_url, ReceiptHandle=receipt_handle, VisibilityTimeout=seconds
        )
