"""Events between services have a written contract: the producer's exported JSON Schema, and each consumer's own
model of what it reads, checked against it here. Services never import each other, so this test is where a
producer renaming or dropping a field a consumer reads fails — in CI, not as a 422 in production.

Regenerate the schemas with `make openapi` (scripts/export_events.py).
"""

from __future__ import annotations

import json
import sys
from typing import Any

import pytest

from tests.support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import export_events
from export_openapi import present_services

Schema = dict[str, Any]
CONSUMERS = [(service, producer, model) for service in present_services()
             for producer, model in export_events.consumed(service)]


def _resolve(node: Schema, defs: Schema) -> Schema:
    while "$ref" in node:
        node = defs[node["$ref"].rsplit("/", 1)[-1]]
    return node


def _kinds(node: Schema, defs: Schema) -> set[tuple[str, ...]]:
    """What JSON a property may hold: (type, format) pairs, arrays with the kinds of their items; {("any",)} when
    the schema does not restrict it."""
    node = _resolve(node, defs)
    if "anyOf" in node or "oneOf" in node:
        return set().union(*(_kinds(option, defs) for option in node.get("anyOf", node.get("oneOf", []))))
    if "enum" in node or "const" in node:
        return {("string",)} if node.get("type", "string") == "string" else {(node["type"],)}
    kind = node.get("type")
    if kind is None:
        return {("any",)}
    if kind == "array":
        items = sorted(str(k) for k in _kinds(node.get("items", {}), defs))
        return {("array", *items)}
    if kind == "string" and "format" in node:
        return {("string", node["format"])}
    if kind == "integer":
        return {("integer",)}
    return {(kind,)}


def _accepts(consumer: set[tuple[str, ...]], producer: set[tuple[str, ...]]) -> bool:
    if ("any",) in consumer:
        return True
    for kind in producer:
        if kind in consumer or (kind == ("integer",) and ("number",) in consumer):
            continue
        if kind[0] == "string" and ("string",) in consumer:  # a consumer reading plain text accepts any format
            continue
        return False
    return True


def contract_problems(consumer: Schema, producer: Schema) -> list[str]:
    """Why `producer`'s events may not satisfy the `consumer` model (empty: they always do)."""
    problems = []
    produced, produced_required = producer.get("properties", {}), set(producer.get("required", []))
    read_required = set(consumer.get("required", []))
    for name, read in consumer.get("properties", {}).items():
        if name not in produced:
            problems.append(f"'{name}' is read but not published (renamed or removed?)")
            continue
        if name in read_required and name not in produced_required:
            problems.append(f"'{name}' is required by the consumer but optional in the producer")
        theirs = _kinds(produced[name], producer.get("$defs", {}))
        ours = _kinds(read, consumer.get("$defs", {}))
        if not _accepts(ours, theirs):
            problems.append(f"'{name}': published as {sorted(theirs)}, read as {sorted(ours)}")
    return problems


def _committed(producer: str, event_type: str) -> Schema | None:
    path = REPO / "events" / producer / f"{event_type}.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def test_committed_event_schemas_are_current() -> None:
    expected = export_events.expected_files()
    committed = set((REPO / "events").rglob("*.json"))

    assert sorted(p.relative_to(REPO) for p in committed - expected.keys()) == [], "run `make openapi`"
    stale = [str(p.relative_to(REPO)) for p, text in expected.items()
             if not p.exists() or p.read_text(encoding="utf-8") != text]
    assert stale == [], f"stale event schemas, run `make openapi` and commit: {stale}"


def test_every_service_that_sends_events_publishes_a_schema_for_each() -> None:
    for service in present_services():
        assert all(model.event_type for model in export_events.published(service))
    assert {"identity", "submissions", "scoring"} <= {s for s in present_services() if export_events.published(s)}


@pytest.mark.parametrize(("consumer", "producer", "model"), CONSUMERS,
                         ids=[f"{c}<-{p}:{m.event_type}" for c, p, m in CONSUMERS])
def test_consumer_model_matches_the_producers_schema(consumer: str, producer: str, model: Any) -> None:
    published = _committed(producer, model.event_type)

    assert published is not None, f"{consumer} reads {model.event_type}, which {producer} does not publish"
    assert contract_problems(model.model_json_schema(mode="validation"), published) == []


def test_a_renamed_or_retyped_field_breaks_the_contract() -> None:
    """The checker itself: the mistakes it exists to catch are caught."""
    consumer, producer = CONSUMERS[0][2], CONSUMERS[0][1]
    published = _committed(producer, consumer.event_type)
    assert published is not None
    read = consumer.model_json_schema(mode="validation")
    field = next(name for name in read["required"])

    renamed = {**published, "properties": {(f"{k}_renamed" if k == field else k): v
                                           for k, v in published["properties"].items()}}
    optional = {**published, "required": [r for r in published["required"] if r != field]}
    retyped = {**published, "properties": {**published["properties"], field: {"type": "boolean"}}}

    assert contract_problems(read, published) == []
    assert contract_problems(read, renamed) == [f"'{field}' is read but not published (renamed or removed?)"]
    assert contract_problems(read, optional) == [
        f"'{field}' is required by the consumer but optional in the producer"]
    assert len(contract_problems(read, retyped)) == 1
