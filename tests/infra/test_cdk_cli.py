"""`cdk synth` with the real CLI: offline, without AWS credentials, with cdk-nag and real bundling."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from infra.layer_build import REPO_ROOT

CDK = REPO_ROOT / "node_modules" / ".bin" / "cdk"


def offline_environment() -> dict[str, str]:
    """This process's environment without any AWS credentials or profile."""
    environment = {key: value for key, value in os.environ.items() if not key.startswith("AWS_")}
    environment.update(
        CDK_DISABLE_CLI_TELEMETRY="true",
        AWS_EC2_METADATA_DISABLED="true",
        AWS_SHARED_CREDENTIALS_FILE="/dev/null",
        AWS_CONFIG_FILE="/dev/null",
    )
    return environment


@pytest.mark.slow
@pytest.mark.skipif(not CDK.exists(), reason="npm packages not installed (npm ci)")
def test_cdk_synth_works_offline_and_bundles_every_asset(tmp_path: Path) -> None:
    # When the CLI synthesizes the app as `./dev synth` does, with the real (local) bundling
    result = subprocess.run(
        [str(CDK), "synth", "--quiet", "--output", str(tmp_path)],
        cwd=REPO_ROOT,
        env=offline_environment(),
        capture_output=True,
        text=True,
        timeout=240,
    )

    # Then it succeeds, with the cdk-nag plugin finding nothing unacknowledged
    assert result.returncode == 0, result.stdout + result.stderr
    template = json.loads((tmp_path / "Daifuku.template.json").read_text())
    assert template["Resources"]

    # And each function's asset is its own package, with bytecode; the layer holds the daifuku package
    resources = template["Resources"]
    functions = {
        resource["Properties"]["Handler"].split(".")[1]: resource
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::Function"
        and resource["Properties"].get("Handler", "").startswith("functions.")
    }
    # webhook, liff_api, segment_send (and its planner), birthday_scheduler, painter, partner_api,
    # connect_delivery, scenario_scheduler, link_redirect
    assert len(functions) == 9
    for name, function in functions.items():
        asset = tmp_path / function["Metadata"]["aws:asset:path"]
        assert [path.parent.name for path in asset.glob("functions/*/handler.py")] == [name]
        assert (asset / "functions" / "__init__.py").is_file()
        assert (asset / "functions" / name / "__pycache__" / "handler.cpython-313.pyc").is_file()
        layers = [
            tmp_path / resources[reference["Ref"]]["Metadata"]["aws:asset:path"]
            for reference in function["Properties"]["Layers"]
        ]
        assert any((layer / "python" / "daifuku" / "settings.py").is_file() for layer in layers), name
    # And the painter's own layer has Pillow, the drawing package and the Japanese font it draws with
    (drawing_layer,) = [
        resource
        for resource in resources.values()
        if resource["Type"] == "AWS::Lambda::LayerVersion"
        and "drawing" in resource["Properties"].get("Description", "")
    ]
    drawing = tmp_path / drawing_layer["Metadata"]["aws:asset:path"] / "python"
    assert (drawing / "PIL").is_dir()
    assert (drawing / "daifuku_menu_drawing" / "fonts" / "NotoSansCJK-Bold.ttc").is_file()
