"""The shared Lambda layer: the locked runtime dependencies and `daifuku`, built without Docker."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.daifuku_function import ARCHITECTURE, RUNTIME
from infra.layer_build import SHARED_PACKAGE, build_layer, layer_fingerprint


@jsii.implements(ILocalBundling)
class LocalBuild:
    """CDK local bundling by one of infra's layer builds (uv, no Docker is ever needed)."""

    def __init__(self, build: Callable[[Path], None]):
        self._build = build

    def try_bundle(self, output_dir: str, options: Any) -> bool:
        self._build(Path(output_dir))
        return True


def locally_built_layer(
    scope: Construct,
    construct_id: str,
    *,
    description: str,
    source: Path,
    fingerprint: str,
    build: Callable[[Path], None],
) -> lambda_.LayerVersion:
    """An ARM64 Python layer built by `build`; `fingerprint` (of what it reads) decides when to rebuild."""
    return lambda_.LayerVersion(
        scope,
        construct_id,
        description=description,
        code=lambda_.Code.from_asset(
            str(source),
            asset_hash_type=AssetHashType.CUSTOM,
            asset_hash=fingerprint,
            bundling=BundlingOptions(image=RUNTIME.bundling_image, local=LocalBuild(build)),
        ),
        compatible_runtimes=[RUNTIME],
        compatible_architectures=[ARCHITECTURE],
    )


class SharedLayer(Construct):
    """The layer every Daifuku function runs with."""

    def __init__(self, scope: Construct, construct_id: str):
        super().__init__(scope, construct_id)
        self.layer = locally_built_layer(
            self,
            "Layer",
            description="Daifuku shared package and its runtime dependencies (ARM64, Python 3.13)",
            source=SHARED_PACKAGE.parent,
            # The build reads uv.lock and the package.
            fingerprint=layer_fingerprint(),
            build=build_layer,
        )
