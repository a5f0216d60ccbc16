"""A campaign with tracked links, through the local stack: each recipient gets their own link, a click
is counted once per recipient and link, and a forged code records nothing."""

from __future__ import annotations

import re
import urllib.error
import urllib.request
import uuid

import pytest

from daifuku.adapters.dynamodb.keys import member_key
from daifuku.adapters.dynamodb.table import TableGateway
from daifuku.adapters.dynamodb.tracked_links import TrackedLinkRepository
from daifuku.domain.tracked_links import link_id_for
from tests.integration.campaign_api import compose, fire_due_campaigns, tag_members, wait_until_finished
from tests.integration.member_api import a_form

pytestmark = pytest.mark.slow

PHONE_BROWSER = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Line/14.0.0"
SALE_URL = "https://shop.example.jp/sale?from=line"


class NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def tap(url: str, user_agent: str = PHONE_BROWSER, method: str = "GET") -> tuple[int, str]:
    """What a phone's browser sees: the status and where it is sent, without following."""
    opener = urllib.request.build_opener(NoRedirects)
    request = urllib.request.Request(url, method=method, headers={"User-Agent": user_agent})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers.get("location", "")
    except urllib.error.HTTPError as answer:
        return answer.code, answer.headers.get("location", "")


def member_tags(member_table, user: str) -> set[str]:
    return set(member_table.get_item(Key=member_key(user))["Item"].get("tags", set()))


def tracked_url_received(line, user: str, marker: str) -> str:
    [text] = [m["text"] for m in line.received(user) if marker in m.get("text", "")]
    [url] = re.findall(r"https?://\S+/r/[A-Za-z0-9_-]+", text)
    return url


def test_clicks_count_once_per_member_and_a_forged_code_records_nothing(line, member_table, api, owner):
    # Given three registered members who received a campaign with a tracked link and a click tag
    tag, click_tag = f"リンク-{uuid.uuid4().hex[:6]}", f"クリック{uuid.uuid4().hex[:4]}"
    members = [line.create_user(f"リンク{n}", follow=True) for n in range(3)]
    for user in members:
        assert api.register(user, a_form())[0] == 200
    tag_members(member_table, members, tag)
    marker = uuid.uuid4().hex[:8]
    campaign_id = compose(
        api,
        owner,
        {"tags_any": [tag]},
        f"セール {marker} 詳しくは{SALE_URL}",
        track_links=True,
        click_tag=click_tag,
    )
    fire_due_campaigns(api.api_url)
    assert wait_until_finished(api, owner, campaign_id)["sent"] == 3
    urls = [tracked_url_received(line, user, marker) for user in members]
    assert len(set(urls)) == 3 and all(SALE_URL not in url for url in urls)

    # When LINE's preview fetches the links, then the three members tap them, two of them twice
    assert tap(urls[0], "facebookexternalhit/1.1;line-poker/1.0") == (302, SALE_URL)
    assert tap(urls[1], method="HEAD") == (302, SALE_URL)
    for url in (urls[0], urls[1], urls[2], urls[0], urls[1]):
        assert tap(url) == (302, SALE_URL)

    # Then the link counts three clicks, and each member got the click tag once
    links = TrackedLinkRepository(TableGateway.of(member_table))
    link_id = link_id_for(f"campaign:{campaign_id}", SALE_URL)
    assert links.link_clicks(link_id) == 3
    assert links.clickers([link_id]) == set(members)
    for user in members:
        assert click_tag in member_tags(member_table, user)

    # And the funnel counts the three clickers; LINE's opens (the members opened it) are fewer than 20
    assert all(line.open_messages(user) == 1 for user in members)
    tapped = line.click_link(members[2], urls[2])  # through LINE's browser: counted by LINE, not again here
    assert (tapped["counted"], tapped["status"], tapped["location"]) == (True, 302, SALE_URL)
    status, funnel = api.call("GET", f"/liff/api/staff/campaigns/{campaign_id}/funnel", owner)
    assert status == 200, funnel
    assert (funnel["delivered"], funnel["clicked"]) == (3, 3)
    assert (funnel["opened"], funnel["opened_fewer_than_20"]) == (None, True)

    # And a forged, a truncated and another shop's code go to the shop's page, recording nothing
    code = urls[2].rsplit("/", 1)[1]
    forged = urls[2][: -len(code)] + code[:-2] + ("AA" if code[-2:] != "AA" else "BB")
    for bad in (forged, urls[2][:-5], urls[2][: -len(code)] + "x" * 46):
        status, location = tap(bad)
        assert status == 302 and location.endswith("/card.html"), (status, location)
    assert links.link_clicks(link_id) == 3
