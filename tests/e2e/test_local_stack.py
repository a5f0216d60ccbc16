"""The README's run command: the whole system comes up on 127.0.0.1, serves its pages, and stops."""

from __future__ import annotations

import os
import time
import urllib.request

import pytest

from tests.local_stack_runner import start_local_stack, stop_local_stack

pytestmark = [pytest.mark.slow, pytest.mark.browser]


def fetch(url: str) -> tuple[int, str]:
    with urllib.request.urlopen(url, timeout=10) as response:
        return response.status, response.read().decode()


def test_the_local_stack_starts_serves_and_stops_within_a_minute(artifacts_dir):
    started = time.monotonic()
    stack = start_local_stack(artifacts_dir / f"local-stack-lifecycle-{os.getpid()}")
    try:
        status, page = fetch(stack.urls.liff_site + "/index.html")
        assert status == 200 and 'lang="ja"' in page
        status, bundle = fetch(stack.urls.liff_site + "/vendor/liff.js")
        assert (status == 200 and "LiffMockPlugin" in bundle) or "mock" in bundle
        status, console = fetch(stack.urls.simulator_console)
        assert status == 200 and "LINE シミュレーター" in console
        status, health = fetch(stack.urls.api + "/liff/api/health")
        assert (status, health) == (200, '{"status":"ok"}')
    finally:
        assert stop_local_stack(stack) == 0
    assert time.monotonic() - started < 60


def test_a_person_can_play_the_customer_in_the_console(local_stack, line, browser, artifacts_dir):
    page = browser.new_page(viewport={"width": 1000, "height": 900}, locale="ja-JP")
    page.goto(local_stack.urls.simulator_console)
    page.fill("#new-user-name", "コンソール花子")
    page.click("#new-user button")
    # The console shows the new user once it is selected; the buttons act on the selected user.
    page.locator('#user-list button[aria-pressed="true"]', has_text="コンソール花子").wait_for()
    page.get_by_role("button", name="友だち追加").click()
    page.get_by_text("友だち追加ありがとうございます", exact=False).wait_for(timeout=60_000)
    page.fill("#text", "営業時間を教えてください")
    page.click("#send-text button")
    page.get_by_text("営業時間を教えてください").wait_for()
    page.get_by_role("button", name="会員登録").wait_for()
    page.screenshot(path=str(artifacts_dir / "simulator-console.png"), full_page=True)
    user = next(u for u in line.users() if u["display_name"] == "コンソール花子")
    assert user["following"] is True
    assert line.rich_menu(user["user_id"])["name"] == "会員登録メニュー"
    page.close()
