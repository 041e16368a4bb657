"""One OpenAPI document for the whole API, merged from each service's own, plus Swagger UI to read it (`/api/docs`).

Component names clash when two services publish different schemas under one name. Then every service that
defines that name gets its own prefixed copy (`identity` + `Unit` → `IdentityUnit`) and the `$ref`s of that
service's document are rewritten to match. Identical definitions are shared under the plain name. A schema
that refers to a renamed one can itself differ between services after the rewrite, so names are resolved
until nothing changes.

The merged document is the PUBLIC one: operations marked `x-internal` (service-to-service: event receivers, the
client-credentials grant, the revoked-sessions list) stay in each service's own document only. Every operation
passes through the gateway, so each also documents the gateway's 502 and 504.
"""

from __future__ import annotations

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import aiohttp
import structlog
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse

from edudx_common.errors import problem_catalogue
from edudx_common.logging import REQUEST_ID_HEADER, get_request_id
from edudx_common.openapi import INTERNAL_KEY, PROBLEM_CODES_KEY
from gateway import __version__, docs, errors  # noqa: F401  (its problem classes join the catalogue)
from gateway.upstreams import Upstream

log = structlog.get_logger("edudx.gateway")

OPENAPI_URL = "/api/openapi.json"
DOCS_URL = "/api/docs"
UNAVAILABLE_KEY = "x-edudx-unavailable"
_REF_PREFIX = "#/components/"
_RETRY_UNAVAILABLE_SECONDS = 5.0

Spec = dict[str, Any]
ComponentKey = tuple[str, str]  # (section, name), e.g. ("schemas", "UnitRead")

router = APIRouter(include_in_schema=False)


@router.get(OPENAPI_URL)
async def get_openapi(request: Request) -> JSONResponse:
    """The merged OpenAPI document of every service behind the gateway."""
    catalogue: OpenAPICatalogue = request.app.state.openapi
    return JSONResponse(await catalogue.document())


@router.get(DOCS_URL)
async def get_docs(request: Request) -> HTMLResponse:
    """Swagger UI over the merged document, from the files the SPA build ships (see `gateway.docs`)."""
    return docs.page(Path(request.app.state.settings.spa_dir), OPENAPI_URL)


class OpenAPICatalogue:
    """Fetches every service's document concurrently and keeps the merge for `ttl` seconds."""

    def __init__(self, upstreams: Mapping[str, Upstream], *, ttl: float, timeout: float) -> None:
        self._upstreams = upstreams
        self._ttl = ttl
        self._timeout = timeout
        self._document: Spec | None = None
        self._expires_at = 0.0
        self._lock = asyncio.Lock()

    async def document(self) -> Spec:
        async with self._lock:  # one refresh at a time; the others get its result
            if self._document is None or time.monotonic() > self._expires_at:
                names = list(self._upstreams)
                fetched = await asyncio.gather(*(self._fetch(self._upstreams[n]) for n in names))
                self._document = merge_specs(dict(zip(names, fetched, strict=True)))
                # A service that was down is asked again soon, so one starting late is not missing for long.
                ttl = min(self._ttl, _RETRY_UNAVAILABLE_SECONDS) if UNAVAILABLE_KEY in self._document else self._ttl
                self._expires_at = time.monotonic() + ttl
            return self._document

    async def _fetch(self, upstream: Upstream) -> Spec | None:
        headers = {REQUEST_ID_HEADER: rid} if (rid := get_request_id()) else {}
        try:
            async with upstream.session.get(upstream.url(f"{upstream.prefix}/openapi.json"), headers=headers,
                                            timeout=aiohttp.ClientTimeout(total=self._timeout)) as response:
                response.raise_for_status()
                spec = json.loads(await response.read())
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            log.warning("openapi_unavailable", service=upstream.name, error=type(exc).__name__)
            return None
        if not isinstance(spec, dict) or not isinstance(spec.get("paths"), dict):
            log.warning("openapi_unavailable", service=upstream.name, error="not an OpenAPI document")
            return None
        return spec


