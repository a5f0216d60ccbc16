"""Each function's memory, chosen by measurement: `python bench/cost.py` prints latency × cost at 256,
512, 1024 and 1769 MB from the CPU time and the waiting each function's requests were measured to
take, and names the best. Read by the CDK construct and by the bench (no CDK import here).

Lambda gives a function CPU in proportion to its memory (one vCPU at 1769 MB): a request that mostly
waits on DynamoDB and LINE costs more at more memory and is hardly faster; one that mostly computes is
as dear at 1769 MB as at 256 MB, and seven times as fast.
"""

from __future__ import annotations

# The request path's choice held in every run; the background functions' (whose waiting on moto is
# most of their time) moved between runs on a busy machine: these are the latest run's.
FUNCTION_MEMORY_MB: dict[str, int] = {
    "webhook": 1024,
    "liff_api": 512,
    # Not yet in the cost bench: its requests wait on DynamoDB as liff_api's do.
    "partner_api": 512,
    "segment_send": 1024,
    "segment_send.planner": 1024,
    "birthday_scheduler": 1769,
    # Not in the cost bench (it runs only when the owner changes the name or colour): drawing two
    # 2500-pixel menus with Pillow is CPU-bound, and 1024 MB finishes them in a few seconds.
    "rich_menu_painter": 1024,
    # Not in the cost bench yet: a delivery is one GetItem, one POST (waiting on the receiver) and one
    # PutItem, nearly all waiting, which the least memory does as fast.
    "connect_delivery": 256,
    # Not measured yet: a handful of Queries and one SQS batch a minute, mostly waiting.
    "scenario_scheduler": 256,
    # Not yet in the cost bench: one verified code, a cached link and one transaction per click,
    # mostly waiting on DynamoDB (bench/clicks.py measures its latency).
    "link_redirect": 512,
}
MEMORY_CHOICES_MB = (256, 512, 1024, 1769)
# The least a function may have, whatever the table says: the planner holds a whole segment's
# recipients, measured at 1,200 friends, not at a large shop's 100,000.
MEMORY_FLOOR_MB: dict[str, int] = {"segment_send.planner": 512}
