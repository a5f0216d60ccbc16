"""cdk-nag's AwsSolutions checks: nothing unacknowledged, and every acknowledgment specific and reasoned."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

import pytest
from aws_cdk import Acknowledgment, Validations
from cdk_nag import AwsSolutionsChecks
from constructs import IConstruct
from infra_synthesis import SKIP_BUNDLING, Synthesized

import infra.nag
from infra.app import build_app, cdk_json_context


@dataclass(frozen=True)
class Acknowledged:
    path: str
    rule_id: str
    reason: str


def findings(scope: IConstruct) -> list[tuple[str, str, str]]:
    """(severity, rule id, construct path) of every finding cdk-nag reports under `scope`."""
    report = AwsSolutionsChecks().validate_scope(scope)
    return [
        (violation.severity or "", violation.rule_name, resource.construct_path or "")
        for violation in report.violations
        for resource in violation.violating_resources
    ]


def acknowledgments(scope: IConstruct) -> Iterator[Acknowledged]:
    for construct in scope.node.find_all():
        for entry in construct.node.metadata:
            if entry.type == Validations.ACKNOWLEDGED_RULES_METADATA_KEY:
                for rule_id, reason in entry.data.items():
                    yield Acknowledged(construct.node.path, rule_id.removeprefix("Annotation::"), reason)


class RecordingValidations:
    """Stands in for aws_cdk.Validations in infra.nag: records acknowledgments instead of making them."""

    recorded: ClassVar[list[Acknowledged]] = []

    def __init__(self, scope: IConstruct):
        self._scope = scope

    @classmethod
    def of(cls, scope: IConstruct) -> RecordingValidations:
        return cls(scope)

    def acknowledge(self, *rules: Acknowledgment) -> None:
        type(self).recorded.extend(Acknowledged(self._scope.node.path, r.id, r.reason) for r in rules)


@pytest.fixture(scope="module")
def without_acknowledgments(tmp_path_factory: pytest.TempPathFactory) -> tuple[list, list[Acknowledged]]:
    """The findings of the stack built with no acknowledgment made, and the acknowledgments it asked for."""
    RecordingValidations.recorded = []
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(infra.nag, "Validations", RecordingValidations)
        _, stack = build_app(
            outdir=str(tmp_path_factory.mktemp("unacknowledged")),
            context={**cdk_json_context(), **SKIP_BUNDLING},
            nag=False,
        )
        return findings(stack), list(RecordingValidations.recorded)


def test_no_finding_is_left_unacknowledged(synthesized: Synthesized) -> None:
    remaining = findings(synthesized.stack)
    assert remaining == [], "cdk-nag findings:\n" + "\n".join(map(str, remaining))


def test_every_acknowledgment_gives_a_reason_on_a_resource(synthesized: Synthesized) -> None:
    acknowledged = list(acknowledgments(synthesized.app))
    assert acknowledged
    for ack in acknowledged:
        assert len(ack.reason.strip()) >= 30, ack
        # On a construct inside the stack, never on the app or the stack as a whole
        assert ack.path.startswith(f"{synthesized.stack.node.path}/"), ack


def test_every_acknowledgment_answers_a_real_finding(without_acknowledgments) -> None:
    # Given the findings when nothing is acknowledged
    unacknowledged, asked = without_acknowledgments
    assert asked

    # Then each acknowledgment covers a finding on its construct or below it: none is stale or stray
    stale = [
        ack
        for ack in asked
        if not any(
            rule_id == ack.rule_id and (path == ack.path or path.startswith(f"{ack.path}/"))
            for _, rule_id, path in unacknowledged
        )
    ]
    assert stale == []


def test_acknowledge_refuses_an_empty_reason(tmp_path: Path) -> None:
    from aws_cdk import App, Stack

    stack = Stack(App(outdir=str(tmp_path)), "S")
    with pytest.raises(ValueError, match="needs a reason"):
        infra.nag.acknowledge(stack, {"AwsSolutions-S1": " "})