def merge_specs(specs: Mapping[str, Spec | None]) -> Spec:
    """Merge service documents (None = could not be fetched) into one. Pure: no I/O."""
    available = {name: spec for name, spec in specs.items() if spec is not None}
    renames = _resolve_names(available)
    merged: Spec = {
        "openapi": "3.1.0",
        "info": {
            "title": "EduDX API",
            "version": __version__,
            "description": "Mọi dịch vụ EduDX qua một cổng API. Lỗi trả về dạng `application/problem+json` "
            "(RFC 9457) với `code` ổn định cho chương trình (danh mục: `x-problem-codes` của `Problem`) và "
            "`title`/`detail` tiếng Việt cho người đọc (`Accept-Language: en`: tiêu đề và lỗi từng trường bằng "
            "tiếng Anh). Mọi thời điểm là RFC 3339 theo UTC (`Z`); thời điểm gửi lên không kèm múi giờ được hiểu "
            "là giờ Việt Nam. Thay đổi không tương thích được báo trước bằng tiêu đề `Deprecation` và `Sunset` "
            "(docs/api/deprecation.md).",
            "contact": {"name": "EduDX", "url": "https://edudx.vn"},
            "license": {"name": "Proprietary", "identifier": "LicenseRef-EduDX"},
        },
        "servers": [{"url": "/", "description": "Cổng API EduDX (cùng địa chỉ với ứng dụng web)"}],
        "paths": {},
        "components": {},
        "tags": [],
    }
    tag_names: set[str] = set()
    for service, spec in available.items():
        spec = _rewrite(spec, renames[service])
        prefix = f"/api/{service}"
        for path, item in spec.get("paths", {}).items():
            # Anything outside the prefix is not reachable through the gateway.
            if (path == prefix or path.startswith(prefix + "/")) and (public := _public_operations(item)):
                merged["paths"][path] = public
        for section, name, value in _components(spec):
            final = renames[service].get((section, name), name)
            if final != name and section == "schemas" and isinstance(value, dict) and value.get("title") == name:
                # Generators name a model after its title: a renamed copy keeps its new name there too, or two
                # services' `UnitRef`s come out as one duplicate model.
                value = {**value, "title": final}
            merged["components"].setdefault(section, {})[final] = value
        used_tags = {tag for item in merged["paths"].values() for operation in item.values()
                     if isinstance(operation, dict) for tag in operation.get("tags", [])}
        for code, entry in (spec.get(PROBLEM_CODES_KEY) or {}).items():
            merged.setdefault(PROBLEM_CODES_KEY, {}).setdefault(code, entry)
        for tag in spec.get("tags", []):
            if isinstance(tag, dict) and tag.get("name") in used_tags and tag.get("name") not in tag_names:
                tag_names.add(tag["name"])
                merged["tags"].append(tag)
    if available:  # the gateway's own answers (502, 504, unknown service) complete the catalogue
        codes = {**problem_catalogue(modules=("edudx_common", "gateway")), **merged.get(PROBLEM_CODES_KEY, {})}
        merged[PROBLEM_CODES_KEY] = dict(sorted(codes.items()))
    _drop_unused_components(merged)
    if unavailable := sorted(name for name, spec in specs.items() if spec is None):
        merged[UNAVAILABLE_KEY] = unavailable
    return merged


_HTTP_METHODS = frozenset({"get", "put", "post", "delete", "options", "head", "patch", "trace"})
_GATEWAY_RESPONSES = {
    "502": "Dịch vụ phía sau trả lời không hợp lệ (cổng API)",
    "504": "Dịch vụ phía sau không trả lời kịp (cổng API)",
}


def _public_operations(item: dict[str, Any]) -> dict[str, Any]:
    """The path item without its internal operations, each public one with the gateway's own answers."""
    public: dict[str, Any] = {}
    for key, value in item.items():
        if key not in _HTTP_METHODS:
            public[key] = value
        elif isinstance(value, dict) and not value.get(INTERNAL_KEY):
            responses = dict(value.get("responses", {}))
            for status, description in _GATEWAY_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": {
                    "application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}})
            public[key] = {**value, "responses": responses}
    return public if any(key in _HTTP_METHODS for key in public) else {}


