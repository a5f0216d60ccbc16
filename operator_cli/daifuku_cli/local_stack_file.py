"""Where `./dev local` leaves its URLs for `daifuku … --local` to find: one JSON file per user.

`$XDG_RUNTIME_DIR/daifuku/local-stack.json` (the per-user runtime directory, emptied at logout), or
`~/.cache/daifuku/local-stack.json` where there is none. The local stack writes it once everything is
up and removes it when it stops; tests start their stacks with a file of their own instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

FILE_NAME = "local-stack.json"
# What the file holds (the local stack's LocalStackUrls); the CLI needs these.
REQUIRED_URLS = ("aws_endpoint", "webhook", "liff_site", "simulator")


def local_stack_file(environ: Mapping[str, str] = os.environ, shop: str | None = None) -> Path:
    """This user's file (whether or not a local stack is running); a named shop's local stack
    (`./dev local --shop NAME`) has its own, `local-stack-NAME.json`."""
    runtime = environ.get("XDG_RUNTIME_DIR")
    base = Path(runtime) if runtime and Path(runtime).is_dir() else Path.home() / ".cache"
    return base / "daifuku" / (FILE_NAME if shop is None else f"local-stack-{shop}.json")


def local_stack_files(environ: Mapping[str, str] = os.environ) -> dict[str | None, Path]:
    """Every running local stack's file, by shop (None: the unnamed one)."""
    directory = local_stack_file(environ).parent
    found: dict[str | None, Path] = {}
    for path in sorted(directory.glob("local-stack*.json")):
        name = path.stem.removeprefix("local-stack")
        found[name[1:] if name.startswith("-") else None] = path
    return found


def read_local_stack_urls(path: Path | None = None) -> dict[str, str] | None:
    """The running local stack's URLs, or None when no local stack has left (readable) ones."""
    try:
        document: Any = json.loads((path or local_stack_file()).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(document, dict) or not all(isinstance(document.get(k), str) for k in REQUIRED_URLS):
        return None
    return {key: str(value) for key, value in document.items()}


def write_local_stack_urls(urls_json: str, path: Path) -> None:
    """Write atomically, so a CLI reading at that moment sees the whole file or none."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    partial.write_text(urls_json, encoding="utf-8")
    partial.replace(path)
