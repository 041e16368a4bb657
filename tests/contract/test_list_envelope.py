"""Every list answers one paging envelope, `{items, total, limit, offset, next}` (edudx_common.pagination): no
operation of the public document or of a service's own document answers a bare JSON array, and every answer
shaped like a page (an `items` or `rows` array) carries all the envelope's fields.
Generated page schemas follow one naming rule: `XPage`, never pydantic's `Page_X_`."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOCUMENTS = [*sorted((ROOT / "openapi").glob("*.json")), ROOT / "openapi" / "public" / "openapi.json"]
ENVELOPE = {"items", "total", "limit", "offset", "next"}
# What pages have been called here (`rows` was the results' own shape). A bulk action's `results` are the
# outcome of one action, not a list to page.
PAGE_WORDS = {"items", "rows"}
# Objects with an `items` array that are one document, not a list: a draft's checklist (its lines are what is
# still missing before submitting, a handful, never paged).
DOCUMENTS_NOT_LISTS = {"ChecklistRead"}


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> tuple[str | None, dict[str, Any]]:
    name = None
    while "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[1]
        schema = spec["components"]["schemas"][name]
    return name, schema


def _answers(spec: dict[str, Any]) -> Iterator[tuple[str, str | None, dict[str, Any]]]:
    """(operation, schema name, schema) of every 2xx JSON answer."""
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation.get("responses", {}).items():
                if not status.startswith("2"):
                    continue
                for media_type, content in response.get("content", {}).items():
                    if "json" in media_type and "schema" in content:
                        name, schema = _resolve(spec, content["schema"])
                        yield f"{method.upper()} {path} → {status}", name, schema


def _problems(spec: dict[str, Any]) -> list[str]:
    found = []
    for operation, name, schema in _answers(spec):
        if schema.get("type") == "array":
            found.append(f"{operation}: a bare array (use edudx_common.pagination.Page)")
            continue
        properties = schema.get("properties", {})
        arrays = {key for key, value in properties.items()
                  if _resolve(spec, value)[1].get("type") == "array"}
        if arrays & PAGE_WORDS and name not in DOCUMENTS_NOT_LISTS and not ENVELOPE <= properties.keys():
            found.append(f"{operation} ({name}): a page without {sorted(ENVELOPE - properties.keys())}")
    return found


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_list_answers_the_paging_envelope(document: Path) -> None:
    spec = json.loads(document.read_text(encoding="utf-8"))
    assert _problems(spec) == []


@pytest.mark.parametrize("document", DOCUMENTS, ids=lambda p: str(p.relative_to(ROOT)))
def test_page_schemas_have_readable_names(document: Path) -> None:
    schemas = json.loads(document.read_text(encoding="utf-8"))["components"]["schemas"]
    assert [name for name in schemas if re.match(r"^(Cursor)?Page_", name)] == []
    pages = [name for name, schema in schemas.items() if ENVELOPE <= schema.get("properties", {}).keys()]
    assert pages  # the document has lists at all: the check below is not vacuous
    generic = [name for name in pages if schemas[name].get("title", name) != name]
    assert generic == []


def test_the_check_finds_a_bare_array_and_a_page_without_the_envelope() -> None:
    spec: dict[str, Any] = {
        "paths": {
            "/a": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"type": "array", "items": {"type": "string"}}}}}}}},
            "/b": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/Results"}}}}}}},
            "/c": {"get": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/GoodPage"}}}}}}},
            "/d": {"post": {"responses": {"200": {"content": {"application/json": {
                "schema": {"$ref": "#/components/schemas/BulkAction"}}}}}}},
        },
        "components": {"schemas": {
            "Results": {"type": "object", "properties": {"rows": {"type": "array"}, "total": {"type": "integer"}}},
            "BulkAction": {"type": "object", "properties": {"results": {"type": "array"}}},
            "GoodPage": {"type": "object", "properties": {key: {} for key in ENVELOPE} | {"items": {"type": "array"}}},
        }},
    }
    assert _problems(spec) == [
        "GET /a → 200: a bare array (use edudx_common.pagination.Page)",
        "GET /b → 200 (Results): a page without ['items', 'limit', 'next', 'offset']",
    ]