def _drop_unused_components(merged: Spec) -> None:
    """Schemas only internal operations used (the event envelope, the service token) leave with them."""
    components = merged["components"]
    reached: set[ComponentKey] = set()
    pending = [merged["paths"], {k: v for k, v in components.items() if k != "schemas"}]
    while pending:
        node = pending.pop()
        if isinstance(node, list):
            pending.extend(node)
        elif isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_REF_PREFIX):
                section, _, name = ref[len(_REF_PREFIX):].partition("/")
                key = (section, name.split("/")[0].replace("~1", "/").replace("~0", "~"))
                if key not in reached and key[0] in components and key[1] in components[key[0]]:
                    reached.add(key)
                    pending.append(components[key[0]][key[1]])
            pending.extend(value for key, value in node.items() if key != "$ref")
    if "schemas" in components:
        components["schemas"] = {name: value for name, value in components["schemas"].items()
                                 if ("schemas", name) in reached}


def _components(spec: Spec) -> list[tuple[str, str, Any]]:
    components = spec.get("components") or {}
    return [
        (section, name, value)
        for section, items in components.items() if isinstance(items, dict)
        for name, value in items.items()
    ]


def _resolve_names(specs: Mapping[str, Spec]) -> dict[str, dict[ComponentKey, str]]:
    """Per service, the components whose names must change, and their new names."""
    renames: dict[str, dict[ComponentKey, str]] = {service: {} for service in specs}
    taken = {(section, name) for spec in specs.values() for section, name, _ in _components(spec)}
    while True:
        contents: dict[ComponentKey, set[str]] = defaultdict(set)
        owners: dict[ComponentKey, list[tuple[str, str]]] = defaultdict(list)
        for service, spec in specs.items():
            for section, name, value in _components(spec):
                key = (section, renames[service].get((section, name), name))
                contents[key].add(json.dumps(_rewrite(value, renames[service]), sort_keys=True))
                owners[key].append((service, name))
        clashes = [key for key, versions in contents.items() if len(versions) > 1]
        if not clashes:
            return renames
        for key in clashes:
            section = key[0]
            # A new name is never taken, so a renamed component never clashes again: the loop ends.
            for service, name in owners[key]:
                new = _unique(section, _prefixed(service, name), taken)
                renames[service][(section, name)] = new
                taken.add((section, new))


def _prefixed(service: str, name: str) -> str:
    return "".join(part.capitalize() for part in service.split("-")) + name


def _unique(section: str, name: str, taken: set[ComponentKey]) -> str:
    candidate, n = name, 1
    while (section, candidate) in taken:
        n += 1
        candidate = f"{name}{n}"
    return candidate


def _rewrite(node: Any, renames: Mapping[ComponentKey, str]) -> Any:
    """A copy of `node` with component references (`$ref`, discriminator mappings, security) renamed."""
    if not renames:
        return node
    if isinstance(node, list):
        return [_rewrite(item, renames) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "$ref" and isinstance(value, str):
            out[key] = _rewrite_ref(value, renames)
        elif key == "discriminator" and isinstance(value, dict) and isinstance(value.get("mapping"), dict):
            mapping = {k: _rewrite_ref(v, renames) if isinstance(v, str) else v for k, v in value["mapping"].items()}
            out[key] = {**value, "mapping": mapping}
        elif key == "security" and isinstance(value, list):
            # Security requirements name their schemes instead of referring to them.
            out[key] = [
                {renames.get(("securitySchemes", scheme), scheme): scopes for scheme, scopes in requirement.items()}
                if isinstance(requirement, dict) else requirement
                for requirement in value
            ]
        else:
            out[key] = _rewrite(value, renames)
    return out


def _rewrite_ref(ref: str, renames: Mapping[ComponentKey, str]) -> str:
    if not ref.startswith(_REF_PREFIX):
        return ref
    section, _, pointer = ref[len(_REF_PREFIX):].partition("/")
    escaped_name, slash, rest = pointer.partition("/")  # `rest` when the ref points inside the component
    new = renames.get((section, escaped_name.replace("~1", "/").replace("~0", "~")))
    if new is None:
        return ref
    return f"{_REF_PREFIX}{section}/{new.replace('~', '~0').replace('/', '~1')}{slash}{rest}"
