"""cdk-nag acknowledgments, always on one construct and always with the reason."""

from __future__ import annotations

from collections.abc import Mapping

from aws_cdk import Acknowledgment, Validations
from constructs import IConstruct


def acknowledge(scope: IConstruct, reasons: Mapping[str, str]) -> None:
    """Acknowledge cdk-nag findings (`rule id` → reason) on `scope` and the resources under it."""
    for rule_id, reason in reasons.items():
        if not reason.strip():
            raise ValueError(f"{rule_id} on {scope.node.path} needs a reason")
    Validations.of(scope).acknowledge(
        *(Acknowledgment(id=rule_id, reason=reason) for rule_id, reason in reasons.items())
    )
