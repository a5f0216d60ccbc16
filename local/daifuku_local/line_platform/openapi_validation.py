"""Request bodies checked against LINE's own OpenAPI specs (../shared/line-openapi/).

OpenAPI 3.0 is close to JSON Schema draft 4, with two differences that matter here: `nullable`, and
`discriminator`, which plain JSON Schema ignores. Without discriminator support a push whose text
message lacks `text` would pass, because the `Message` base schema only requires `type`. So every
schema with a discriminator dispatches on its property to the mapped schema; the mapped schemas'
`allOf` references back to the base are pointed at a copy of the base without the discriminator,
which keeps the dispatch from recursing.
"""

from __future__ import annotations

import copy
import os
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from jsonschema import Draft4Validator, ValidationError, validators

REPO_ROOT = Path(__file__).resolve().parents[3]
# The design card keeps LINE's specs beside the repository; DAIFUKU_LINE_OPENAPI_DIR points elsewhere.
SPEC_DIR = REPO_ROOT.parent / "shared" / "line-openapi"
NO_DISPATCH_SUFFIX = "__without_discriminator"
COMPONENTS = "#/components/schemas/"


def _spec_dir() -> Path:
    configured = os.environ.get("DAIFUKU_LINE_OPENAPI_DIR")
    directory = Path(configured) if configured else SPEC_DIR
    if not (directory / "messaging-api.yml").is_file():
        raise FileNotFoundError(
            f"LINE's OpenAPI specs are not in {directory}: check out ../shared beside the repository, "
            "or set DAIFUKU_LINE_OPENAPI_DIR"
        )
    return directory


def _discriminator(
    validator: Any, discriminator: dict[str, Any], instance: Any, schema: dict[str, Any]
) -> Any:
    if not isinstance(instance, dict):
        return
    name = discriminator["propertyName"]
    mapping = discriminator.get("mapping", {})
    value = instance.get(name)
    if value not in mapping:
        yield ValidationError(f"{name} {value!r} is not one of {sorted(mapping)}", validator_value=value)
        return
    yield from validator.descend(instance, {"$ref": mapping[value]})


def _nullable(validator: Any, nullable: bool, instance: Any, schema: dict[str, Any]) -> Any:
    return iter(())


OpenApiValidator = validators.extend(
    Draft4Validator, {"discriminator": _discriminator, "nullable": _nullable}
)


def _rewrite_schemas(schemas: dict[str, Any]) -> dict[str, Any]:
    """Components with nullable types widened and discriminator targets pointed at undispatched bases."""
    rewritten = copy.deepcopy(schemas)
    bases = {
        name for name, schema in schemas.items() if isinstance(schema, dict) and "discriminator" in schema
    }
    for base in bases:
        undispatched = copy.deepcopy(schemas[base])
        undispatched.pop("discriminator")
        rewritten[base + NO_DISPATCH_SUFFIX] = undispatched
        for target_ref in schemas[base]["discriminator"].get("mapping", {}).values():
            target = rewritten[target_ref.removeprefix(COMPONENTS)]
            for part in target.get("allOf", []):
                if part.get("$ref") == COMPONENTS + base:
                    part["$ref"] = COMPONENTS + base + NO_DISPATCH_SUFFIX

    def widen_nullable(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("nullable") and "type" in node:
                node["type"] = [node["type"], "null"]
            for value in node.values():
                widen_nullable(value)
        elif isinstance(node, list):
            for value in node:
                widen_nullable(value)

    widen_nullable(rewritten)
    return rewritten


@dataclass(frozen=True)
class Violation:
    """One way a request body breaks the spec, in LINE's error-detail shape."""

    message: str
    property: str


class OpenApiSpec:
    """One spec file: its operations by method and path, and a validator for each request body."""

    def __init__(self, document: dict[str, Any]):
        self._document = document
        self._root = {
            "components": {"schemas": _rewrite_schemas(document.get("components", {}).get("schemas", {}))}
        }
        self._operations: list[tuple[str, re.Pattern[str], dict[str, Any]]] = []
        for path, item in document.get("paths", {}).items():
            pattern = re.compile("^" + re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(path)) + "$")
            for method, operation in item.items():
                if isinstance(operation, dict) and method in {"get", "post", "put", "delete", "patch"}:
                    self._operations.append((method.upper(), pattern, operation))

    def operation(self, method: str, path: str) -> dict[str, Any] | None:
        for operation_method, pattern, operation in self._operations:
            if operation_method == method and pattern.match(path):
                return operation
        return None

    def json_body_schema(self, operation: dict[str, Any]) -> dict[str, Any] | None:
        content = operation.get("requestBody", {}).get("content", {})
        json_content = content.get("application/json")
        return json_content.get("schema") if json_content else None

    def validate_body(self, method: str, path: str, body: Any) -> list[Violation]:
        """Every violation of the operation's JSON request body schema (none for non-JSON bodies)."""
        operation = self.operation(method, path)
        schema = self.json_body_schema(operation) if operation else None
        if schema is None:
            return []
        validator = OpenApiValidator({**schema, **self._root})
        return [
            Violation(message=error.message, property=_property_path(error))
            for error in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        ]

    def schema(self, name: str) -> dict[str, Any]:
        return {"$ref": COMPONENTS + name, **self._root}

    def validate_against(self, name: str, instance: Any) -> list[Violation]:
        validator = OpenApiValidator(self.schema(name))
        return [Violation(e.message, _property_path(e)) for e in validator.iter_errors(instance)]


def _property_path(error: ValidationError) -> str:
    path = ""
    for part in error.absolute_path:
        path += f"[{part}]" if isinstance(part, int) else (f".{part}" if path else str(part))
    return path


@cache
def load_spec(file_name: str) -> OpenApiSpec:
    """A spec from ../shared/line-openapi/, parsed once per process."""
    return OpenApiSpec(yaml.safe_load((_spec_dir() / file_name).read_text()))
