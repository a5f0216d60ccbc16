"""Packages one function directory for Lambda, as the local runtime imports it: `functions.<name>.handler`."""

from __future__ import annotations

import shutil
from pathlib import Path

from infra.layer_build import (
    BUILD_SCRIPT,
    LAMBDA_PYTHON_VERSION,
    REPO_ROOT,
    compile_bytecode,
    copy_package,
    fingerprint,
    source_files,
)

FUNCTIONS_ROOT = REPO_ROOT / "functions"


def package_function(name: str, output_dir: Path) -> None:
    """Fill `output_dir` with `functions/__init__.py` and `functions/<name>/`, compiled.

    The handlers import their own modules as `functions.<name>.…` (as the local stack and the
    benchmarks do), so the package path is kept rather than flattening the directory into the zip root.
    """
    package = output_dir / "functions"
    package.mkdir(parents=True, exist_ok=True)
    shutil.copy2(FUNCTIONS_ROOT / "__init__.py", package / "__init__.py")
    copy_package(FUNCTIONS_ROOT / name, package / name)
    compile_bytecode(output_dir)


def function_fingerprint(name: str) -> str:
    """A hash of everything the function's asset is built from, so CDK rebuilds it only on a change."""
    return fingerprint(
        [FUNCTIONS_ROOT / "__init__.py", Path(__file__), BUILD_SCRIPT, *source_files(FUNCTIONS_ROOT / name)],
        recipe=(LAMBDA_PYTHON_VERSION,),
    )
