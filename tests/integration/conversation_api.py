"""The conversations' calls, for tests and benchmarks: the owner's rules and settings, the inbox."""

from __future__ import annotations

import contextlib
import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Any

from tests.integration.member_api import MemberApi

STAFF = "/liff/api/staff"


def a_rule(**fields: Any) -> dict[str, Any]:
    """A text-answer rule on a keyword no other test's customer types."""
    return {
        "name": "テスト",
        "match": "exact",
        "keywords": [f"合言葉{uuid.uuid4().hex[:6]}"],
        "answer": "text",
        "text": "お答えします。",
        **fields,
    }


class AutoReplies:
    """The owner's rules, each removed (and the settings put back) when the test ends."""

    def __init__(self, api: MemberApi, owner: str):
        self.api, self.owner = api, owner
        self.rule_ids: list[str] = []

    def add(self, **fields: Any) -> dict[str, Any]:
        rule_id = uuid.uuid4().hex[:12]
        status, rule = self.api.call("PUT", f"{STAFF}/auto-replies/{rule_id}", self.owner, a_rule(**fields))
        assert status == 200, rule
        self.rule_ids.append(rule_id)
        return rule

    def settings(self, **fields: Any) -> dict[str, Any]:
        status, settings = self.api.call("PUT", f"{STAFF}/auto-reply-settings", self.owner, fields)
        assert status == 200, settings
        return settings

    def remove_all(self) -> None:
        for rule_id in self.rule_ids:
            self.api.call("DELETE", f"{STAFF}/auto-replies/{rule_id}", self.owner)
        self.settings()


@contextlib.contextmanager
def auto_replies(api: MemberApi, owner: str) -> Iterator[AutoReplies]:
    rules = AutoReplies(api, owner)
    try:
        yield rules
    finally:
        rules.remove_all()


def inbox(api: MemberApi, staff: str, **query: str) -> dict[str, Any]:
    path = f"{STAFF}/conversations"
    if query:
        path += "?" + urllib.parse.urlencode(query)
    status, answer = api.call("GET", path, staff)
    assert status == 200, answer
    return answer


def open_conversation(api: MemberApi, staff: str, user: str) -> dict[str, Any]:
    status, answer = api.call("POST", f"{STAFF}/conversations/{user}/open", staff)
    assert status == 200, answer
    return answer


def reply(api: MemberApi, staff: str, user: str, text: str, reply_id: str | None = None) -> tuple[int, dict]:
    body = {"reply_id": reply_id or uuid.uuid4().hex, "text": text}
    return api.call("POST", f"{STAFF}/conversations/{user}/replies", staff, body)
