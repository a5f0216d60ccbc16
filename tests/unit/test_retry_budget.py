"""The page's retry budget for "busy" answers is the one the tests and the numbering bench allow: a test
that passes only with more patience than a customer's phone has would hide customers left without a card."""

from __future__ import annotations

import re
from pathlib import Path

from tests.integration.member_api import PATIENT_ATTEMPTS

REPO_ROOT = Path(__file__).resolve().parents[2]


def declared(path: str, pattern: str) -> int:
    found = re.search(pattern, (REPO_ROOT / path).read_text(encoding="utf-8"), re.MULTILINE)
    assert found is not None, f"{path} no longer declares its retry budget"
    return int(found.group(1))


def test_the_tests_and_the_bench_retry_busy_answers_as_often_as_the_page():
    page = declared("liff_static/js/liff-app.js", r"^export const PATIENT_ATTEMPTS = (\d+);")
    bench = declared("bench/numbering.py", r"^BUSY_ATTEMPTS = (\d+)$")
    assert page == PATIENT_ATTEMPTS == bench == 5
