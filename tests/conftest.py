"""Fixtures every test layer shares: the local stack (started as `./dev local` starts it) and a browser,
and Hypothesis's settings for the property-based tests (unit) and the route fuzzing (integration).

Hypothesis: `ci` (when the CI environment variable is set) keeps no example database and
derandomises, so a run is repeatable; `dev` keeps the failing examples it found in .hypothesis/
(ignored by git) to try them first next time. Neither has a deadline nor a too-slow check: tests
assert what a user would observe, never timings, and the machine may be shared.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import HealthCheck, settings

from tests.local_stack_runner import RunningLocalStack, start_local_stack, stop_local_stack

if TYPE_CHECKING:
    pass


COMMON: dict = {"deadline": None, "max_examples": 100, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("ci", database=None, derandomize=True, **COMMON)
settings.register_profile("dev", **COMMON)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))

REPO_ROOT = Path(__file__).resolve().parents[1]
# The operator CLI speaks the locale's language (gettext): tests that read its output expect English
# whatever the developer's locale; tests of the Japanese messages set their own locale.
os.environ["LANGUAGE"] = "en"
ARTIFACTS = REPO_ROOT / "test-artifacts"
CHROMIUM = "/usr/bin/chromium"
# Without these, Chromium reaches for Google's services, which this machine's closed network refuses.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture(scope="session")
def local_stack(artifacts_dir: Path) -> Iterator[RunningLocalStack]:
    # One directory per test run: two runs in one checkout must not read each other's ready file.
    stack = start_local_stack(artifacts_dir / f"local-stack-{os.getpid()}")
    yield stack
    stop_local_stack(stack)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


# A 360 px wide phone in Japan: Japanese, and the clock on Japan time.
PHONE = {
    "viewport": {"width": 360, "height": 740},
    "locale": "ja-JP",
    "timezone_id": "Asia/Tokyo",
    "device_scale_factor": 2,
}


@pytest.fixture
def phone_page(browser):
    """A page in a fresh browser context on a PHONE."""
    context = browser.new_context(**PHONE)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(scope="session")
def line(local_stack: RunningLocalStack):
    """The LINE simulator of the running local stack."""
    from daifuku_local.line_platform.client import SimulatorClient

    return SimulatorClient(local_stack.urls.simulator)


@pytest.fixture(scope="session")
def member_table(local_stack: RunningLocalStack):
    """The local stack's DynamoDB table (moto), for asserting what was stored."""
    from daifuku_local.aws_resources import local_table

    return local_table(local_stack.urls.aws_endpoint)


@pytest.fixture(autouse=True)
def no_spec_violations(request):
    """Every test that talks to the simulator ends with no request that broke LINE's spec."""
    yield
    if "line" in request.fixturenames:
        line = request.getfixturevalue("line")
        assert line.violations() == [], "requests broke LINE's OpenAPI spec"


@pytest.fixture(scope="module")
def api(local_stack: RunningLocalStack, line):
    """The local stack's HTTP API, called as the LIFF pages call it (as any simulated LINE user)."""
    from tests.integration.member_api import MemberApi

    return MemberApi(local_stack.urls.api, line)


@pytest.fixture(scope="module")
def owner(member_table, api) -> str:
    """A LINE user on the staff list as the shop's owner."""
    from tests.integration.campaign_api import make_staff

    return make_staff(member_table, api, "owner")


@pytest.fixture(scope="module")
def clerk(member_table, api) -> str:
    """Staff at the counter, not an owner."""
    from tests.integration.campaign_api import make_staff

    return make_staff(member_table, api, "staff")


@pytest.fixture
def receiver():
    """A test server standing for the shop's other system (an event endpoint, the old LINE tool)."""
    from tests.integration.connect_receiver import TestReceiver

    server = TestReceiver()
    yield server
    server.close()


@pytest.fixture
def forward_to(api, owner):
    """Sets the webhook forwarding as the owner does in 設定; off again after the test (the stack is
    shared)."""

    def set_forwarding(url: str | None, silent: bool = False) -> dict:
        status, saved = api.call(
            "PUT", "/liff/api/staff/connect/forwarding", owner, {"url": url, "silent": silent}
        )
        assert status == 200, saved
        return saved

    yield set_forwarding
    set_forwarding(None)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests that move the shared stack's clock forward run after the others: what they write (audit
    entries, visits, pushes) is dated in the functions' future and would come first in the lists other
    tests read, even after the clock is put back. The export of every item kind still runs last."""
    last = [i for i in items if i.path.name == "test_zz_everything_exports.py"]
    movers = [i for i in items if i.get_closest_marker("moves_clock") and i not in last]
    rest = [i for i in items if i not in movers and i not in last]
    items[:] = rest + movers + last
