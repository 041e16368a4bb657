"""The contract a client developer builds on: what every service's OpenAPI document says beyond what FastAPI
derives, added here once so that every route, including routes added later, gets it without listing it by hand.

- `operation_id`: stable, readable operation ids, `<feature>_<action>` (`campaigns_list`, `submissions_submit`),
  from the route's first tag and its function's name, never from its path (the path embedded in ids made
  generated clients call `get_submission_api_submissions_submissions_submission_id_get`).
- `finish_spec`: the bearer security requirement of every operation whose dependencies read the access token
  (from the dependency tree, not from a list); the answers every operation may give that FastAPI cannot see
  (413 on a body, 429 with `Retry-After` and `RateLimit-*`, 503 with `Retry-After`, problem+json for every
  error); the catalogue of problem `code`s (`x-problem-codes` at the document's root); tag descriptions;
  `x-internal` on service-to-service routes, which the gateway's merged public document leaves out.

Times on the wire: every timestamp is RFC 3339 `date-time` in UTC with `Z` (`2026-12-15T10:00:00Z`); a time sent
without an offset is read as Vietnam time. Screens, e-mails and exports show Asia/Ho_Chi_Minh (`format_vn`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute

from edudx_common.auth import get_optional_principal, get_principal
from edudx_common.errors import PROBLEM_MEDIA_TYPE, PROBLEM_RESPONSES, problem_catalogue

BEARER_SCHEME = "bearerAuth"
# The document's catalogue of problem `code`s: {code: {status, title, title_en}} (the gateway merges them).
PROBLEM_CODES_KEY = "x-problem-codes"
INTERNAL_KEY = "x-internal"
# `openapi_extra=INTERNAL` on a route other services call and no client should: kept in the service's own
# document (its tests read it), left out of the public merged one.
INTERNAL: dict[str, Any] = {INTERNAL_KEY: True}

# Routes under these tags are service-to-service (each service's event receiver), like routes marked INTERNAL.
INTERNAL_TAGS = frozenset({"events"})
# Tags that several services use for the same kind of route: their ids carry the service's name too.
SHARED_TAGS = frozenset({"audit", "events"})

TAG_DESCRIPTIONS: dict[str, str] = {
    "auth": "Đăng nhập, làm mới và thu hồi phiên, đặt lại mật khẩu, khoá công khai (JWKS).",
    "me": "Tài khoản của người đang đăng nhập.",
    "users": "Người dùng: tạo, sửa, nhập từ Excel.",
    "units": "Cây đơn vị (Bộ, Sở, trường, UBND xã/phường; Phòng GDĐT trước 1/7/2025): tạo, sửa, quan hệ theo ngày, "
             "mã cũ và mới, nhập từ Excel.",
    "clusters": "Cụm trường do Sở lập và các trường thuộc cụm.",
    "commune-grants": "Quyền bổ sung Sở cấp cho cán bộ UBND xã/phường: nhận nhắc việc, thẩm định các trường trên "
                      "địa bàn.",
    "reorganisations": "Sắp xếp đơn vị (giải thể Phòng, hợp nhất Sở, chuyển xã/phường, đổi mã): xem trước, xác nhận "
                       "hoặc huỷ.",
    "integration-clients": "Ứng dụng tích hợp của đơn vị (client credentials, phạm vi đọc hoặc đọc-ghi, thu hồi).",
    "audit": "Nhật ký thao tác của từng dịch vụ (xem và xuất CSV).",
    "campaigns": "Đợt báo cáo: soạn, công bố, đóng, gia hạn, đơn vị phải báo cáo.",
    "status": "Tình hình nộp báo cáo của một đợt.",
    "review": "Bàn thẩm định: phân công, nhận và trả việc, từ chối, phê duyệt có điều kiện, thao tác hàng loạt.",
    "submissions": "Báo cáo của đơn vị: bản nháp, nộp, thẩm định, trả lại, phê duyệt, lịch sử và phiên bản.",
    "outlines": "Đề cương báo cáo (các mục và trường phải điền).",
    "school-years": "Năm học.",
    "signatures": "Báo cáo đã ký số.",
    "evidence": "Minh chứng: tải lên, liên kết, thẩm định, tải về, danh mục minh chứng.",
    "rubrics": "Bộ tiêu chí đánh giá và các phiên bản của nó.",
    "scores": "Tự đánh giá của đơn vị và điểm thẩm định.",
    "results": "Kết quả đánh giá của một đợt: tổng hợp, công bố, xuất, văn bản ký số.",
    "authority index": "Chỉ số của cơ quan quản lý tính từ kết quả đã công bố của các trường trực thuộc.",
    "public": "Mức chuyển đổi số công khai của đơn vị (không cần đăng nhập).",
    "events": "Sự kiện giữa các dịch vụ (nội bộ).",
    "feed": "Bảng tin thông báo của người dùng.",
    "preferences": "Tuỳ chọn nhận thông báo.",
    "deliveries": "Thư đã gửi và gửi lại thư lỗi.",
    "calendar": "Lịch hạn nộp dạng iCalendar.",
    "webhooks": "Webhook của đơn vị: đăng ký, nhật ký gửi, gửi lại (ký HMAC).",
    "reminder policy": "Lịch nhắc hạn của một đợt báo cáo.",
}

# Request examples of the main operations, by operation id (Spectral checks them against their schemas).
REQUEST_EXAMPLES: dict[str, dict[str, Any]] = {
    "auth_login": {"email": "hieutruong.hoabinh@vinhlong.edu.vn", "password": "EduDX@2025"},
    "campaigns_create": {
        "title": "Báo cáo chuyển đổi số năm học 2025-2026", "kind": "dx_self_assessment",
        "opens_at": "2026-01-05T07:00:00+07:00", "due_at": "2026-01-20T17:00:00+07:00",
        "school_year_id": "3f1c2a9e-0b7d-4c55-9a51-2f0d6c1e8b21", "late_policy": "accept_late",
    },
    "submissions_save_draft": {"values": {"so_phong_may": 3, "ghi_chu": "Đã trang bị thêm 20 máy tính"}},
    "submissions_submit": {"note": "Kính gửi Phòng GD&ĐT"},
    "scores_save_self": {"scores": [{"criterion_code": "1.1", "points": 3}]},
}

_SECONDS = {"type": "integer", "minimum": 0}
# draft-ietf-httpapi-ratelimit-headers-06 names (edudx_common.ratelimit.rate_limit_headers sends them).
_RATE_LIMIT_HEADERS: dict[str, Any] = {
    "Retry-After": {"description": "Số giây cần chờ trước khi thử lại", "schema": dict(_SECONDS)},
    "RateLimit-Limit": {"description": "Số yêu cầu được phép trong một khoảng (IETF draft-ietf-httpapi-ratelimit-"
                                       "headers-06)", "schema": dict(_SECONDS)},
    "RateLimit-Remaining": {"description": "Số yêu cầu còn lại trong khoảng hiện tại (0 khi bị từ chối)",
                            "schema": dict(_SECONDS)},
    "RateLimit-Reset": {"description": "Số giây đến khi khoảng hiện tại kết thúc", "schema": dict(_SECONDS)},
}
_STANDARD_RESPONSES: dict[str, dict[str, Any]] = {
    "429": {
        "description": "Quá nhiều yêu cầu; thử lại sau số giây trong `Retry-After` (kèm `RateLimit-Limit`, "
                       "`RateLimit-Remaining`, `RateLimit-Reset`)",
        "headers": _RATE_LIMIT_HEADERS,
    },
    "503": {
        "description": "Dịch vụ hoặc cơ sở dữ liệu tạm thời không sẵn sàng; thử lại sau `Retry-After` giây",
        "headers": {"Retry-After": {"description": "Số giây cần chờ trước khi thử lại",
                                    "schema": {"type": "integer", "minimum": 0}}},
    },
}
_BODY_TOO_LARGE = {"description": "Dữ liệu gửi lên vượt giới hạn"}
_GENERIC_AUTH_DESCRIPTIONS = {str(status): PROBLEM_RESPONSES[status]["description"] for status in (401, 403)}


def _words(text: str) -> list[str]:
    return [w for w in re.split(r"[^a-z0-9]+", text.lower()) if w]


def _singular(word: str) -> str:
    if word.endswith("ies"):
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") else word


def operation_id(route: APIRoute, *, service: str) -> str:
    """`<tag>_<action>`: the function's name without the words of its tag (`list_campaigns` under `campaigns`
    is `campaigns_list`); routes under a tag several services share are prefixed by the service."""
    tag = str(route.tags[0]) if route.tags else service
    tag_words = _words(tag)
    drop = set(tag_words) | {_singular(w) for w in tag_words}
    action = [w for w in _words(route.name) if w not in drop] or _words(route.name)
    parts = ([service] if tag in SHARED_TAGS else []) + tag_words + action
    return "_".join(parts)


class RouteIds:
    """The app's `generate_unique_id_function`. FastAPI hands it every route as the app sees it (with its
    router's dependencies), so it also keeps each route by operation id: what the operation needs to
    authenticate is read from its dependencies once FastAPI has resolved them."""

    def __init__(self, service: str) -> None:
        self.service = service
        self.routes: dict[str, APIRoute] = {}

    def __call__(self, route: APIRoute) -> str:
        operation = operation_id(route, service=self.service)
        self.routes[operation] = route
        return operation

    def authentication(self, operation: str) -> str | None:
        route = self.routes.get(operation)
        return _authentication(route) if route is not None and route.dependant is not None else None


def _calls(dependant: Dependant) -> Iterator[Any]:
    yield dependant.call
    for sub in dependant.dependencies:
        yield from _calls(sub)


def _authentication(route: APIRoute) -> str | None:
    """"required", "optional" or None, from the route's dependency tree."""
    calls = set(_calls(route.dependant))
    if get_principal in calls:
        return "required"
    if get_optional_principal in calls:
        return "optional"
    return None


