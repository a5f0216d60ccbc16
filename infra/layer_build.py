"""Builds the shared Lambda layer on this machine, without Docker.

The layer is `python/` with the locked runtime dependencies as ARM64 wheels for CPython 3.13, the
`daifuku` package, and bytecode for all of it. CDK's local bundling (infra/constructs/shared_layer.py)
calls `build_layer`; `python -m infra.layer_build <outdir>` does the same by hand.
"""

from __future__ import annotations

import hashlib
import importlib.util
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

BUILD_SCRIPT = Path(__file__).resolve()
REPO_ROOT = BUILD_SCRIPT.parents[1]
SHARED_PACKAGE = REPO_ROOT / "layers" / "shared" / "daifuku"

LAMBDA_PYTHON_VERSION = "3.13"
LAMBDA_PLATFORM = "aarch64-manylinux2014"
# The Lambda Python runtime ships boto3, botocore and s3transfer, so the layer leaves them out: they are
# its largest dependencies and would only shadow the runtime's copies (uv.lock pins them for local runs).
PROVIDED_BY_LAMBDA_RUNTIME = ("boto3", "botocore", "s3transfer")
IGNORED_SOURCES = shutil.ignore_patterns("__pycache__", "*.pyc")


def layer_fingerprint() -> str:
    """A hash of everything the layer is built from, so CDK rebuilds it only when one of them changes."""
    return fingerprint(
        [REPO_ROOT / "uv.lock", BUILD_SCRIPT, *source_files(SHARED_PACKAGE)],
        recipe=(LAMBDA_PYTHON_VERSION, LAMBDA_PLATFORM, *PROVIDED_BY_LAMBDA_RUNTIME),
    )


def fingerprint(files: Iterable[Path], recipe: Iterable[str]) -> str:
    """A hash of the files (by path in the repository and content) and of the build recipe."""
    digest = hashlib.sha256("\0".join(recipe).encode())
    for path in sorted(files):
        digest.update(str(path.relative_to(REPO_ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()


def source_files(root: Path) -> list[Path]:
    """The files of a package, without the bytecode this machine left in it."""
    return [
        path
        for path in root.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and path.suffix != ".pyc"
    ]


def build_layer(output_dir: Path) -> None:
    """Fill `output_dir` with the layer's `python/` directory."""
    site_packages = output_dir / "python"
    site_packages.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="daifuku-layer-") as scratch:
        requirements = Path(scratch) / "requirements.txt"
        export_runtime_requirements(requirements)
        install_requirements(requirements, site_packages)
    # Console scripts of the dependencies have no use in a layer.
    shutil.rmtree(site_packages / "bin", ignore_errors=True)
    copy_package(SHARED_PACKAGE, site_packages / "daifuku")
    compile_bytecode(site_packages)


def export_runtime_requirements(requirements: Path) -> None:
    """The locked runtime dependencies of the project (no dev or infra groups), as a requirements file."""
    command = [*uv(), "export", "--no-dev", "--no-hashes", "--no-emit-project", "--frozen", "--no-header"]
    for package in PROVIDED_BY_LAMBDA_RUNTIME:
        command += ["--no-emit-package", package]
    _run([*command, "--quiet", "--output-file", str(requirements)])


def install_requirements(requirements: Path, target: Path) -> None:
    """Install the exported requirements as Lambda's ARM64 wheels; `--no-deps` keeps to the locked set."""
    _run(
        [
            *uv(),
            "pip",
            "install",
            "--python-platform",
            LAMBDA_PLATFORM,
            "--python-version",
            LAMBDA_PYTHON_VERSION,
            "--only-binary",
            ":all:",
            "--no-deps",
            "--link-mode",
            "copy",
            "--quiet",
            "--target",
            str(target),
            "-r",
            str(requirements),
        ]
    )


def copy_package(source: Path, destination: Path) -> None:
    """Copy a Python package without the bytecode this machine left in it."""
    shutil.copytree(source, destination, ignore=IGNORED_SOURCES, dirs_exist_ok=True)


def compile_bytecode(root: Path) -> None:
    """Compile every module under `root` for Lambda's Python.

    CDK zips assets with fixed timestamps, so timestamp-checked .pyc files would never match their
    sources; and /var/task and /opt are read-only, so Lambda could not write its own. Hash-based .pyc
    files that are not re-checked are valid whatever the zip says.
    """
    _run(
        [
            lambda_python(),
            # Old dependencies' invalid escape sequences are their authors' warnings, not ours.
            "-W",
            "ignore::SyntaxWarning",
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(root),
        ]
    )


def lambda_python() -> str:
    """An interpreter of Lambda's Python version: bytecode is specific to the minor version."""
    if f"{sys.version_info.major}.{sys.version_info.minor}" == LAMBDA_PYTHON_VERSION:
        return sys.executable
    found = subprocess.run(
        [*uv(), "python", "find", LAMBDA_PYTHON_VERSION], check=True, capture_output=True, text=True
    )
    return found.stdout.strip()


def uv() -> list[str]:
    """The command that runs uv: on PATH, or the `uv` module that `./dev` installs with pip."""
    executable = shutil.which("uv")
    if executable:
        return [executable]
    if importlib.util.find_spec("uv"):
        return [sys.executable, "-m", "uv"]
    raise RuntimeError("building the Lambda layer needs uv: `python3 -m pip install uv`")


def _run(command: list[str]) -> None:
    subprocess.run(command, check=True, cwd=REPO_ROOT)


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python -m infra.layer_build <outdir>", file=sys.stderr)
        return 2
    build_layer(Path(argv[0]).resolve())
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
