"""The checked-in OpenAPI document of the partner API is the one the routes generate: it cannot drift."""

from __future__ import annotations

import json
from pathlib import Path

from functions.partner_api.partner_routes import build_resolver, openapi_document

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "partner-api.openapi.json"


def test_the_checked_in_document_is_the_generated_one() -> None:
    generated = json.loads(openapi_document(build_resolver()))
    assert generated == json.loads(CHECKED_IN.read_text()), (
        "regenerate it: python -m functions.partner_api.partner_routes > docs/partner-api.openapi.json"
    )


def test_every_operation_documents_its_refusals_and_the_key() -> None:
    document = json.loads(CHECKED_IN.read_text())
    assert document["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey",
        "name": "X-Api-Key",
        "in": "header",
    }
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            assert {"401", "403", "429"} <= set(operation["responses"]), f"{method} {path}"