def finish_spec(spec: dict[str, Any], *, route_ids: RouteIds) -> dict[str, Any]:
    components = spec.setdefault("components", {})
    components.setdefault("securitySchemes", {})[BEARER_SCHEME] = {
        "type": "http", "scheme": "bearer", "bearerFormat": "JWT",
        "description": "Mã truy cập lấy từ `POST /api/identity/auth/login` (gửi `Authorization: Bearer <token>`).",
    }
    paths = spec.get("paths", {})
    for path, operations in paths.items():
        for operation in operations.values():
            _finish_operation(operation, route_ids.authentication(operation.get("operationId", "")))
        _document_versions(operations)
        _document_location(path, operations, paths)
    _hoist_components(spec)
    _name_pages(spec)
    spec[PROBLEM_CODES_KEY] = problem_catalogue(modules=("edudx_common", route_ids.service))
    used = sorted({tag for ops in spec.get("paths", {}).values() for op in ops.values() for tag in op.get("tags", [])})
    spec["tags"] = [{"name": tag, "description": TAG_DESCRIPTIONS.get(tag, tag)} for tag in used]
    return spec


# pydantic names the schema of `Page[UnitRead]` `Page_UnitRead_` (and `CursorPage_UnitRead_`): generated clients
# then call it `PageUnitRead`. The one rule here: a page of X is `XPage`, a trailing `Read` dropped (`UnitPage`,
# `CampaignSummaryPage`; edudx_common.pagination).
_GENERIC_PAGE = re.compile(r"^(?:Cursor)?Page_(?P<item>[A-Za-z0-9]+?)(?:Read)?_$")
_SCHEMA_REF = "#/components/schemas/"


