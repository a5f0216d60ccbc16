"""Every way `daifuku` commonly fails ends in one line that says what to do, in the operator's
language, and never in a traceback: the CLI run as the operator runs it, in a subprocess."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT

LANGUAGES = {"en": "C.UTF-8", "ja": "ja_JP.UTF-8"}


@dataclass(frozen=True)
class Run:
    exit_code: int
    stdout: str
    stderr: str


def run_cli(
    *arguments: str, language: str = "en", env: dict[str, str] | None = None, cwd: Path = REPO_ROOT
) -> Run:
    """`daifuku …` with no AWS settings of the machine's, in the language's locale, without a terminal."""
    clean = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("AWS_", "LC_")) and name not in ("LANG", "LANGUAGE", "XDG_RUNTIME_DIR")
    }
    clean |= {
        "LANG": LANGUAGES[language],
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_EC2_METADATA_DISABLED": "true",
        **(env or {}),
    }
    done = subprocess.run(
        [sys.executable, "-m", "daifuku_cli", *arguments],
        cwd=cwd,
        env=clean,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        timeout=120,
    )
    return Run(done.returncode, done.stdout, done.stderr)


def assert_one_line(run: Run, exit_code: int, says: str) -> None:
    assert "Traceback" not in run.stdout + run.stderr, run.stderr
    assert run.exit_code == exit_code, run
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1, run.stderr
    assert says in lines[0], lines[0]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def empty_runtime_dir(tmp_path: Path) -> dict[str, str]:
    """A per-user runtime directory where no local stack left its URLs."""
    return {"XDG_RUNTIME_DIR": str(tmp_path)}


# (name, command line, exit status, what English says, what Japanese says)
FAILURES = [
    (
        "unreachable endpoint",
        ("dlq", "show", "--local", "http://127.0.0.1:{port}"),
        1,
        "start the local stack with ./dev local",
        "「./dev local」でローカル環境を起動してから",
    ),
    ("no AWS region", ("dlq", "show"), 2, "No AWS region is set", "リージョンが設定されていません"),
    (
        "no AWS credentials",
        ("dlq", "show", "--region", "ap-northeast-1"),
        1,
        "No usable AWS credentials",
        "使える AWS の認証情報がありません",
    ),
    (
        "no terminal for a prompt",
        ("setup", "--local", "http://127.0.0.1:{port}"),
        2,
        "No terminal to ask for the LINE credentials",
        "入力する端末がありません",
    ),
    (
        "a bad colour",
        ("poster", "poster.pdf", "--theme-color", "red", "--shop-name", "x", "--liff-url", "https://x"),
        2,
        "'red' is not a colour",
        "「red」は色ではありません",
    ),
    (
        "a user id that is not U and 32 hex digits",
        ("setup", "--credentials-file", "c.json", "--owner-user-id", "U1234"),
        2,
        "'U1234' is not a LINE user id",
        "「U1234」は LINE のユーザー ID ではありません",
    ),
    (
        "--local with no local stack running",
        ("export", "--local", "--out", "exported"),
        2,
        "No local stack is running",
        "ローカル環境が起動していません",
    ),
    ("a wrong file type", ("export", "--for-excel", "list.csv"), 2, "must end in .xlsx", "末尾は .xlsx"),
]


@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize(
    ("command", "exit_code", "english", "japanese"),
    [failure[1:] for failure in FAILURES],
    ids=[failure[0] for failure in FAILURES],
)
def test_a_failure_is_one_line_in_the_operators_language(
    command, exit_code, english, japanese, language, empty_runtime_dir, tmp_path
):
    # Given an operator's mistake or a missing piece, when they run the command,
    # then one line on stderr says what to do, in their language, with the documented exit status
    port = str(free_port())
    run = run_cli(
        *(part.replace("{port}", port) for part in command),
        language=language,
        env=empty_runtime_dir,
        cwd=tmp_path,
    )
    assert_one_line(run, exit_code, english if language == "en" else japanese)


@pytest.mark.slow
@pytest.mark.parametrize("language", LANGUAGES)
def test_line_refusing_a_call_is_one_line(local_stack, tmp_path, language):
    # Given credentials LINE does not know, when setup checks the shop against the LINE simulator,
    # then LINE's refusal is one line that says to run setup with fresh credentials
    credentials = tmp_path / "credentials.json"
    credentials.write_text(
        json.dumps(
            {
                "channel_secret": "0" * 32,
                "channel_access_token": "not-a-token-line-issued",
                "login_channel_id": "1234567890",
                "login_channel_secret": "0" * 32,
            }
        )
    )
    run = run_cli(
        "setup",
        "--local",
        local_stack.urls.aws_endpoint,
        "--line-api-url",
        local_stack.urls.simulator,
        "--credentials-file",
        str(credentials),
        "--dry-run",
        language=language,
    )
    assert_one_line(
        run,
        1,
        "LINE refused the channel's credentials" if language == "en" else "LINE がチャネルの認証情報を",
    )


@pytest.mark.slow
def test_local_alone_finds_the_running_local_stack(local_stack, tmp_path):
    # Given the URLs file a local stack leaves in the user's runtime directory,
    # when a command is given --local with no URL, then it acts on that stack
    urls_file = tmp_path / "daifuku" / "local-stack.json"
    urls_file.parent.mkdir()
    urls_file.write_text(local_stack.urls.model_dump_json())
    run = run_cli("dlq", "show", "--local", env={"XDG_RUNTIME_DIR": str(tmp_path)})
    assert run.exit_code == 0, run
    assert "Traceback" not in run.stderr
    assert (
        "dead-letter queue is empty" in run.stdout
        or "Redrive with: daifuku dlq redrive --local" in run.stdout
    )
