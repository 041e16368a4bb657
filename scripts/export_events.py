"""Write the JSON Schema of every event each service publishes to events/<service>/<type>.json (`make openapi`).

Each service lists its event models in `<service>.events.PUBLISHED`. The committed schemas are the written
contract between services: `tests/contract/test_events.py` fails when one differs from what the code produces,
and checks every consumer's own model (`<service>.events.CONSUMED`) against the producer's committed schema.
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from export_openapi import REPO, present_services

from edudx_common.tables.outbox import ConsumedEvent, Event

OUT = REPO / "events"
JSON_SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"


def _events_module(service: str) -> Any:
    """`<service>.events`, or None for a service that neither publishes nor receives events."""
    if importlib.util.find_spec(f"{service}.events") is None:
        return None
    return importlib.import_module(f"{service}.events")


def published(service: str) -> tuple[type[Event], ...]:
    return tuple(getattr(_events_module(service), "PUBLISHED", ()))


def consumed(service: str) -> tuple[tuple[str, type[ConsumedEvent]], ...]:
    return tuple(getattr(_events_module(service), "CONSUMED", ()))


def schema_of(service: str, model: type[Event]) -> dict[str, Any]:
    """The payload as it travels (serialisation mode), named by its type and its producer."""
    schema = model.model_json_schema(mode="serialization")
    return {"$schema": JSON_SCHEMA_DIALECT, "$id": f"events/{service}/{model.event_type}.json",
            "x-event-type": model.event_type, "x-producer": service, **schema}


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def expected_files() -> dict[Path, str]:
    return {OUT / service / f"{model.event_type}.json": render(schema_of(service, model))
            for service in present_services() for model in published(service)}


def main() -> None:
    files = expected_files()
    for path in sorted(OUT.rglob("*.json")) if OUT.exists() else []:
        if path not in files:  # an event no longer published
            path.unlink()
    for path, text in sorted(files.items()):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        sys.stdout.write(f"{path.relative_to(REPO)}\n")


if __name__ == "__main__":
    main()
