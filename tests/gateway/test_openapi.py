from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path
from typing import Any

from gateway.openapi import merge_specs
from tests.gateway.conftest import StartGateway, UpstreamApp, closed_port_url

PROBLEM = {"type": "object", "properties": {"code": {"type": "string"}, "title": {"type": "string"}}}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _spec(service: str, item: dict[str, Any], *, extra_schemas: dict[str, Any] | None = None) -> dict[str, Any]:
    ok = {"content": {"application/json": {"schema": _ref("ItemPage")}}}
    problem = {"content": {"application/problem+json": {"schema": _ref("Problem")}}}
    return {
        "openapi": "3.1.0",
        "info": {"title": service, "version": "1"},
        "paths": {
            f"/api/{service}/items": {"get": {"tags": [service], "responses": {"200": ok, "404": problem},
                                              "security": [{"HTTPBearer": []}]}},
            "/healthz": {"get": {"responses": {"200": {"description": "ok"}}}},
        },
        "components": {
            "schemas": {
                "Problem": PROBLEM,
                "Item": item,
                "ItemPage": {"type": "object", "properties": {"items": {"type": "array", "items": _ref("Item")}}},
                **(extra_schemas or {}),
            },
            "securitySchemes": {"HTTPBearer": {"type": "http", "scheme": "bearer"}},
        },
        "tags": [{"name": service, "description": f"{service} things"}],
    }


CAMPAIGN = {"type": "object", "properties": {"deadline": {"type": "string", "format": "date-time"}}}
RUBRIC = {"type": "object", "properties": {"max_points": {"type": "number"}}}


def test_merge_shares_identical_schemas_and_prefixes_clashing_ones() -> None:
    merged = merge_specs({
        "submissions": _spec("submissions", CAMPAIGN, extra_schemas={"Campaign": CAMPAIGN}),
        "scoring": _spec("scoring", RUBRIC),
    })

    schemas = merged["components"]["schemas"]
    assert schemas["Problem"] == PROBLEM
    assert "Item" not in schemas
    assert schemas["SubmissionsItem"] == CAMPAIGN
    assert schemas["ScoringItem"] == RUBRIC
    # ItemPage is spelled the same in both but refers to different Items, so it clashes too.
    assert schemas["SubmissionsItemPage"]["properties"]["items"]["items"] == _ref("SubmissionsItem")
    assert schemas["ScoringItemPage"]["properties"]["items"]["items"] == _ref("ScoringItem")
    assert "Campaign" not in schemas  # no public operation refers to it
    assert set(merged["paths"]) == {"/api/submissions/items", "/api/scoring/items"}
    scoring_get = merged["paths"]["/api/scoring/items"]["get"]
    assert scoring_get["responses"]["200"]["content"]["application/json"]["schema"] == _ref("ScoringItemPage")
    assert scoring_get["responses"]["404"]["content"]["application/problem+json"]["schema"] == _ref("Problem")
    assert scoring_get["security"] == [{"HTTPBearer": []}]
    assert merged["components"]["securitySchemes"] == {"HTTPBearer": {"type": "http", "scheme": "bearer"}}
    assert [t["name"] for t in merged["tags"]] == ["submissions", "scoring"]
    assert "x-edudx-unavailable" not in merged


def test_the_merged_document_is_the_public_one() -> None:
    scoring = _spec("scoring", RUBRIC, extra_schemas={"EventEnvelope": {"type": "object"}})
    scoring["paths"]["/api/scoring/events"] = {"post": {
        "tags": ["events"], "x-internal": True, "responses": {"204": {"description": "ok"}},
        "requestBody": {"content": {"application/json": {"schema": _ref("EventEnvelope")}}}}}
    scoring["x-problem-codes"] = {"rubric_not_found": {"status": 404, "title": "Không tìm thấy bộ tiêu chí"}}

    merged = merge_specs({"scoring": scoring})

    assert set(merged["paths"]) == {"/api/scoring/items"}
    assert "EventEnvelope" not in merged["components"]["schemas"]
    responses = merged["paths"]["/api/scoring/items"]["get"]["responses"]
    assert {"502", "504"} <= set(responses)
    assert responses["504"]["content"]["application/problem+json"]["schema"] == _ref("Problem")
    codes = merged["x-problem-codes"]
    assert codes["rubric_not_found"]["status"] == 404
    assert {"bad_gateway", "gateway_timeout", "unknown_service", "validation_error"} <= set(codes)


