"""Tracked links: a URL in a message goes out as `<api>/r/<code>`, and a click is counted once per
recipient and link before the customer is sent on to the URL.

The code is 34 bytes in base64url (46 characters): the link's id (6 bytes), the recipient's LINE user
id (16 bytes: `U` and 32 hex digits) and 12 bytes of HMAC-SHA256 over both, keyed by a key derived from
the channel secret. So a code cannot be guessed, altered or carried to another shop (another channel,
another key), and it is checked without reading anything. The link's URL is never in the code: it is
read from the link's record, which exists only for URLs that a message of this shop contained, so the
redirect cannot be made an open redirect.

What the redirect decides (`ClickDesk.follow`):
- a code that does not verify, or whose link is unknown: to the shop's page, nothing recorded;
- a link preview fetcher or a HEAD request: to the URL, nothing recorded;
- otherwise the click is recorded (once per recipient and link; the first one runs the link's click
  actions) and the customer goes to the URL.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict

from daifuku.clock import system_clock

SIGNING_KEY_LABEL = b"daifuku-tracked-link"
LINK_ID_BYTES = 6
USER_ID_BYTES = 16
SIGNATURE_BYTES = 12
CODE_BYTES = LINK_ID_BYTES + USER_ID_BYTES + SIGNATURE_BYTES
USER_ID = re.compile(r"^U[0-9a-f]{32}$")
CODE = re.compile(r"^[A-Za-z0-9_-]{46}$")
REDIRECT_PATH = "/r/"
# A URL in a text message ends at white space, a quote, an angle bracket or Japanese punctuation and
# brackets (「詳しくはhttps://example.jp/a。」).
URL_IN_TEXT = re.compile(r"https?://[^\s<>\"'「」『』（）、。！？]+")
# Who fetches a URL without being the customer: LINE's link preview (facebookexternalhit/1.1;
# line-poker/1.0), other services' previews and crawlers.
PREVIEW_AGENTS = re.compile(
    r"facebookexternalhit|line-poker|Twitterbot|Slackbot|Discordbot|WhatsApp|TelegramBot|"
    r"LinkedInBot|Googlebot|bingbot|Applebot|crawler|spider|preview|curl/|python-requests|Go-http-client",
    re.IGNORECASE,
)


def link_signing_key(channel_secret: str) -> bytes:
    """The deployment's tracked-link key, derived from the channel secret (as the card token's is):
    no further secret to keep, and another shop's channel gives another key."""
    return hmac.new(SIGNING_KEY_LABEL, channel_secret.encode(), hashlib.sha256).digest()


def link_id_for(source: str, url: str) -> str:
    """The link's id: the same URL in the same send (`campaign:<id>`) always gets the same id, so a
    retried send registers it once. Not secret: the code's signature is."""
    digest = hashlib.sha256(f"{source}\n{url}".encode()).digest()[:LINK_ID_BYTES]
    return base64.urlsafe_b64encode(digest).decode()


class TrackedLink(BaseModel):
    """One URL of one send, with what a first click does."""

    model_config = ConfigDict(defer_build=True, frozen=True)

    link_id: str
    url: str
    source: str  # `campaign:<id>` (or a scenario step's, an auto-reply's)
    click_tag: str | None = None
    click_scenario_id: str | None = None  # a first click starts this (manual-trigger) scenario


@dataclass(frozen=True)
class LinkCodes:
    """Makes and checks the codes of one deployment (its key) on its API (`api_base_url`)."""

    key: bytes
    api_base_url: str

    def code(self, link_id: str, user_id: str) -> str:
        if not USER_ID.match(user_id):
            raise ValueError("not a LINE user id")
        body = base64.urlsafe_b64decode(link_id) + bytes.fromhex(user_id[1:])
        return base64.urlsafe_b64encode(body + self._signature(body)).decode().rstrip("=")

    def url(self, link_id: str, user_id: str) -> str:
        return f"{self.api_base_url.rstrip('/')}{REDIRECT_PATH}{self.code(link_id, user_id)}"

    def read(self, code: str) -> tuple[str, str] | None:
        """(link id, user id) of a code made with this key; None for anything else."""
        if not CODE.match(code):
            return None
        try:
            raw = base64.urlsafe_b64decode(code + "==")
        except (binascii.Error, ValueError):
            return None
        if len(raw) != CODE_BYTES:
            return None
        body, signature = raw[:-SIGNATURE_BYTES], raw[-SIGNATURE_BYTES:]
        if not hmac.compare_digest(signature, self._signature(body)):
            return None
        link_id = base64.urlsafe_b64encode(body[:LINK_ID_BYTES]).decode()
        return link_id, "U" + body[LINK_ID_BYTES:].hex()

    def _signature(self, body: bytes) -> bytes:
        return hmac.new(self.key, body, hashlib.sha256).digest()[:SIGNATURE_BYTES]


