"""The SnapStart switch (daifuku:snapStart): off by default; on, the customer-facing functions answer
from published versions with SnapStart, through an alias the HTTP API invokes."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cdk_nag import AwsSolutionsChecks
from infra_synthesis import SKIP_BUNDLING, Synthesized, synthesize

from infra.app import build_app, cdk_json_context

CUSTOMER_FACING = {"webhook", "liff_api", "link_redirect"}


@pytest.fixture(scope="module")
def snap_started(tmp_path_factory: pytest.TempPathFactory) -> Synthesized:
    return synthesize(tmp_path_factory.mktemp("snap-start"), {"daifuku:snapStart": True})


def integration_targets(synthesized: Synthesized) -> list[Any]:
    return [
        integration["Properties"]["IntegrationUri"]
        for integration in synthesized.of_type("AWS::ApiGatewayV2::Integration").values()
    ]


def test_snap_start_is_off_by_default(synthesized: Synthesized) -> None:
    for name, (_, function) in synthesized.daifuku_functions().items():
        assert "SnapStart" not in function["Properties"], name
    assert synthesized.of_type("AWS::Lambda::Alias") == {}
    assert synthesized.of_type("AWS::Lambda::Version") == {}
    # The HTTP API invokes the functions themselves ($LATEST)
    functions = {logical_id for logical_id, _ in synthesized.daifuku_functions().values()}
    assert {target["Fn::GetAtt"][0] for target in integration_targets(synthesized)} <= functions


def test_switched_on_the_customer_facing_functions_answer_from_a_snapshot(snap_started: Synthesized) -> None:
    functions = snap_started.daifuku_functions()
    # SnapStart on the webhook, the LIFF API and the links' redirect only: no one waits on the others
    with_snap_start = {
        name for name, (_, function) in functions.items() if "SnapStart" in function["Properties"]
    }
    assert with_snap_start == CUSTOMER_FACING
    for name in CUSTOMER_FACING:
        assert functions[name][1]["Properties"]["SnapStart"] == {"ApplyOn": "PublishedVersions"}

    # Each has a published version and the `live` alias on it, and the HTTP API invokes the alias
    aliases = snap_started.of_type("AWS::Lambda::Alias")
    assert {alias["Properties"]["Name"] for alias in aliases.values()} == {"live"}
    aliased_functions = {alias["Properties"]["FunctionName"]["Ref"] for alias in aliases.values()}
    assert aliased_functions == {functions[name][0] for name in CUSTOMER_FACING}
    targets = integration_targets(snap_started)
    assert {target["Ref"] for target in targets if "Ref" in target} == set(aliases)
    # The partner API (a register's calls) has no snapshot: its integration invokes the function itself
    assert [t for t in targets if "Ref" not in t] == [{"Fn::GetAtt": [functions["partner_api"][0], "Arn"]}]
    # API Gateway may invoke the alias (the permission names it)
    permitted = {
        permission["Properties"]["FunctionName"].get("Ref")
        for permission in snap_started.of_type("AWS::Lambda::Permission").values()
    }
    assert set(aliases) <= permitted


def test_switched_on_cdk_nag_stays_clean(tmp_path: Path) -> None:
    _, stack = build_app(
        outdir=str(tmp_path),
        context={**cdk_json_context(), **SKIP_BUNDLING, "daifuku:snapStart": True},
        nag=False,
    )
    report = AwsSolutionsChecks().validate_scope(stack)
    assert [
        (violation.rule_name, resource.construct_path)
        for violation in report.violations
        for resource in violation.violating_resources
    ] == []
