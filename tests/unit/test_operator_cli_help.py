"""`daifuku --help` and every subcommand's `--help` work: the list comes from the parser itself."""

from __future__ import annotations

import argparse

import pytest

from daifuku_cli.main import build_parser, main


def command_paths(parser: argparse.ArgumentParser, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    paths = [prefix]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, subparser in action.choices.items():
                paths += command_paths(subparser, (*prefix, name))
    return paths


COMMANDS = command_paths(build_parser())


def test_the_issues_commands_are_all_there():
    assert {path[0] for path in COMMANDS if path} >= {"deploy", "setup", "poster", "export", "import", "dlq"}


@pytest.mark.parametrize("path", COMMANDS, ids=lambda path: " ".join(path) or "daifuku")
def test_help_works(path, capsys):
    with pytest.raises(SystemExit) as exit_:
        main([*path, "--help"])
    assert exit_.value.code == 0
    shown = capsys.readouterr().out
    assert shown.startswith("usage: daifuku")
    assert " ".join(("daifuku", *path)) in shown
