"""The local stack patches moto's and Powertools' internals: it refuses any version but the pinned one."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from daifuku_local.upstream_patches import PINNED_VERSIONS, pinned_version_problem

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_the_pinned_versions_are_what_pyproject_pins_and_what_is_installed():
    pyproject = (REPO_ROOT / "pyproject.toml").read_text()

    assert '"moto[server]==' + PINNED_VERSIONS["moto"] + '"' in pyproject
    assert '"aws-lambda-powertools[tracer]==' + PINNED_VERSIONS["aws-lambda-powertools"] + '"' in pyproject
    assert pinned_version_problem() is None


def test_another_version_is_named_in_one_line():
    installed = {**PINNED_VERSIONS, "moto": "5.3.0"}

    problem = pinned_version_problem(installed.get)

    assert problem is not None and "\n" not in problem
    assert "moto 5.2.5" in problem and "moto 5.3.0 is installed" in problem


def fake_distribution(directory: Path, name: str, version: str) -> None:
    """A distribution's metadata that importlib.metadata finds before the installed one."""
    info = directory / f"{name.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")


@pytest.mark.parametrize("distribution", sorted(PINNED_VERSIONS))
@pytest.mark.parametrize("entry_point", ["daifuku_local", "daifuku_local.moto_server"])
def test_the_local_stack_refuses_to_start_on_another_version_with_one_line(
    tmp_path, distribution, entry_point
):
    # Given another version of a patched distribution installed
    fake_distribution(tmp_path, distribution, "99.0.0")
    path = os.pathsep.join([str(tmp_path), *sys.path])

    # When the local stack (or its moto server) is started
    started = subprocess.run(
        [sys.executable, "-m", entry_point, "--any-ports", "--no-demo"]
        if entry_point == "daifuku_local"
        else [sys.executable, "-m", entry_point, "-p", "0"],
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # Then it stops before starting anything, saying why in one line and without a traceback
    assert started.returncode != 0
    assert started.stdout == ""
    assert started.stderr.strip().splitlines() == [
        f"daifuku_local: the local stack patches {distribution} {PINNED_VERSIONS[distribution]}'s "
        f"internals, but {distribution} 99.0.0 is installed; run `uv sync` to install the pinned version."
    ]
