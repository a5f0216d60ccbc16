"""The app synthesized as the CLI would, with asset bundling skipped, and ways to look into it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from aws_cdk import App
from aws_cdk.assertions import Template

from infra.app import build_app, cdk_json_context
from infra.stack import DaifukuStack

# An empty list of stacks to bundle: assets are staged from their sources, so synthesis takes seconds.
SKIP_BUNDLING = {"aws:cdk:bundling-stacks": []}


@dataclass(frozen=True)
class Synthesized:
    app: App
    stack: DaifukuStack
    template: Template
    template_json: dict[str, Any]
    outdir: Path

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        resources: dict[str, dict[str, Any]] = self.template_json["Resources"]
        return resources

    def of_type(self, resource_type: str) -> dict[str, dict[str, Any]]:
        return {name: r for name, r in self.resources.items() if r["Type"] == resource_type}

    def only(self, resource_type: str) -> tuple[str, dict[str, Any]]:
        """The logical id and body of the one resource of `resource_type`."""
        matches = self.of_type(resource_type)
        assert len(matches) == 1, f"expected one {resource_type}, found {sorted(matches)}"
        return next(iter(matches.items()))

    def daifuku_functions(self) -> dict[str, tuple[str, dict[str, Any]]]:
        """The functions built from functions/<name>, by name: (logical id, resource).

        A second entry point of a directory is named `<name>.<module>` (segment_send.planner)."""
        found = {}
        for logical_id, function in self.of_type("AWS::Lambda::Function").items():
            handler = function["Properties"].get("Handler", "")
            if handler.startswith("functions."):
                _, directory, module, _ = handler.split(".")
                found[directory if module == "handler" else f"{directory}.{module}"] = (logical_id, function)
        return found

    def queue_of(self, function_name: str) -> tuple[dict[str, Any], str, dict, str, dict]:
        """The SQS event source of the function built from functions/<function_name>: (mapping,
        queue id, queue, dead-letter queue id, dead-letter queue)."""
        function_id, _ = self.daifuku_functions()[function_name]
        mapping = next(
            m
            for m in self.of_type("AWS::Lambda::EventSourceMapping").values()
            if m["Properties"]["FunctionName"] == {"Ref": function_id}
        )
        queue_id = mapping["Properties"]["EventSourceArn"]["Fn::GetAtt"][0]
        queue = self.resources[queue_id]
        dlq_id = queue["Properties"]["RedrivePolicy"]["deadLetterTargetArn"]["Fn::GetAtt"][0]
        return mapping, queue_id, queue, dlq_id, self.resources[dlq_id]

    def role_of(self, function_name: str) -> str:
        """The logical id of the execution role of the function built from functions/<function_name>."""
        _, function = self.daifuku_functions()[function_name]
        role_id: str = function["Properties"]["Role"]["Fn::GetAtt"][0]
        return role_id

    def statements_of_role(self, role_logical_id: str) -> list[dict[str, Any]]:
        """Every statement of the IAM policies attached to a role."""
        statements = []
        for policy in self.of_type("AWS::IAM::Policy").values():
            if {"Ref": role_logical_id} in policy["Properties"]["Roles"]:
                statements += policy["Properties"]["PolicyDocument"]["Statement"]
        return statements

    def actions_of_role(self, role_logical_id: str) -> set[str]:
        return {
            action for statement in self.statements_of_role(role_logical_id) for action in actions(statement)
        }


def actions(statement: dict[str, Any]) -> list[str]:
    action = statement.get("Action", [])
    return [action] if isinstance(action, str) else list(action)


def walk(value: Any) -> Iterator[tuple[str, Any]]:
    """Every (key, value) pair in a JSON document, at any depth."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield key, item
            yield from walk(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk(item)


def synthesize(outdir: Path, context: dict[str, Any] | None = None) -> Synthesized:
    """Synthesize the app with cdk.json's context (as the CLI passes it), without cdk-nag or bundling."""
    app, stack = build_app(
        outdir=str(outdir), context={**cdk_json_context(), **SKIP_BUNDLING, **(context or {})}, nag=False
    )
    template = Template.from_stack(stack)
    return Synthesized(
        app=app, stack=stack, template=template, template_json=template.to_json(), outdir=outdir
    )


def template_text(synthesized: Synthesized) -> str:
    return json.dumps(synthesized.template_json)
