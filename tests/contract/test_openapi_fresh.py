"""The committed specs in openapi/ are what the code produces: regenerate with `make openapi`."""

from __future__ import annotations

import sys

import pytest

from tests.support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import export_openapi


@pytest.mark.parametrize("service", export_openapi.present_services())
def test_committed_spec_is_current(service: str) -> None:
    committed = REPO / "openapi" / f"{service}.json"

    assert committed.exists(), f"openapi/{service}.json is missing: run `make openapi`"
    assert committed.read_text(encoding="utf-8") == export_openapi.render(export_openapi.spec_of(service)), (
        f"openapi/{service}.json is stale: run `make openapi` and commit the result"
    )


@pytest.mark.parametrize("service", export_openapi.present_services())
def test_every_error_response_is_a_problem(service: str) -> None:
    spec = export_openapi.spec_of(service)
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            for status, response in operation["responses"].items():
                if path.endswith("/oauth/token") and status in ("400", "401"):
                    # RFC 6749 §5.2: the token endpoint answers `{error, error_description}`, which OAuth
                    # libraries read (tests/security/test_fuzz.py checks that shape on the wire).
                    assert response["content"] == {
                        "application/json": {"schema": {"$ref": "#/components/schemas/OAuthErrorBody"}}
                    }, (method, path, status)
                elif status.startswith(("4", "5")):
                    assert response["content"] == {
                        "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}
                    }, (method, path, status)
