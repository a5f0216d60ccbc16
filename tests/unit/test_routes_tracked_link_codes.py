"""Tracked links' codes, rewriting and the redirect's rules, with an in-memory link store."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from daifuku.domain.tracked_links import (
    ClickDesk,
    LinkCodes,
    TrackedLink,
    link_id_for,
    link_signing_key,
    links_of,
    tracked_messages,
    urls_in,
)

USER = "U" + "0123456789abcdef" * 2
OTHER_USER = "U" + "f" * 32
CODES = LinkCodes(link_signing_key("channel-secret-a"), "https://api.example.jp")
OTHER_SHOP = LinkCodes(link_signing_key("channel-secret-b"), "https://api.example.jp")
SHOP_PAGE = "https://liff.example.jp/card.html"
BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) Line/14.0.0"


class MemoryLinks:
    def __init__(self) -> None:
        self.links: dict[str, TrackedLink] = {}
        self.clicks: set[tuple[str, str]] = set()
        self.tags: list[tuple[str, str]] = []
        self.reads = 0

    def register(self, links: list[TrackedLink]) -> None:
        for link in links:
            self.links.setdefault(link.link_id, link)

    def tracked_link(self, link_id: str) -> TrackedLink | None:
        self.reads += 1
        return self.links.get(link_id)

    def record_click(self, link: TrackedLink, user_id: str, at: datetime) -> bool:
        if (link.link_id, user_id) in self.clicks:
            return False
        self.clicks.add((link.link_id, user_id))
        return True

    def add_tag(self, user_id: str, tag: str) -> bool:
        self.tags.append((user_id, tag))
        return True


def desk_with(
    url: str = "https://shop.example.jp/sale", tag: str | None = "セール"
) -> tuple[ClickDesk, MemoryLinks, str]:
    links = MemoryLinks()
    link = TrackedLink(link_id=link_id_for("campaign:c1", url), url=url, source="campaign:c1", click_tag=tag)
    links.register([link])
    desk = ClickDesk(links, CODES, SHOP_PAGE, clock=lambda: datetime(2026, 12, 1, tzinfo=UTC))
    return desk, links, link.link_id


def test_a_code_reads_back_as_its_link_and_recipient() -> None:
    code = CODES.code(link_id_for("campaign:c1", "https://a.jp/"), USER)
    assert len(code) == 46
    assert CODES.read(code) == (link_id_for("campaign:c1", "https://a.jp/"), USER)


@given(st.integers(min_value=0, max_value=45), st.sampled_from("AbZ09_-"))
def test_an_altered_character_is_refused(position: int, replacement: str) -> None:
    code = CODES.code(link_id_for("campaign:c1", "https://a.jp/"), USER)
    altered = code[:position] + replacement + code[position + 1 :]
    if altered != code:
        assert CODES.read(altered) is None


def test_truncated_foreign_and_junk_codes_are_refused() -> None:
    code = CODES.code(link_id_for("campaign:c1", "https://a.jp/"), USER)
    assert CODES.read(code[:-1]) is None
    assert CODES.read(OTHER_SHOP.code(link_id_for("campaign:c1", "https://a.jp/"), USER)) is None
    for junk in ("", "%2e%2e", "a" * 46, "../../etc/passwd", "＝" * 46):
        assert CODES.read(junk) is None


def test_urls_in_texts_and_flex_buttons_become_the_recipients_own() -> None:
    messages = [
        {"type": "text", "text": "セールです。詳しくはhttps://shop.example.jp/sale。「http://a.jp/x」"},
        {
            "type": "image",
            "originalContentUrl": "https://img.jp/a.png",
            "previewImageUrl": "https://img.jp/b.png",
        },
        {
            "type": "flex",
            "altText": "セール",
            "contents": {
                "type": "bubble",
                "footer": {
                    "type": "box",
                    "layout": "vertical",
                    "contents": [
                        {
                            "type": "button",
                            "action": {"type": "uri", "label": "見る", "uri": "https://shop.example.jp/sale"},
                        }
                    ],
                },
            },
        },
    ]
    assert urls_in(messages) == ["https://shop.example.jp/sale", "http://a.jp/x"]
    links = {link.url: link for link in links_of("campaign:c1", messages, None)}
    mine = tracked_messages(messages, links, CODES, USER)
    sale = CODES.url(links["https://shop.example.jp/sale"].link_id, USER)
    assert (
        mine[0]["text"]
        == f"セールです。詳しくは{sale}。「{CODES.url(links['http://a.jp/x'].link_id, USER)}」"
    )
    assert mine[1] == messages[1]  # images are not links
    assert mine[2]["contents"]["footer"]["contents"][0]["action"]["uri"] == sale
    theirs = tracked_messages(messages, links, CODES, OTHER_USER)
    assert theirs[0]["text"] != mine[0]["text"]


def test_a_click_is_recorded_once_and_tags_once() -> None:
    desk, links, link_id = desk_with()
    code = CODES.code(link_id, USER)
    first = desk.follow(code, "GET", BROWSER)
    again = desk.follow(code, "GET", BROWSER)
    assert (first.location, first.recorded, again.location, again.recorded) == (
        "https://shop.example.jp/sale",
        True,
        "https://shop.example.jp/sale",
        False,
    )
    assert links.tags == [(USER, "セール")]
    assert links.reads == 1  # the link is read once per warm environment


@pytest.mark.parametrize(
    ("method", "agent"),
    [
        ("GET", "facebookexternalhit/1.1;line-poker/1.0"),
        ("GET", "Mozilla/5.0 (compatible; Twitterbot/1.0)"),
        ("HEAD", BROWSER),
        ("GET", None),
    ],
)
def test_previews_go_to_the_url_and_count_nothing(method: str, agent: str | None) -> None:
    desk, links, link_id = desk_with()
    redirect = desk.follow(CODES.code(link_id, USER), method, agent)
    assert (redirect.location, redirect.recorded) == ("https://shop.example.jp/sale", False)
    assert links.clicks == set()


def test_forged_and_unknown_codes_go_to_the_shop_page_and_record_nothing() -> None:
    desk, links, link_id = desk_with()
    forged = OTHER_SHOP.code(link_id, USER)
    unknown = CODES.code(link_id_for("campaign:c1", "https://evil.example/"), USER)
    for code in (forged, unknown, "x", CODES.code(link_id, USER)[:-3]):
        redirect = desk.follow(code, "GET", BROWSER)
        assert (redirect.location, redirect.recorded) == (SHOP_PAGE, False)
    assert links.clicks == set()