def _name_pages(spec: dict[str, Any]) -> None:
    schemas: dict[str, Any] = spec.get("components", {}).get("schemas", {})
    renames: dict[str, str] = {}
    for name in schemas:
        if match := _GENERIC_PAGE.match(name):
            renamed = f"{match['item']}Page"
            if renamed in schemas or renamed in renames.values():
                raise ValueError(f"Two schemas would be named {renamed}: page {match['item']} one way only")
            renames[name] = renamed
    if not renames:
        return
    for old, new in renames.items():
        schemas[new] = {**schemas.pop(old), "title": new}
    spec["components"]["schemas"] = dict(sorted(schemas.items()))

    def rename(node: Any) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and ref.startswith(_SCHEMA_REF) and ref[len(_SCHEMA_REF):] in renames:
                node["$ref"] = _SCHEMA_REF + renames[ref[len(_SCHEMA_REF):]]
            for value in node.values():
                rename(value)
        elif isinstance(node, list):
            for value in node:
                rename(value)

    rename(spec)


# On a schema written by hand in a route's `openapi_extra` (a multipart form): publish it as a named component and
# refer to it. Generators process an `allOf` of references before the schema's own properties, so a form whose
# metadata part is a referenced component has its generated client send the metadata before the file.
COMPONENT_KEY = "x-edudx-component"
# Marks such a component: written by hand, read by the route itself (no pydantic model behind it).
HAND_WRITTEN_KEY = "x-hand-written"


def _hoist_components(spec: dict[str, Any]) -> None:
    schemas = spec.setdefault("components", {}).setdefault("schemas", {})

    def hoist(node: Any) -> Any:
        if isinstance(node, list):
            return [hoist(item) for item in node]
        if not isinstance(node, dict):
            return node
        node = {key: hoist(value) for key, value in node.items()}
        name = node.pop(COMPONENT_KEY, None)
        if name is None:
            return node
        schemas[name] = {**node, HAND_WRITTEN_KEY: True}
        return {"$ref": f"#/components/schemas/{name}"}

    for operations in spec.get("paths", {}).values():
        for operation in operations.values():
            if isinstance(operation, dict) and "requestBody" in operation:
                operation["requestBody"] = hoist(operation["requestBody"])


_ETAG = {"description": "Phiên bản hiện tại của tài nguyên (gửi lại trong `If-Match` khi ghi)",
         "schema": {"type": "string", "example": '"7"'}}


