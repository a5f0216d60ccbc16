"""The local stack as a separate process, started the way `./dev local` starts it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from daifuku_local.stack import LocalStackUrls

REPO_ROOT = Path(__file__).resolve().parents[1]


class RunningLocalStack:
    """The `python -m daifuku_local` process, its URLs and its log."""

    def __init__(self, urls: LocalStackUrls, log_path: Path, process: subprocess.Popen[bytes]):
        self.urls = urls
        self.log_path = log_path
        self.process = process

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_local_stack(
    log_dir: Path, timeout_seconds: float = 180, extra_arguments: tuple[str, ...] = ()
) -> RunningLocalStack:
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
                *extra_arguments,
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
