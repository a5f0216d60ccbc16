"""`python -m daifuku_local`: run the whole system on 127.0.0.1 until Ctrl-C."""

from __future__ import annotations

import argparse
import logging
import signal
import sys
import threading
from pathlib import Path

from daifuku_cli.local_stack_file import local_stack_file, write_local_stack_urls
from daifuku_cli.target import shop_name
from daifuku_local.aws_resources import LocalChannel
from daifuku_local.stack import LocalStack, LocalStackConfig


def parse_arguments(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="daifuku-local", description=__doc__)
    parser.add_argument("--api-port", type=int, default=3000)
    parser.add_argument("--liff-port", type=int, default=8080)
    parser.add_argument("--simulator-port", type=int, default=8090)
    parser.add_argument("--moto-port", type=int, default=5000)
    parser.add_argument("--any-ports", action="store_true", help="pick free ports for every server")
    parser.add_argument(
        "--ready-file",
        type=Path,
        help="write the URLs as JSON here once everything is up (default: the per-user file that "
        f"`daifuku … --local` reads, {local_stack_file()}, removed on exit)",
    )
    parser.add_argument("--log-dir", type=Path, help="write moto's log here")
    parser.add_argument("--no-demo", action="store_true", help="start with an empty shop")
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the table here between runs (a JSON snapshot saved on Ctrl-C); default: memory only",
    )
    parser.add_argument(
        "--shop",
        type=shop_name,
        help="play one named shop of several: a LINE channel with credentials of its own, and its own "
        "URLs file (`daifuku … --local --shop NAME` finds it)",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    arguments = parse_arguments(sys.argv[1:] if argv is None else argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    any_port = arguments.any_ports
    config = LocalStackConfig(
        api_port=0 if any_port else arguments.api_port,
        liff_port=0 if any_port else arguments.liff_port,
        simulator_port=0 if any_port else arguments.simulator_port,
        moto_port=0 if any_port else arguments.moto_port,
        log_dir=arguments.log_dir,
        data_dir=arguments.data_dir,
        demo_shop=not arguments.no_demo,
        channel=LocalChannel.for_shop(arguments.shop),
    )
    ready_file: Path = arguments.ready_file or local_stack_file(shop=arguments.shop)
    stack = LocalStack(config)
    stopping = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    try:
        urls = stack.start()
        print("Daifuku is running on 127.0.0.1:")
        print(f"  LINE simulator console  {urls.simulator_console}")
        print(f"  LIFF pages              {urls.liff_site}")
        print(f"  HTTP API                {urls.api}  (LINE webhook: {urls.webhook})")
        print(f"  AWS (moto)              {urls.aws_endpoint}")
        write_local_stack_urls(urls.model_dump_json(), ready_file)
        print(f"  (`daifuku … --local` reads these URLs from {ready_file})")
        print("Press Ctrl-C to stop.", flush=True)
        stopping.wait()
    finally:
        print("Stopping…", flush=True)
        if arguments.ready_file is None:
            ready_file.unlink(missing_ok=True)  # `--local` then says that nothing is running
        stack.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
