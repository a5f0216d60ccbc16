"""The local API the request-path benchmarks measure: moto in server mode, the LINE simulator, and
the API Gateway emulation in front of the real handlers, in this process (no browser, no stack
subprocess), with the environment the handlers read; and a signed webhook request, timed. Shared by
the request-path benchmarks.
"""

from __future__ import annotations

import os
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(REPO_ROOT), str(REPO_ROOT / "local"), str(REPO_ROOT / "bench")]

from daifuku_local.aws_resources import LocalChannel, LocalResources, create_local_resources  # noqa: E402
from daifuku_local.http_api import HttpApiEmulator  # noqa: E402
from daifuku_local.line_platform import LineSimulator, SimulatorConfig  # noqa: E402
from daifuku_local.moto_process import MotoServerProcess  # noqa: E402
from daifuku_local.wsgi_server import BackgroundWsgiServer  # noqa: E402


@dataclass(frozen=True)
class LocalApiWorld:
    channel: LocalChannel
    simulator: LineSimulator
    resources: LocalResources
    aws_endpoint: str


@contextmanager
def local_api_world() -> Iterator[LocalApiWorld]:
    """moto and the LINE simulator (no monthly quota), the table and secret, the handlers' environment."""
    channel = LocalChannel()
    moto = MotoServerProcess()
    moto.start()
    simulator = LineSimulator(
        SimulatorConfig(
            channel_secret=channel.channel_secret,
            channel_access_token=channel.channel_access_token,
            login_channel_id=channel.login_channel_id,
            monthly_quota=None,
        )
    )
    simulator.start()
    try:
        resources = create_local_resources(moto.endpoint_url, channel)
        os.environ.update(
            {
                "AWS_ENDPOINT_URL": moto.endpoint_url,
                "AWS_DEFAULT_REGION": "ap-northeast-1",
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "DAIFUKU_TABLE_NAME": resources.table_name,
                "DAIFUKU_LINE_CREDENTIALS_PARAMETER": resources.line_credentials_parameter,
                "DAIFUKU_LINE_API_ENDPOINT": simulator.base_url,
                "DAIFUKU_LINE_DATA_API_ENDPOINT": simulator.base_url,
                "POWERTOOLS_TRACE_DISABLED": "true",
                "POWERTOOLS_METRICS_DISABLED": "true",
                "POWERTOOLS_LOG_LEVEL": "WARNING",
            }
        )
        yield LocalApiWorld(channel, simulator, resources, moto.endpoint_url)
    finally:
        simulator.stop()
        moto.stop()


def serve_api(handlers: dict[str, Any] | None = None) -> BackgroundWsgiServer:
    """The API emulation on a free port: the real handlers, or `handlers` in their place."""
    return BackgroundWsgiServer(HttpApiEmulator(handlers=handlers) if handlers else HttpApiEmulator()).start()


def signed_post(url: str, body: bytes, signature: str) -> float:
    """One webhook request signed as LINE signs it (`signature`), which must be answered 200; seconds."""
    request = urllib.request.Request(url, data=body, method="POST")
    request.add_header("Content-Type", "application/json")
    request.add_header("X-Line-Signature", signature)
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=60) as response:
        assert response.status == 200
    return time.perf_counter() - started
