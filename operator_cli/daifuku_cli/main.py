"""`daifuku …`: one entry point; each command lives in its own module and registers itself here.

Whatever goes wrong ends as one line on stderr that says what to do (daifuku_cli.failures), with exit
status 2 for a command used wrongly and 1 for one that could not do its work.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import traceback

from daifuku_cli.failures import OneLineArgumentParser, explain

# Every module named here has `register(subcommands)`, which adds its parser and sets `run`.
COMMAND_MODULES = (
    "daifuku_cli.deploy",
    "daifuku_cli.shops",
    "daifuku_cli.setup",
    "daifuku_cli.poster",
    "daifuku_cli.export",
    "daifuku_cli.importing",
    "daifuku_cli.dlq",
)


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineArgumentParser(
        prog="daifuku", description="Daifuku's operator commands: set up, run and leave with your data."
    )
    subcommands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module_name in COMMAND_MODULES:
        importlib.import_module(module_name).register(subcommands)
    return parser


def main(argv: list[str] | None = None) -> int:
    arguments = build_parser().parse_args(sys.argv[1:] if argv is None else argv)
    try:
        result: int = arguments.run(arguments)
    except (Exception, KeyboardInterrupt) as error:
        if os.environ.get("DAIFUKU_DEBUG"):
            traceback.print_exc()
        failure = explain(error)
        print(f"daifuku: {failure.message}", file=sys.stderr)
        return failure.exit_code
    return result


if __name__ == "__main__":
    sys.exit(main())
