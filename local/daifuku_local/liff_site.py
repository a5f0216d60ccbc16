"""The LIFF pages as CloudFront serves them, with LIFF itself replaced by @line/liff-mock."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from werkzeug.exceptions import NotFound
from werkzeug.utils import send_from_directory
from werkzeug.wrappers import Request, Response

from daifuku_local.aws_resources import REPO_ROOT
from infra.deployment_context import LIFF_APPS_FILE

LIFF_STATIC = REPO_ROOT / "liff_static"
# Built by `npm run build:liff` (esbuild): the SDK and liff-mock bundled, bound to a simulated user.
LOCAL_LIFF_BUNDLE = LIFF_STATIC / "vendor" / "liff-local.js"
# Files the deployed site has in its bucket that no deployment writes (`daifuku setup` does).
BUCKET_FILES = (LIFF_APPS_FILE,)


class LiffSite:
    """Serves liff_static/; `config.json` and the LIFF SDK are the local stack's own."""

    def __init__(
        self,
        site_config: dict[str, Any],
        static_root: Path = LIFF_STATIC,
        bucket_file: Callable[[str], bytes | None] | None = None,
    ):
        self._site_config = site_config
        self._static_root = static_root
        self._bucket_file = bucket_file

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        request = Request(environ)
        return self.respond(request, environ)(environ, start_response)

    def respond(self, request: Request, environ: dict[str, Any]) -> Response:
        path = request.path.lstrip("/") or "index.html"
        if path == "config.json":
            return Response(json.dumps(self._site_config), content_type="application/json")
        if path in BUCKET_FILES:
            body = self._bucket_file(path) if self._bucket_file else None
            if body is None:
                return Response("Not Found", status=404)
            return Response(body, content_type="application/json", headers={"cache-control": "no-cache"})
        if path == "vendor/liff.js":
            if not LOCAL_LIFF_BUNDLE.exists():
                return Response("LIFF bundle missing: run `npm run build:liff`", status=503)
            return send_from_directory(LOCAL_LIFF_BUNDLE.parent, LOCAL_LIFF_BUNDLE.name, environ)
        try:
            response = send_from_directory(self._static_root, path, environ)
        except NotFound:
            return Response("Not Found", status=404)
        response.headers["cache-control"] = "no-store"
        return response
