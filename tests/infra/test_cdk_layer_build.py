"""The shared layer built on this machine holds ARM64 wheels, the daifuku package and bytecode."""

from __future__ import annotations

import ast
import struct
import sys
from pathlib import Path

import pytest

from infra.layer_build import PROVIDED_BY_LAMBDA_RUNTIME, REPO_ROOT, build_layer

EM_AARCH64 = 0xB7


def elf_machine(path: Path) -> int:
    header = path.read_bytes()[:20]
    assert header[:4] == b"\x7fELF", f"{path} is not an ELF file"
    (machine,) = struct.unpack_from("<H", header, 18)
    return machine


@pytest.fixture(scope="module")
def layer(tmp_path_factory: pytest.TempPathFactory) -> Path:
    output = tmp_path_factory.mktemp("layer")
    build_layer(output)
    return output / "python"


@pytest.mark.slow
@pytest.mark.parametrize("package", ["pydantic_core", "cryptography"])
def test_compiled_dependencies_are_for_arm64(layer: Path, package: str) -> None:
    # cryptography checks the LIFF ID tokens' signatures: its Rust bindings must load on Graviton.
    extensions = list((layer / package).rglob("*.so"))
    assert extensions, f"{package} has no compiled extension"
    for extension in extensions:
        assert elf_machine(extension) == EM_AARCH64, extension


@pytest.mark.slow
def test_layer_has_the_runtime_dependencies_and_daifuku_but_not_boto3_or_line_bot_sdk(layer: Path) -> None:
    for package in ("aws_lambda_powertools", "pydantic", "cryptography", "daifuku"):
        assert (layer / package).is_dir(), package
    assert (layer / "daifuku" / "table_schema.py").is_file()
    # The Lambda runtime provides these.
    for package in ("boto3", "botocore", "s3transfer"):
        assert not (layer / package).exists(), package
    # No function imports line-bot-sdk (only the operator's CLI does): it would cost every cold start.
    assert not (layer / "linebot").exists()


def imported_top_level_modules(root: Path) -> dict[str, Path]:
    """Every absolute import's top-level module under `root`, with one file that imports it."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                modules.setdefault(name.partition(".")[0], path)
    return modules


@pytest.mark.slow
def test_the_layer_has_every_module_the_functions_and_the_shared_package_import(layer: Path) -> None:
    # Given what the functions and the shared package import (the layer's wheels are ARM64, so this
    # machine cannot import them: the check reads the imports instead)
    imported = imported_top_level_modules(REPO_ROOT / "functions") | imported_top_level_modules(
        REPO_ROOT / "layers" / "shared" / "daifuku"
    )
    # Then each is the standard library, the function code itself, the Lambda runtime's, or in the layer
    # (the rich menu painter's drawing package and Pillow come in its own layer: test_cdk_cli)
    # snapshot_restore_py: the runtime's SnapStart hooks, imported only when present
    runtime = {*PROVIDED_BY_LAMBDA_RUNTIME, "snapshot_restore_py"}
    provided = {*sys.stdlib_module_names, "functions", "daifuku_menu_drawing", *runtime}
    in_layer = {path.name.partition(".")[0] for path in layer.iterdir()}
    missing = {name: str(path) for name, path in imported.items() if name not in provided | in_layer}
    assert missing == {}


@pytest.mark.slow
def test_layer_ships_unchecked_hash_bytecode(layer: Path) -> None:
    compiled = layer / "daifuku" / "__pycache__" / "settings.cpython-313.pyc"
    # PEP 552 flags: bit 0 = hash-based, bit 1 = check the source. Hash-based and unchecked is 0b01.
    (flags,) = struct.unpack_from("<I", compiled.read_bytes(), 4)
    assert flags == 0b01
    assert len(list(layer.glob("pydantic/**/*.cpython-313.pyc"))) > 50
    assert not list((layer / "daifuku").rglob("*.cpython-31[!3]*.pyc")), "bytecode of another Python"
