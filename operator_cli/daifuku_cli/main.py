"""`daifuku …`: one entry point; each command lives in its own module and registers itself here."""

from __future__ import annotations

import argparse
import importlib
import sys

# Every module named here has `register(subcommands)`, which adds its parser and sets `run`.
COMMAND_MODULES = (
    "daifuku_cli.deploy",
    "daifuku_cli.setup",
    "daifuku_cli.poster",
    "daifuku_cli.export",
    "daifuku_cli.importing",
    "daifuku_cli.dlq",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="daifuku", description="Daifuku's operator commands: set up, run and leave with your data."
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    result: int = arguments.run(arguments)
    return result


if __name__ == "__main__":
    sys.exit(main())
