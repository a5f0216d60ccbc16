"""The CDK app: `python -m infra.app` (as cdk.json runs it). Synthesizes offline, without AWS credentials."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from typing import Any

from aws_cdk import App, Validations
from cdk_nag import AwsSolutionsChecks

from infra.deployment_context import SHOP_CONTEXT_KEY, STACK_DESCRIPTION, shop_stack_name
from infra.layer_build import REPO_ROOT
from infra.stack import DaifukuStack

CDK_JSON = REPO_ROOT / "cdk.json"


def cdk_json_context() -> dict[str, Any]:
    """The `context` of cdk.json: feature flags and the shop's deployment settings."""
    context: dict[str, Any] = json.loads(CDK_JSON.read_text())["context"]
    return context


def build_app(
    *, outdir: str | None = None, context: Mapping[str, Any] | None = None, nag: bool = True
) -> tuple[App, DaifukuStack]:
    """The app and its one stack, the shop's (context `daifuku:shop`; none: the first shop's, `Daifuku`);
    with `nag`, synthesis fails on any unacknowledged cdk-nag finding."""
    app = App(outdir=outdir, context=dict(context) if context is not None else None)
    shop = app.node.try_get_context(SHOP_CONTEXT_KEY) or None
    stack = DaifukuStack(app, shop_stack_name(shop), description=STACK_DESCRIPTION)
    if nag:
        Validations.of(app).add_plugins(AwsSolutionsChecks(app))
    return app, stack


def main() -> None:
    if "CDK_OUTDIR" in os.environ:
        # Run by the CDK CLI, which passes cdk.json's context and the output directory itself.
        app, _ = build_app()
    else:
        app, _ = build_app(outdir=str(REPO_ROOT / "cdk.out"), context=cdk_json_context())
    app.synth()


if __name__ == "__main__":
    main()
