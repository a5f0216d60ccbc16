"""Connect records: the webhook forwarding, the outgoing-event endpoints and their delivery logs."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import timedelta

from daifuku.adapters.dynamodb.keys import (
    CONNECT_FORWARDING,
    DELIVERY_ATTEMPT,
    EVENT_ENDPOINT,
    utc,
)
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.domain.connect_delivery import DeliveryAttempt
from daifuku.domain.connect_desk import Forwarding
from daifuku.domain.shop_events import EventEndpoint
from daifuku.table_schema import MEMBER_TABLE

# The owner reads the recent deliveries; DynamoDB's TTL removes the rest.
DELIVERY_LOG_KEPT_FOR = timedelta(days=30)
ENDPOINT_SK_PREFIX = EVENT_ENDPOINT.sk_prefix()


@dataclass(frozen=True)
class ConnectRepository:
    _gateway: TableGateway

    def forwarding(self) -> Forwarding:
        item = self._gateway.get(CONNECT_FORWARDING.key(), consistent=False)
        return Forwarding.model_validate(item.get("forwarding", {})) if item else Forwarding()

    def save_forwarding(self, forwarding: Forwarding) -> None:
        self._gateway.put({**CONNECT_FORWARDING.key(), "forwarding": forwarding.model_dump(mode="json")})

    def event_endpoints(self) -> list[EventEndpoint]:
        items = self._gateway.query(
            KeyConditionExpression="pk = :connect AND begins_with(sk, :endpoint)",
            ExpressionAttributeValues={":connect": EVENT_ENDPOINT.pk, ":endpoint": ENDPOINT_SK_PREFIX},
        )
        return [EventEndpoint.model_validate(item["endpoint"]) for item in items]

    def event_endpoint(self, endpoint_id: str) -> EventEndpoint | None:
        item = self._gateway.get(EVENT_ENDPOINT.key(endpoint_id=endpoint_id))
        return EventEndpoint.model_validate(item["endpoint"]) if item else None

    def add_event_endpoint(self, endpoint: EventEndpoint) -> None:
        self._gateway.put(
            {
                **EVENT_ENDPOINT.key(endpoint_id=endpoint.endpoint_id),
                "endpoint": endpoint.model_dump(mode="json"),
            }
        )

    def remove_event_endpoint(self, endpoint_id: str) -> bool:
        return self._gateway.delete(EVENT_ENDPOINT.key(endpoint_id=endpoint_id))

    def record_delivery_attempt(self, attempt: DeliveryAttempt) -> None:
        kept_until = int((attempt.at + DELIVERY_LOG_KEPT_FOR).timestamp())
        key = DELIVERY_ATTEMPT.key(
            target=attempt.target, at=utc(attempt.at), attempt_id=uuid.uuid4().hex[:12]
        )
        self._gateway.put(
            {**key, "attempt": attempt.model_dump(mode="json"), MEMBER_TABLE.ttl_attribute: kept_until}
        )

    def delivery_attempts(self, target: str, limit: int) -> list[DeliveryAttempt]:
        items = self._gateway.query_page(
            KeyConditionExpression="pk = :log",
            ExpressionAttributeValues={":log": DELIVERY_ATTEMPT.pk.format(target=target)},
            ScanIndexForward=False,
            Limit=limit,
        )
        return [DeliveryAttempt.model_validate(item["attempt"]) for item in items]