def test_merge_renames_do_not_depend_on_service_order() -> None:
    one = merge_specs({"submissions": _spec("submissions", CAMPAIGN), "scoring": _spec("scoring", RUBRIC)})
    other = merge_specs({"scoring": _spec("scoring", RUBRIC), "submissions": _spec("submissions", CAMPAIGN)})

    assert one["components"] == other["components"]


def test_merge_keeps_a_prefixed_name_unique() -> None:
    # "ScoringItem" is already a schema of its own in submissions; the renamed one must not overwrite it.
    taken = {"type": "string"}
    merged = merge_specs({
        "submissions": _spec("submissions", CAMPAIGN, extra_schemas={"ScoringItem": taken}),
        "scoring": _spec("scoring", RUBRIC),
    })

    schemas = merged["components"]["schemas"]
    assert schemas.get("ScoringItem", taken) == taken  # never overwritten (here unused, so dropped)
    assert schemas["ScoringItem2"] == RUBRIC
    assert schemas["ScoringItemPage"]["properties"]["items"]["items"] == _ref("ScoringItem2")


async def test_merged_document_through_the_gateway(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    upstream.openapi["submissions"] = _spec("submissions", CAMPAIGN)
    upstream.openapi["scoring"] = _spec("scoring", RUBRIC)
    client = await start_gateway(
        {"submissions": upstream.url, "scoring": upstream.url, "notifications": closed_port_url()}
    )
    fetches_before = upstream.openapi_fetches["scoring"]

    first = await client.get("/api/openapi.json")
    second = await client.get("/api/openapi.json")

    assert first.status_code == 200
    merged = first.json()
    assert set(merged["paths"]) == {"/api/submissions/items", "/api/scoring/items"}
    assert {"Problem", "SubmissionsItem", "ScoringItem"} <= set(merged["components"]["schemas"])
    assert merged["x-edudx-unavailable"] == ["notifications"]
    assert second.json() == merged
    assert upstream.openapi_fetches["scoring"] == fetches_before + 1  # the second answer came from the cache


async def test_swagger_ui_reads_the_merged_document_from_shipped_files_under_a_strict_csp(
        start_gateway: StartGateway, upstream: UpstreamApp, tmp_path: Path) -> None:
    (tmp_path / "assets").mkdir()
    (tmp_path / "index.html").write_text("<!doctype html><title>EduDX</title>")
    (tmp_path / "assets" / "swagger-ui-bundle-AbC123.js").write_text("window.SwaggerUIBundle = function () {};")
    (tmp_path / "assets" / "swagger-ui-Xy9.css").write_text("body {}")
    (tmp_path / "api-docs.json").write_text(json.dumps({
        "swagger_ui_version": "5.35.0", "script": "assets/swagger-ui-bundle-AbC123.js",
        "stylesheet": "assets/swagger-ui-Xy9.css"}))
    client = await start_gateway({"submissions": upstream.url}, spa_dir=str(tmp_path))

    docs = await client.get("/api/docs")
    script = await client.get("/assets/swagger-ui-bundle-AbC123.js")
    fastapi_defaults = [await client.get(path) for path in ("/openapi.json", "/docs", "/redoc")]

    assert docs.status_code == 200
    assert '<script src="/assets/swagger-ui-bundle-AbC123.js"></script>' in docs.text
    assert '<link rel="stylesheet" href="/assets/swagger-ui-Xy9.css">' in docs.text
    assert "/api/openapi.json" in docs.text
    assert not re.search(r"(src|href)=\"(https?:)?//", docs.text), "nothing from another host"
    assert script.status_code == 200 and "SwaggerUIBundle" in script.text
    # Exactly our scripts: this origin's files and the one inline start-up script, by its hash.
    policy = dict(d.strip().split(" ", 1) for d in docs.headers["content-security-policy"].split(";"))
    inline = re.findall(r"<script>(.*?)</script>", docs.text, re.S)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["default-src"] == "'none'" and policy["connect-src"] == "'self'"
    assert "unsafe-inline" not in policy["script-src"] and "unsafe-eval" not in policy["script-src"]
    # FastAPI's own pages are off: /docs and /redoc are mere client routes of the SPA here.
    assert fastapi_defaults[0].status_code == 404
    assert [r.text for r in fastapi_defaults[1:]] == ["<!doctype html><title>EduDX</title>"] * 2


async def test_docs_without_a_build_say_where_the_document_is(start_gateway: StartGateway,
                                                              upstream: UpstreamApp) -> None:
    client = await start_gateway({"submissions": upstream.url}, spa_dir="/nonexistent/edudx-spa")

    docs = await client.get("/api/docs")

    assert docs.status_code == 503
    assert "make spa" in docs.text and 'href="/api/openapi.json"' in docs.text
    assert "<script" not in docs.text
