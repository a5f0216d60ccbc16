"""Lambda polls the send and connect queues only while they have work (adapters/queue_polling.py),
through the local stack's emulation of Lambda's event source mappings: the minute schedule switches an
empty queue's polling off; a campaign switches it on and is delivered; forwarding keeps it on."""

from __future__ import annotations

import json
import urllib.request
import uuid

import pytest

from daifuku_local.stack import CONNECT_QUEUE_POLLING_ID, LAMBDA_INVOKE_MOUNT, SEND_QUEUE_POLLING_ID
from tests.integration.connect_receiver import wait_for
from tests.integration.scenario_api import fire_scenario_schedule
from tests.integration.test_send_pipeline import start_campaign

pytestmark = pytest.mark.slow


def polling_state(local_stack, mapping_id: str) -> str:
    """The mapping's state as GetEventSourceMapping answers it."""
    url = f"{local_stack.urls.api}{LAMBDA_INVOKE_MOUNT}/2015-03-31/event-source-mappings/{mapping_id}"
    with urllib.request.urlopen(url, timeout=10) as answer:
        return json.load(answer)["State"]


def test_an_idle_send_queue_is_not_polled_and_a_campaign_still_goes_out_at_once(
    local_stack, line, member_table, api, owner
):
    # Given a quiet moment: the minute schedule has found the send queue empty
    wait_for("the idle send queue's polling off", lambda: send_polling(local_stack) == "Disabled", 90)

    # When the owner sends a campaign
    users = [line.create_user(f"待機{n}", follow=True) for n in range(3)]
    marker = uuid.uuid4().hex[:8]
    start_campaign(api, owner, member_table, f"お知らせ {marker}", users)

    # Then every recipient gets it, and once the queue is empty again nobody polls it
    wait_for(
        "the campaign delivered",
        lambda: all(any(marker in m.get("text", "") for m in line.received(u)) for u in users),
        60,
    )
    wait_for("the send queue's polling off again", lambda: send_polling(local_stack) == "Disabled", 90)


def send_polling(local_stack) -> str:
    return polling_state(local_stack, SEND_QUEUE_POLLING_ID)


def connect_polling(local_stack) -> str:
    return polling_state(local_stack, CONNECT_QUEUE_POLLING_ID)


def test_while_webhooks_are_forwarded_the_connect_queue_stays_polled(local_stack, receiver, forward_to):
    wait_for("the idle connect queue's polling off", lambda: connect_polling(local_stack) == "Disabled", 90)
    forward_to(receiver.url("/line/webhook"))
    assert connect_polling(local_stack) == "Enabled"
    # Minutes on, with nothing queued, it is still polled: the other tool must get LINE's requests
    # within a reply token's time.
    for _ in range(3):
        assert fire_scenario_schedule(local_stack.urls.api)["connect_polling"] is True
    assert connect_polling(local_stack) == "Enabled"
    forward_to(None)
    wait_for("the connect queue's polling off", lambda: connect_polling(local_stack) == "Disabled", 90)
