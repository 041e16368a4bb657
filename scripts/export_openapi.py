"""Write each service's OpenAPI document to openapi/<service>.json, and the public one the gateway serves (every
service merged, internal routes left out) to openapi/public/openapi.json (`make openapi`). The SDKs are built
from the public one (`make clients`).

`tests/contract/test_openapi_fresh.py` fails when a committed spec differs from what the code produces.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SERVICES = ["identity", "submissions", "evidence", "scoring", "notifications"]


def present_services() -> list[str]:
    return [name for name in SERVICES if (REPO / "services" / name / "src" / name / "main.py").exists()]


def spec_of(service: str) -> dict[str, Any]:
    app = importlib.import_module(f"{service}.main").create_app()
    spec: dict[str, Any] = app.openapi()
    return spec


def public_spec() -> dict[str, Any]:
    from gateway.openapi import merge_specs

    return merge_specs({service: spec_of(service) for service in present_services()})


def render(spec: dict[str, Any]) -> str:
    return json.dumps(spec, ensure_ascii=False, indent=2, sort_keys=True) + "\n"


def main() -> None:
    out = REPO / "openapi"
    out.mkdir(exist_ok=True)
    for service in present_services():
        (out / f"{service}.json").write_text(render(spec_of(service)), encoding="utf-8")
        sys.stdout.write(f"openapi/{service}.json\n")
    (out / "public").mkdir(exist_ok=True)
    (out / "public" / "openapi.json").write_text(render(public_spec()), encoding="utf-8")
    sys.stdout.write("openapi/public/openapi.json\n")


if __name__ == "__main__":
    main()