def _document_versions(operations: dict[str, Any]) -> None:
    """A resource written with `If-Match` is read with an `ETag`; the write answers 412 when the version is stale
    and 428 when none was sent (the header or the body's `base_version`)."""
    conditional = [op for op in operations.values()
                   if any(p.get("in") == "header" and p.get("name", "").lower() == "if-match"
                          for p in op.get("parameters", []))]
    if not conditional:
        return
    for operation in operations.values():
        for status, response in operation.get("responses", {}).items():
            if status.startswith("2"):
                response.setdefault("headers", {})["ETag"] = dict(_ETAG)
    problem = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for operation in conditional:
        for parameter in operation["parameters"]:
            if parameter.get("in") == "header" and parameter.get("name", "").lower() == "if-match":
                parameter["description"] = ("Phiên bản đã đọc (giá trị `ETag`, ví dụ `\"7\"`); bắt buộc nếu thân yêu "
                                            "cầu không có `base_version` (428 nếu thiếu cả hai)")
        operation["responses"].setdefault("412", {"description": "Dữ liệu đã được người khác thay đổi",
                                                  "content": problem})
        operation["responses"].setdefault("428", {"description": "Thiếu phiên bản đã đọc (If-Match)",
                                                  "content": problem})


def _document_location(path: str, operations: dict[str, Any], paths: dict[str, Any]) -> None:
    """`Location` on the 201 of a POST whose created resource is read at `<path>/{id}`
    (`edudx_common.location` sends it)."""
    created = operations.get("post", {}).get("responses", {}).get("201")
    readable = [p for p, item in paths.items() if "get" in item and p.startswith(path + "/{") and p.endswith("}")
                and "/" not in p[len(path) + 1:]]
    if created is not None and readable:
        created.setdefault("headers", {})["Location"] = {
            "description": f"Địa chỉ của tài nguyên vừa tạo (`{readable[0]}`)",
            "schema": {"type": "string", "format": "uri-reference"}}


# Error bodies a standard prescribes instead of problem+json (RFC 6749 §5.2 for the OAuth token endpoint).
_OWN_ERROR_SCHEMAS = {"#/components/schemas/OAuthErrorBody"}


def _own_error_body(response: dict[str, Any]) -> bool:
    return response.get("content", {}).get("application/json", {}).get("schema", {}).get("$ref") in _OWN_ERROR_SCHEMAS


def _finish_operation(operation: dict[str, Any], authentication: str | None) -> None:
    if INTERNAL_TAGS & set(operation.get("tags", [])):
        operation[INTERNAL_KEY] = True
    example = REQUEST_EXAMPLES.get(operation.get("operationId", ""))
    if example is not None and "application/json" in operation.get("requestBody", {}).get("content", {}):
        operation["requestBody"]["content"]["application/json"]["example"] = example
    responses = operation.setdefault("responses", {})
    if authentication is None:
        operation["security"] = []  # said explicitly: this operation needs no token
        # The router-wide 401/403 do not apply to an operation that reads no token (login, JWKS, public pages).
        for status, description in _GENERIC_AUTH_DESCRIPTIONS.items():
            if responses.get(status, {}).get("description") == description:
                del responses[status]
    else:
        operation["security"] = [{BEARER_SCHEME: []}] if authentication == "required" else [{BEARER_SCHEME: []}, {}]
        responses.setdefault("401", {"description": PROBLEM_RESPONSES[401]["description"]})
        responses["401"].setdefault("headers", {})["WWW-Authenticate"] = {
            "description": "`Bearer` (kèm `error=\"invalid_token\"` khi mã hết hạn hoặc bị thu hồi)",
            "schema": {"type": "string"}}
    if "requestBody" in operation:
        responses.setdefault("413", dict(_BODY_TOO_LARGE))
        responses.setdefault("422", {"description": PROBLEM_RESPONSES[422]["description"]})
    for status, response in _STANDARD_RESPONSES.items():
        given = responses.setdefault(status, {**response, "headers": {}})
        # A route's own 429 or 503 (a limiter's description) still gets every header the answer carries.
        given["headers"] = {**{k: dict(v) for k, v in response["headers"].items()}, **given.get("headers", {})}
    for status, response in responses.items():
        for media_type, content in response.get("content", {}).items():
            if status[0] in "23" and content.get("schema", {}) in ({}, {"type": "string"}) and "json" not in media_type:
                # Files (PDF, DOCX, XLSX, CSV, iCalendar): bytes to a client, not an untyped nothing.
                content["schema"] = {"type": "string", "format": "binary"}
        if status[0] in "45" and not _own_error_body(response):
            response["content"] = {PROBLEM_MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
