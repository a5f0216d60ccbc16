"""The shared Lambda layer: the locked runtime dependencies and `daifuku`, built without Docker."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsii
from aws_cdk import AssetHashType, BundlingOptions, ILocalBundling
from aws_cdk import aws_lambda as lambda_
from constructs import Construct

from infra.constructs.daifuku_function import ARCHITECTURE, RUNTIME
from infra.layer_build import SHARED_PACKAGE, build_layer, layer_fingerprint


@jsii.implements(ILocalBundling)
class LayerBundler:
    """CDK local bundling of the layer with uv (infra/layer_build.py); Docker is never needed."""

    def try_bundle(self, output_dir: str, options: Any) -> bool:
        build_layer(Path(output_dir))
        return True


class SharedLayer(Construct):
    """The layer every Daifuku function runs with."""

    def __init__(self, scope: Construct, construct_id: str):
        super().__init__(scope, construct_id)
        self.layer = lambda_.LayerVersion(
            self,
            "Layer",
            description="Daifuku shared package and its runtime dependencies (ARM64, Python 3.13)",
            code=lambda_.Code.from_asset(
                str(SHARED_PACKAGE.parent),
                # The build reads uv.lock and the package; their fingerprint decides when to rebuild.
                asset_hash_type=AssetHashType.CUSTOM,
                asset_hash=layer_fingerprint(),
                bundling=BundlingOptions(image=RUNTIME.bundling_image, local=LayerBundler()),
            ),
            compatible_runtimes=[RUNTIME],
            compatible_architectures=[ARCHITECTURE],
        )
