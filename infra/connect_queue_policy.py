"""How the connect queue behaves, shared by the CDK ConnectDelivery construct and the local stack (no CDK
imports here)."""

# A message whose receiver kept failing comes back with a backoff (10 s doubling up to 15 min, the
# delivery function's DAIFUKU_CONNECT_RETRY_* settings) this many times, about 80 minutes in all, then
# waits in the DLQ (14 days) for the operator's redrive.
CONNECT_MAX_RECEIVE_COUNT = 12
CONNECT_DELIVERY_TIMEOUT_SECONDS = 30
# AWS's advice for SQS event sources: at least six times the function timeout.
CONNECT_VISIBILITY_TIMEOUT_SECONDS = 6 * CONNECT_DELIVERY_TIMEOUT_SECONDS
# One message per invocation: a slow receiver (up to the 5 s timeout) holds back only its own message.
CONNECT_BATCH_SIZE = 1
# Deliveries at once: enough that a few slow receivers leave the others moving.
CONNECT_MAX_CONCURRENCY = 5
