"""/liff/api/staff/conversations*, saved replies and the owners' auto-replies: the トーク tab.

Declared through staff_routes.staff_route (the role check and the route table the tests walk);
imported by the handler before the staff router is included. Message texts never reach the logs.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools import Logger

from daifuku.domain.campaign_planning import QuotaStanding
from daifuku.domain.errors import LineRequestFailed
from daifuku.domain.inbox import InboxDesk
from daifuku.models.conversations import (
    AlertsRequest,
    AutoReplyRuleRequest,
    ConversationSettings,
    ConversationSettingsRequest,
    InboxQuery,
    InboxReplyRequest,
    SavedReplyRequest,
    TestMatchRequest,
)
from daifuku.tracing import function_tracer
from daifuku.wiring import current_wiring
from functions.liff_api.request_context import staff_desk
from functions.liff_api.staff_routes import body_as, caller, query_as, router, staff_route

logger = Logger(service="liff_api")
tracer = function_tracer("liff_api")


def inbox_desk() -> InboxDesk:
    wiring = current_wiring()
    return InboxDesk(
        wiring.table.conversations(),
        wiring.line(),
        staff_desk(router),
        clock=wiring.clock,
        scenarios=wiring.table.scenarios(),
    )


def _log_notes(desk: InboxDesk) -> None:
    for note in desk.notes:
        logger.warning("conversation side effect", extra={"note": note})


# The inbox


@staff_route("GET", "/conversations")
@tracer.capture_method
def conversations() -> dict[str, Any]:
    desk = inbox_desk()
    shown, cursor = desk.conversations(query_as(InboxQuery))
    return {
        "conversations": [summary.listed() for summary in shown],
        "next": cursor,
        "items_read": desk.records.items_read,
    }


@staff_route("GET", "/conversations/quota")
@tracer.capture_method
def reply_quota() -> dict[str, Any]:
    """What a reply costs (one message of the monthly quota) and what is left this month."""
    try:
        standing = QuotaStanding.read(current_wiring().line())
    except LineRequestFailed as error:
        logger.warning("quota unavailable", extra={"status": error.status})
        return {"cost": 1, "quota": None}
    return {"cost": 1, "quota": standing.model_dump() | {"remaining": standing.remaining}}


@staff_route("POST", "/conversations/<user_id>/open", read_only=True)
@tracer.capture_method
def open_conversation(user_id: str) -> dict[str, Any]:
    """The conversation with the member panel; marks it read (here, and 既読 for the customer)."""
    desk = inbox_desk()
    view = desk.open(user_id)
    _log_notes(desk)
    answer = view.as_json(current_wiring().message_images)
    answer["items_read"] = desk.records.items_read
    return answer


@staff_route("POST", "/conversations/<user_id>/replies")
@tracer.capture_method
def reply(user_id: str) -> dict[str, Any]:
    return inbox_desk().reply(caller(), user_id, body_as(InboxReplyRequest))


@staff_route("POST", "/conversations/<user_id>/handled")
@tracer.capture_method
def handled(user_id: str) -> dict[str, Any]:
    inbox_desk().mark_handled(caller(), user_id)
    return {"needs_reply": False}


# Saved replies (定型文) and alerts


@staff_route("GET", "/saved-replies")
@tracer.capture_method
def saved_replies() -> dict[str, Any]:
    return {"saved_replies": [r.model_dump(mode="json") for r in inbox_desk().saved_replies()]}


@staff_route("PUT", "/saved-replies/<saved_reply_id>")
@tracer.capture_method
def save_saved_reply(saved_reply_id: str) -> dict[str, Any]:
    reply = inbox_desk().add_saved_reply(caller(), saved_reply_id, body_as(SavedReplyRequest))
    return reply.model_dump(mode="json")


@staff_route("DELETE", "/saved-replies/<saved_reply_id>")
@tracer.capture_method
def delete_saved_reply(saved_reply_id: str) -> dict[str, Any]:
    inbox_desk().delete_saved_reply(caller(), saved_reply_id)
    return {"deleted": saved_reply_id}


@staff_route("GET", "/conversation-alerts")
@tracer.capture_method
def alerts() -> dict[str, Any]:
    return {"new_message_alerts": inbox_desk().records.wants_alerts(caller())}


@staff_route("PUT", "/conversation-alerts")
@tracer.capture_method
def set_alerts() -> dict[str, Any]:
    wanted = body_as(AlertsRequest).new_message_alerts
    inbox_desk().set_alerts(caller(), wanted)
    return {"new_message_alerts": wanted}


# The owner's auto-replies


@staff_route("GET", "/auto-replies", owner_only=True)
@tracer.capture_method
def auto_replies() -> dict[str, Any]:
    rules, settings = inbox_desk().rules()
    return {
        "rules": [rule.model_dump(mode="json") for rule in rules],
        "settings": settings.model_dump(mode="json"),
    }


@staff_route("PUT", "/auto-replies/<rule_id>", owner_only=True)
@tracer.capture_method
def save_auto_reply(rule_id: str) -> dict[str, Any]:
    return inbox_desk().save_rule(caller(), rule_id, body_as(AutoReplyRuleRequest)).model_dump(mode="json")


@staff_route("DELETE", "/auto-replies/<rule_id>", owner_only=True)
@tracer.capture_method
def delete_auto_reply(rule_id: str) -> dict[str, Any]:
    inbox_desk().delete_rule(caller(), rule_id)
    return {"deleted": rule_id}


@staff_route("PUT", "/auto-reply-settings", owner_only=True)
@tracer.capture_method
def save_auto_reply_settings() -> dict[str, Any]:
    settings = ConversationSettings.model_validate(body_as(ConversationSettingsRequest).model_dump())
    inbox_desk().save_settings(caller(), settings)
    return settings.model_dump(mode="json")


@staff_route("POST", "/auto-replies/test", owner_only=True, read_only=True)
@tracer.capture_method
def test_match() -> dict[str, Any]:
    """The test-match box: which rule would answer this text or button (nothing is sent)."""
    rule = inbox_desk().test_match(body_as(TestMatchRequest))
    return {"rule": rule.model_dump(mode="json") if rule else None}
