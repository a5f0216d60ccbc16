"""Fixtures every test layer shares: the local stack (started as `./dev local` starts it) and a browser."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from daifuku_local.stack import LocalStackUrls


REPO_ROOT = Path(__file__).resolve().parents[1]
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


class RunningLocalStack:
    """The `python -m daifuku_local` process, its URLs and its log."""

    def __init__(self, urls: LocalStackUrls, log_path: Path, process: subprocess.Popen[bytes]):
        self.urls = urls
        self.log_path = log_path
        self.process = process

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_local_stack(log_dir: Path, timeout_seconds: float = 60) -> RunningLocalStack:
    """Start the local stack as the README's command does, on free ports, and wait until it is up."""
    log_dir.mkdir(parents=True, exist_ok=True)
    ready_file = log_dir / "ready.json"
    ready_file.unlink(missing_ok=True)
    log_path = log_dir / "local-stack.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "daifuku_local",
                "--any-ports",
                "--ready-file",
                str(ready_file),
                "--log-dir",
                str(log_dir),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )
    deadline = time.monotonic() + timeout_seconds
    while not ready_file.exists():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"the local stack did not start:\n{log_path.read_text()[-4000:]}")
        time.sleep(0.1)
    from daifuku_local.stack import LocalStackUrls

    urls = LocalStackUrls.model_validate_json(ready_file.read_text())
    return RunningLocalStack(urls, log_path, process)


def stop_local_stack(stack: RunningLocalStack, timeout_seconds: float = 20) -> int:
    stack.process.send_signal(signal.SIGINT)
    try:
        return stack.process.wait(timeout=timeout_seconds)
    except subprocess.TimeoutExpired:
        stack.process.kill()
        raise


@pytest.fixture(scope="session")
def local_stack(artifacts_dir: Path) -> Iterator[RunningLocalStack]:
    stack = start_local_stack(artifacts_dir / "local-stack")
    yield stack
    stop_local_stack(stack)


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def phone_page(browser):
    """A page the size of a 360 px wide phone, with Japanese as the browser language."""
    context = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="ja-JP", device_scale_factor=2
    )
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
    import boto3

    resource = boto3.resource(
        "dynamodb",
        endpoint_url=local_stack.urls.aws_endpoint,
        region_name="ap-northeast-1",
        aws_access_key_id="local",
        aws_secret_access_key="local",
    )
    return resource.Table("daifuku-members")


@pytest.fixture(autouse=True)
def no_spec_violations(request):
    """Every test that talks to the simulator ends with no request that broke LINE's spec."""
    yield
    if "line" in request.fixturenames:
        line = request.getfixturevalue("line")
        assert line.violations() == [], "requests broke LINE's OpenAPI spec"
