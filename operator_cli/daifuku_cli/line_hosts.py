"""LINE's API hosts and where a command points its clients: apart from line_clients, so that parsing
a command line never imports line-bot-sdk (seconds of start-up)."""

from __future__ import annotations

from dataclasses import dataclass

LINE_API = "https://api.line.me"
LINE_DATA_API = "https://api-data.line.me"


@dataclass(frozen=True)
class LineEndpoints:
    api: str = LINE_API
    data_api: str = LINE_DATA_API
