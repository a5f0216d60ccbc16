"""POSTs to the owner's other systems (event endpoints, the forwarding URL), with a short timeout."""

from __future__ import annotations

import urllib.error
import urllib.request


class UrllibPoster:
    """HttpPoster over urllib: the status, or 0 when nothing answered in time. Redirects are not
    followed (a receiver that moved should be edited in 設定, not silently chased)."""

    def post(self, url: str, body: bytes, headers: dict[str, str], timeout_seconds: float) -> int:
        request = urllib.request.Request(url, data=body, headers=headers, method="POST")
        opener = urllib.request.build_opener(_NoRedirects)
        try:
            with opener.open(request, timeout=timeout_seconds) as response:
                response.read(64 * 1024)
                return int(response.status)
        except urllib.error.HTTPError as error:
            return int(error.code)
        except (urllib.error.URLError, TimeoutError, ConnectionError, OSError):
            return 0


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None
