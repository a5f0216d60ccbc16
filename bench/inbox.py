"""The staff inbox at a shop's size, and an auto-reply's time against the webhook's floor.

Setup: 3,000 conversations and 100,000 messages written straight through the conversations
repository's item shapes into the local table (moto in server mode), a third of the conversations
unread and waiting for a reply. Then, through the real liff_api behind the API Gateway emulation, as
an owner would:
- the inbox's first pages (30 conversations each: all, 未読, 要返信) and opening conversations: the
  items each read (the routes count what DynamoDB returned), per conversation listed and per message
  shown. Target: items read per listed conversation <= 1.5 (the list reads one summary per row);
- an auto-reply (a keyword rule answered with the reply token) through the real webhook, against the
  same requests to a signature-only webhook (the floor) on the same machine, interleaved: the wall
  time per request of each, for information (moto's speed dominates both).

Usage: python bench/inbox.py [--conversations N] [--messages N]
The last line: `BENCH inbox items_read_per_listed_conversation=<x> target <= 1.5 met|missed`.
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import statistics
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [
    str(REPO_ROOT),
    str(REPO_ROOT / "local"),
    str(REPO_ROOT / "bench"),
    str(REPO_ROOT / "layers/shared"),
]

from handler_process import signature_only_handler  # noqa: E402
from local_api import local_api_world, serve_api, signed_post  # noqa: E402

from daifuku.adapters.dynamodb.conversations import LISTED, inbox_position, incoming_message_writes  # noqa: E402
from daifuku.adapters.dynamodb.keys import conversation_key, staff_key  # noqa: E402
from daifuku.adapters.dynamodb.table import TableGateway  # noqa: E402
from daifuku.domain.friend_records import ReceivedMessage  # noqa: E402
from daifuku_local.aws_resources import local_table  # noqa: E402
from daifuku_local.line_platform.webhook_events import text_message_event  # noqa: E402

TARGET = 1.5
WRITERS = 4
OPENED = 3
PAGE = 30


def seed(table: Any, conversations: int, messages: int) -> list[str]:
    """The conversations' items as the webhook writes them (four writers at once); the user ids,
    newest conversation first."""
    users = ["U" + uuid.uuid4().hex for _ in range(conversations)]
    start = datetime.now(UTC) - timedelta(days=30)
    per_user, extra = divmod(messages, conversations)

    def write(part: int) -> None:
        gateway = TableGateway.of(table)
        with gateway.batch_writer() as batch:
            for n in range(part, conversations, WRITERS):
                user, count = users[n], per_user + (1 if n < extra else 0)
                last = start + timedelta(minutes=n)
                for m in range(count):
                    at = last - timedelta(seconds=count - m)
                    received = ReceivedMessage(
                        "message:text", f"ベンチのメッセージ{m}", line_message_id=str(m)
                    )
                    put, _ = incoming_message_writes(user, at, f"E{n:05d}{m:04d}", received)
                    batch.put_item(Item=put["Put"]["Item"])
                batch.put_item(Item=summary_item(n, user, last))

    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        list(pool.map(write, range(WRITERS)))
    return list(reversed(users))


def summary_item(n: int, user: str, last: datetime) -> dict[str, Any]:
    """A conversation's summary as the webhook's writes leave it; every third unread and waiting."""
    summary: dict[str, Any] = {
        **conversation_key(user),
        "user_id": user,
        "last_message_at": last.isoformat(),
        "last_message_preview": "ベンチのメッセージ",
        "last_direction": "in",
        "inbox": LISTED,
        "inbox_at": inbox_position(last, user),
        "unread_count": 0,
        "needs_reply": False,
        "display_name": f"ベンチ{n}",
    }
    if n % 3 == 0:
        summary |= {
            "unread_count": 2,
            "needs_reply": True,
        }
    return summary


def call(api_url: str, method: str, path: str, token: str, body: Any = None) -> dict[str, Any]:
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{api_url}{path}", data=data, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if data is not None:
        request.add_header("Content-Type", "application/json")
    with urllib.request.urlopen(request, timeout=120) as response:
        return dict(json.loads(response.read()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--conversations", type=int, default=3000)
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--auto-replies", type=int, default=20)
    arguments = parser.parse_args()
    logging.getLogger("werkzeug").setLevel(logging.WARNING)

    with local_api_world() as world:
        table = local_table(world.aws_endpoint, world.resources.table_name)
        started = time.perf_counter()
        users = seed(table, arguments.conversations, arguments.messages)
        print(
            f"seeded {arguments.conversations} conversations, {arguments.messages} messages "
            f"in {time.perf_counter() - started:.0f} s"
        )
        simulator = world.simulator
        owner = simulator.create_user("ベンチ店長").user_id
        table.put_item(Item={**staff_key(owner), "role": "owner"})
        token = simulator.id_tokens.issue(owner, "ベンチ店長", None)
        api = serve_api()
        try:
            listed = read = 0
            for list_filter in ("all", "unread", "needs_reply"):
                before = None
                for _ in range(3):
                    query = f"filter={list_filter}&limit={PAGE}" + (f"&before={before}" if before else "")
                    answer = call(api.url, "GET", f"/liff/api/staff/conversations?{query}", token)
                    listed += len(answer["conversations"])
                    read += answer["items_read"]
                    before = answer["next"]
            per_listed = read / listed
            print(
                f"inbox list: {listed} conversations listed, {read} items read "
                f"= {per_listed:.2f} per conversation"
            )

            shown = opened_read = 0
            for user in random.Random(7).sample(users, OPENED):
                answer = call(api.url, "POST", f"/liff/api/staff/conversations/{user}/open", token)
                shown += len(answer["messages"])
                opened_read += answer["items_read"]
            print(
                f"open: {OPENED} conversations, {shown} messages shown, {opened_read} conversation items "
                f"read = {opened_read / shown:.2f} per message shown (the member panel's reads aside)"
            )

            # An auto-reply against the signature-only floor, interleaved
            keyword = "営業時間"
            rule = {
                "name": "営業時間",
                "match": "contains",
                "keywords": [keyword],
                "answer": "text",
                "text": "10時から19時です。",
            }
            call(api.url, "PUT", "/liff/api/staff/auto-replies/bench", token, rule)
            floor = serve_api({"webhook": signature_only_handler(world.channel.channel_secret)})
            customers = [simulator.create_user(f"ベンチ客{n}").user_id for n in range(arguments.auto_replies)]
            for customer in customers:
                simulator.users[customer].following = True
            real_seconds: list[float] = []
            floor_seconds: list[float] = []
            try:
                for n, customer in enumerate(customers):
                    token_ = simulator.simulated_users.issue_reply_token(customer)
                    body = simulator.webhook_body(
                        [text_message_event(customer, token_, f"{keyword}を教えてください")]
                    )
                    signature = simulator.sign(body)
                    seconds = signed_post(f"{api.url}/webhook", body, signature)
                    if n >= 3:  # the first requests warm imports and clients
                        real_seconds.append(seconds)
                        floor_seconds.append(signed_post(f"{floor.url}/webhook", body, signature))
            finally:
                floor.stop()
            answered = sum(
                1
                for c in customers
                for e in simulator.transcripts[c]
                if e.direction == "to_user" and e.via == "reply"
            )
            real_ms, floor_ms = (
                1000 * statistics.median(real_seconds),
                1000 * statistics.median(floor_seconds),
            )
            print(
                f"auto-reply: {answered}/{len(customers)} answered; webhook-to-reply median "
                f"{real_ms:.1f} ms, signature-only floor {floor_ms:.1f} ms "
                f"= {real_ms / floor_ms:.1f}x (for information)"
            )
        finally:
            api.stop()
        assert simulator.violations == [], json.dumps(simulator.violations)[:500]

    verdict = "met" if per_listed <= TARGET else "missed"
    print(f"BENCH inbox items_read_per_listed_conversation={per_listed:.2f} target <= {TARGET} {verdict}")


if __name__ == "__main__":
    main()
