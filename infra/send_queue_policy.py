"""How the send queue behaves, shared by the CDK SendPipeline and the local stack (no CDK imports here)."""

# A job that fails this often is poison (a bad body, a blocked channel): it waits in the DLQ for a person.
SEND_MAX_RECEIVE_COUNT = 5
PUSH_WORKER_TIMEOUT_SECONDS = 30
# AWS's advice for SQS event sources: a visibility timeout of at least six times the function timeout,
# so that a batch is not delivered again while Lambda is still retrying a throttled invocation.
SEND_VISIBILITY_TIMEOUT_SECONDS = 6 * PUSH_WORKER_TIMEOUT_SECONDS
# One send batch (a multicast of up to 500, or up to 100 pushes) per invocation: each worker paces
# itself, so a worker holding ten batches while another holds none would leave its share unused.
SEND_BATCH_SIZE = 1
