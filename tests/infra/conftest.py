"""The synthesized stack, built once per test session, with asset bundling skipped for speed."""

from __future__ import annotations

import pytest
from aws_cdk.assertions import Template
from infra_synthesis import Synthesized, synthesize


@pytest.fixture(scope="session")
def synthesized(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("cdk.out"))


@pytest.fixture(scope="session")
def template(synthesized: Synthesized) -> Template:
    return synthesized.template