def urls_in(messages: list[dict[str, Any]]) -> list[str]:
    """Every http(s) URL of `messages` (LINE's wire format) that would be tracked, in order, once."""
    found: dict[str, None] = {}

    def note(url: str) -> str:
        found[url] = None
        return url

    _rewrite_all(messages, note)
    return list(found)


def tracked_messages(
    messages: list[dict[str, Any]], links: dict[str, TrackedLink], codes: LinkCodes, user_id: str
) -> list[dict[str, Any]]:
    """`messages` for `user_id`, each URL of `links` (by URL) replaced by its tracked URL.

    For any domain service that sends (a campaign, a scenario step, an auto-reply): register the
    links of `urls_in(messages)` first (`TrackedLinks.register`), then send what this returns.
    """

    def swap(url: str) -> str:
        link = links.get(url)
        return codes.url(link.link_id, user_id) if link else url

    return _rewrite_all(messages, swap)


def _rewrite_all(messages: list[dict[str, Any]], swap: Callable[[str], str]) -> list[dict[str, Any]]:
    return [_rewrite(message, swap) for message in messages]


def _rewrite(message: dict[str, Any], swap: Callable[[str], str]) -> dict[str, Any]:
    """Text messages' URLs and Flex messages' `uri` actions; images and the rest as they are."""
    if message.get("type") == "text":
        return {**message, "text": URL_IN_TEXT.sub(lambda m: swap(m.group(0)), message["text"])}
    if message.get("type") == "flex":
        return {**message, "contents": _rewrite_uris(message["contents"], swap)}
    return message


def _rewrite_uris(node: Any, swap: Callable[[str], str]) -> Any:
    if isinstance(node, list):
        return [_rewrite_uris(item, swap) for item in node]
    if not isinstance(node, dict):
        return node
    rewritten = {key: _rewrite_uris(value, swap) for key, value in node.items()}
    uri = node.get("uri")
    if node.get("type") == "uri" and isinstance(uri, str) and URL_IN_TEXT.fullmatch(uri):
        rewritten["uri"] = swap(uri)
    return rewritten


class TrackedLinks(Protocol):
    def register(self, links: list[TrackedLink]) -> None:
        """Keep the links (a link already kept is left as it is)."""

    def tracked_link(self, link_id: str) -> TrackedLink | None: ...

    def record_click(self, link: TrackedLink, user_id: str, at: datetime) -> bool:
        """Count the click once per recipient and link; True for the first."""

    def add_tag(self, user_id: str, tag: str) -> bool:
        """Tag the member; False when there is no such member."""


@dataclass(frozen=True)
class Redirect:
    location: str
    recorded: bool
    reason: str  # "click", "repeat", "preview", "invalid", "unknown"


def links_of(
    source: str, messages: list[dict[str, Any]], click_tag: str | None, click_scenario_id: str | None = None
) -> list[TrackedLink]:
    """The tracked links of a send's messages."""
    return [
        TrackedLink(
            link_id=link_id_for(source, url),
            url=url,
            source=source,
            click_tag=click_tag,
            click_scenario_id=click_scenario_id,
        )
        for url in urls_in(messages)
    ]


def is_preview_fetch(method: str, user_agent: str | None) -> bool:
    """LINE's link preview, another service's preview or crawler, or a HEAD request: not a click."""
    return method.upper() == "HEAD" or not user_agent or bool(PREVIEW_AGENTS.search(user_agent))


@dataclass
class ClickDesk:
    """The redirect's rules: verify, record once, act on the first click, send on."""

    links: TrackedLinks
    codes: LinkCodes
    shop_page_url: str
    clock: Callable[[], datetime] = field(default=system_clock)
    # Links never change once registered: a warm redirect reads each once (the caller keeps this).
    known_links: dict[str, TrackedLink] = field(default_factory=dict)
    # The click action "start a scenario" (user id, scenario id): the scenarios' entrance, which the
    # redirect builds only when a link asks for it (None: clicks start no scenario).
    start_scenario: Callable[[str, str], None] | None = None

    def follow(self, code: str, method: str, user_agent: str | None) -> Redirect:
        read = self.codes.read(code)
        if read is None:
            return Redirect(self.shop_page_url, False, "invalid")
        link_id, user_id = read
        link = self._link(link_id)
        if link is None:
            return Redirect(self.shop_page_url, False, "unknown")
        if is_preview_fetch(method, user_agent):
            return Redirect(link.url, False, "preview")
        if not self.links.record_click(link, user_id, self.clock()):
            return Redirect(link.url, False, "repeat")
        if link.click_tag:
            self.links.add_tag(user_id, link.click_tag)
        if link.click_scenario_id and self.start_scenario is not None:
            self.start_scenario(user_id, link.click_scenario_id)
        return Redirect(link.url, True, "click")

    def _link(self, link_id: str) -> TrackedLink | None:
        link = self.known_links.get(link_id)
        if link is None:
            link = self.links.tracked_link(link_id)
            if link is not None:
                self.known_links[link_id] = link
        return link
