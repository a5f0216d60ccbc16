"""`python -m daifuku_local.moto_server`: moto's server, with DynamoDB requests applied one at a time.

moto's DynamoDB backend is not thread-safe, and its server is threaded: TransactWriteItems snapshots
each table, checks, writes, and on a failed condition restores the snapshot, wiping whatever another
request wrote meanwhile; two conditional writes can both pass their checks. Real DynamoDB applies
each request atomically, and Daifuku's member numbering relies on it (200 concurrent registrations
must give 200 distinct numbers). Serialising DynamoDB requests restores that guarantee locally.
"""

from __future__ import annotations

import functools
import threading
from typing import Any

from moto.dynamodb.responses import DynamoHandler
from moto.server import main

_dynamodb_lock = threading.Lock()
_unsafe_call_action = DynamoHandler.call_action


@functools.wraps(_unsafe_call_action)
def _one_at_a_time(self: DynamoHandler) -> Any:
    with _dynamodb_lock:
        return _unsafe_call_action(self)


DynamoHandler.call_action = _one_at_a_time  # type: ignore[method-assign]

if __name__ == "__main__":
    main()
