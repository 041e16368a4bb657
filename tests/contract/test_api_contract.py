"""The public API document is one a client developer can build on (issue 19): checked over the merged document
the gateway serves (openapi/public/openapi.json, as `make openapi` writes it from the code) and the apps' routes.
"""

from __future__ import annotations

import importlib
import json
import re
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel

from edudx_common import messages
from edudx_common.openapi import INTERNAL_KEY, INTERNAL_TAGS, TAG_DESCRIPTIONS
from tests.support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import export_openapi

SNAKE = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)*$")
HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


@pytest.fixture(scope="module")
def public() -> dict[str, Any]:
    return export_openapi.public_spec()


def _operations(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield path, method, operation


def test_the_committed_public_document_is_current(public: dict[str, Any]) -> None:
    committed = REPO / "openapi" / "public" / "openapi.json"
    assert committed.read_text(encoding="utf-8") == export_openapi.render(public), "run `make openapi`"


def test_operation_ids_are_unique_snake_case_and_do_not_embed_the_path(public: dict[str, Any]) -> None:
    ids = [operation["operationId"] for _, _, operation in _operations(public)]
    assert len(ids) == len(set(ids))
    for path, method, operation in _operations(public):
        operation_id = operation["operationId"]
        assert SNAKE.match(operation_id), operation_id
        assert "_api_" not in operation_id and "{" not in operation_id, (method, path, operation_id)
    assert {"campaigns_list", "submissions_submit", "auth_login", "feed_list"} <= set(ids)


def test_internal_routes_are_not_public(public: dict[str, Any]) -> None:
    paths = set(public["paths"])
    assert not {"/api/scoring/events", "/api/notifications/events", "/api/identity/auth/token",
                "/api/identity/auth/revoked-sessions"} & paths
    for _, _, operation in _operations(public):
        assert INTERNAL_KEY not in operation
        assert not INTERNAL_TAGS & set(operation.get("tags", []))
    # …but the services' own documents keep them for their tests.
    assert "/api/scoring/events" in export_openapi.spec_of("scoring")["paths"]


def test_every_operation_states_its_security(public: dict[str, Any]) -> None:
    assert public["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    for path, method, operation in _operations(public):
        assert "security" in operation, (method, path)
        if operation["security"]:
            assert "401" in operation["responses"], (method, path)
        else:
            # Sign-in and the client-credentials token endpoint check credentials of their own (401 when wrong).
            assert "401" not in operation["responses"] or path.endswith(("/auth/login", "/oauth/token")), (method, path)
    assert public["paths"]["/api/submissions/campaigns"]["get"]["security"] == [{"bearerAuth": []}]
    assert public["paths"]["/api/identity/auth/login"]["post"]["security"] == []
    assert public["paths"]["/api/scoring/public/units/{unit_id}/badge"]["get"]["security"] == []


def test_one_schema_per_model(public: dict[str, Any]) -> None:
    schemas = public["components"]["schemas"]
    assert not [name for name in schemas if name.endswith(("-Input", "-Output"))]
    assert {"CampaignRead", "OutlineDefinition"} <= set(schemas)


def _properties(spec: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    def walk(owner: str, name: str, node: Any) -> Iterator[tuple[str, str, dict[str, Any]]]:
        if isinstance(node, dict):
            yield owner, name, node
            for key in ("anyOf", "oneOf", "allOf"):
                for option in node.get(key, []):
                    yield from walk(owner, name, option)
            if "items" in node:
                yield from walk(owner, name, node["items"])

    for schema_name, schema in spec["components"]["schemas"].items():
        for name, prop in schema.get("properties", {}).items():
            yield from walk(schema_name, name, prop)


def test_every_timestamp_is_a_date_time(public: dict[str, Any]) -> None:
    time_like = re.compile(r"(_at|_until|_since|^at|^as_of)$")
    plain = [f"{owner}.{name}" for owner, name, prop in _properties(public)
             if time_like.search(name) and prop.get("type") == "string" and prop.get("format") != "date-time"]
    assert plain == []


# Fields named like a closed set of values whose values really are open: free text an admin or a rubric defines
# (levels, classifications), audit vocabularies that grow with every feature (actions, target types), media types.
_OPEN_VOCABULARIES = {
    ("AuditRecordRead", "action"), ("AuditRecordRead", "target_type"), ("SubmissionEventRead", "action"),
    ("UnitChangeRead", "kind"), ("Problem", "type"), ("ComputedFrom", "campaign_kind"),
    ("Body_integration_clients_issue_token", "grant_type"), ("Body_integration_clients_issue_token", "scope"),
}
_ENUM_LIKE = re.compile(r"(^|_)(status|kind|mode|role|roles|unit_type|unit_types|event_type|event_types|scope|scopes|"
                        r"token_type|state)$")


def test_enum_like_fields_are_enums(public: dict[str, Any]) -> None:
    plain = sorted({f"{owner}.{name}" for owner, name, prop in _properties(public)
                    if _ENUM_LIKE.search(name) and (owner, name) not in _OPEN_VOCABULARIES
                    and prop.get("type") == "string" and "enum" not in prop and "const" not in prop
                    and "format" not in prop})
    assert plain == []
    schemas = public["components"]["schemas"]
    assert schemas["SubmissionStatus"]["enum"] == ["draft", "submitted", "under_review", "returned", "resubmitted",
                                                   "forwarded", "approved"]
    assert "school" in schemas["UnitType"]["enum"] and "dx_self_assessment" in schemas["CampaignKind"]["enum"]


def test_errors_are_problems_with_a_code_catalogue(public: dict[str, Any]) -> None:
    codes = public["x-problem-codes"]
    assert {"validation_error", "stale_version", "version_required", "too_many_requests", "bad_gateway",
            "gateway_timeout", "payload_too_large", "campaign_not_found", "invalid_credentials"} <= set(codes)
    assert all(SNAKE.match(code) and entry["title"] and entry["title_en"] for code, entry in codes.items())
    for path, method, operation in _operations(public):
        responses = operation["responses"]
        assert {"429", "502", "503", "504"} <= set(responses), (method, path)
        assert {"Retry-After", "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"} <= set(
            responses["429"]["headers"]), (method, path)
        if "requestBody" in operation:
            assert {"413", "422"} <= set(responses), (method, path)


def test_every_problem_code_is_told_in_vietnamese_and_in_english(public: dict[str, Any]) -> None:
    """Every code any service or the gateway can answer has a Vietnamese title and its own English one (not the
    words of the code), so `Accept-Language: en` never falls back to a made-up title."""
    catalogues = [public["x-problem-codes"]] + [
        json.loads(path.read_text()).get("x-problem-codes", {}) for path in sorted((REPO / "openapi").glob("*.json"))]
    codes = {code: entry for catalogue in catalogues for code, entry in catalogue.items()}
    assert len(codes) > 100
    missing = sorted(code for code in codes if code not in messages.TITLES_EN)
    assert missing == []
    for code, entry in codes.items():
        assert messages.is_vietnamese(entry["title"]), code
        assert entry["title_en"] == messages.TITLES_EN[code] and not messages.is_vietnamese(entry["title_en"]), code


def test_files_are_typed_binary(public: dict[str, Any]) -> None:
    for path, method, operation in _operations(public):
        for status, response in operation["responses"].items():
            for media_type, content in response.get("content", {}).items():
                if status.startswith("2") and "json" not in media_type:
                    assert content.get("schema") == {"type": "string", "format": "binary"}, (method, path)


def test_every_tag_has_a_description(public: dict[str, Any]) -> None:
    for tag in public["tags"]:
        assert tag["name"] in TAG_DESCRIPTIONS and tag["description"] == TAG_DESCRIPTIONS[tag["name"]], tag


def _routes(routes: list[Any]) -> Iterator[APIRoute]:
    for route in routes:
        if isinstance(route, APIRoute):
            yield route
        elif (included := getattr(route, "original_router", None)) is not None:
            yield from _routes(included.routes)
        elif (nested := getattr(route, "routes", None)) is not None:
            yield from _routes(nested)


def _models(annotation: Any, found: set[type[BaseModel]]) -> None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if annotation not in found:
            found.add(annotation)
            for field in annotation.model_fields.values():
                _models(field.annotation, found)
    for argument in getattr(annotation, "__args__", ()) or ():
        _models(argument, found)


@pytest.mark.parametrize("service", export_openapi.present_services())
def test_every_public_request_body_refuses_unknown_fields(service: str) -> None:
    app = importlib.import_module(f"{service}.main").create_app()
    lenient = []
    for route in _routes(app.routes):
        internal = (route.openapi_extra or {}).get(INTERNAL_KEY) or INTERNAL_TAGS & set(map(str, route.tags))
        if route.body_field is None or internal or not route.include_in_schema:
            continue
        found: set[type[BaseModel]] = set()
        _models(route.body_field.field_info.annotation, found)
        lenient += [f"{route.path}: {model.__name__}" for model in found
                    if model.model_config.get("extra") != "forbid" and not model.__module__.startswith("fastapi")]
    assert lenient == [], "request bodies must derive from edudx_common.types.RequestModel"
