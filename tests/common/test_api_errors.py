"""What every service app answers a client developer, from create_service_app on a real uvicorn server: unknown
fields refused by name, malformed JSON always the same 422, errors in Vietnamese unless `Accept-Language: en`,
timestamps in UTC `Z`, and deprecation headers on an operation on its way out."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from types import SimpleNamespace

import httpx
import pytest
from fastapi import APIRouter, FastAPI

from edudx_common.app import create_service_app
from edudx_common.deprecation import deprecation_headers, sunset
from edudx_common.errors import NotFound
from edudx_common.messages import preferred_language
from edudx_common.pagination import Page, _request_target
from edudx_common.timezone import LocalDateTime
from edudx_common.types import PartialUpdate, RequestModel, SingleLine
from tests.servers import serve

router = APIRouter(tags=["campaigns"])


class CampaignBody(RequestModel):
    title: SingleLine
    due_at: LocalDateTime
    late_policy: str = "accept_late"


class CampaignPatch(PartialUpdate):
    title: SingleLine | None = None


@router.post("/campaigns")
async def create_campaign(body: CampaignBody) -> CampaignBody:
    return body


@router.patch("/campaigns/1")
async def update_campaign(body: CampaignPatch) -> CampaignPatch:
    return body


@router.get("/campaigns/2")
async def get_missing_campaign() -> None:
    raise NotFound("Không có đợt báo cáo này.")


@router.get("/campaigns/old", deprecated=True,
            dependencies=[sunset(since=datetime(2026, 1, 1, tzinfo=UTC), until=datetime(2026, 9, 1, tzinfo=UTC))])
async def list_old_campaigns() -> list[str]:
    return []


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    app.state.settings = SimpleNamespace(max_json_body_bytes=10_000, body_read_timeout_seconds=5.0)
    app.state.readiness_checks = {}
    yield


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    app = create_service_app(name="probe", title="Probe", description="", version="1", routers=[router],
                             lifespan=_lifespan)
    with serve(app) as url, httpx.Client(base_url=f"{url}/api/probe", timeout=10) as http:
        yield http


def test_unknown_fields_are_refused_by_name(client: httpx.Client) -> None:
    body = {"title": "Đợt 1", "due_at": "2026-12-15T17:00:00", "late_polcy": "refuse", "hạn_chót": "x"}
    created = client.post("/campaigns", json=body)
    patched = client.patch("/campaigns/1", json={"title": "Đợt 2", "titel": "?"})

    assert created.status_code == 422
    fields = {error["field"]: error["message"] for error in created.json()["errors"]}
    assert fields == {"late_polcy": "Trường không được hỗ trợ", "hạn_chót": "Trường không được hỗ trợ"}
    assert patched.status_code == 422 and [e["field"] for e in patched.json()["errors"]] == ["titel"]


def test_times_go_out_in_utc_z(client: httpx.Client) -> None:
    created = client.post("/campaigns", json={"title": "Đợt 1", "due_at": "2026-12-15T17:00:00"})
    assert created.status_code == 200
    assert created.json()["due_at"] == "2026-12-15T10:00:00Z"  # 17:00 in Vietnam


@pytest.mark.parametrize("payload", [b'{"title": ', b"\xff\xfe not utf-8", b"[1, 2", b"null"])
def test_malformed_json_is_always_the_same_422(client: httpx.Client, payload: bytes) -> None:
    answer = client.post("/campaigns", content=payload, headers={"Content-Type": "application/json"})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.json()["code"] == "validation_error"


def test_errors_are_vietnamese_by_default_and_english_on_request(client: httpx.Client) -> None:
    body = {"title": "Đợt 1", "due_at": "ngày mai"}
    vietnamese = client.post("/campaigns", json=body)
    english = client.post("/campaigns", json=body, headers={"Accept-Language": "en-GB,en;q=0.9,vi;q=0.5"})
    missing_en = client.get("/campaigns/2", headers={"Accept-Language": "en"})

    assert vietnamese.headers["content-language"] == "vi"
    assert vietnamese.json()["title"] == "Dữ liệu không hợp lệ"
    assert vietnamese.json()["errors"][0]["message"].startswith("Phải là thời điểm")
    assert english.headers["content-language"] == "en"
    assert english.json()["title"] == "Invalid data"
    assert english.json()["detail"] == "Some fields are invalid; see the list of errors."
    assert "datetime" in english.json()["errors"][0]["message"]
    assert (missing_en.status_code, missing_en.json()["title"]) == (404, "Not found")


def test_a_deprecated_operation_says_when_it_goes(client: httpx.Client) -> None:
    answer = client.get("/campaigns/old")
    assert answer.headers["deprecation"] == f"@{int(datetime(2026, 1, 1, tzinfo=UTC).timestamp())}"
    assert answer.headers["sunset"] == "Tue, 01 Sep 2026 00:00:00 GMT"
    assert 'rel="deprecation"' in answer.headers["link"]
    with pytest.raises(ValueError, match="six months"):
        deprecation_headers(datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 3, 1, tzinfo=UTC))


@pytest.mark.parametrize(("header", "language"), [
    (None, "vi"), ("en", "en"), ("en-US", "en"), ("vi, en;q=0.8", "vi"), ("fr, en;q=0.5", "en"), ("fr", "vi"),
    ("en;q=0", "vi"),
])
def test_accept_language(header: str | None, language: str) -> None:
    assert preferred_language(header) == language


def test_a_page_links_the_next_one_with_the_same_filters() -> None:
    token = _request_target.set(("/api/submissions/campaigns", "status=published&limit=2&offset=0"))
    try:
        first = Page[int](items=[1, 2], total=5, limit=2, offset=0)
        last = Page[int](items=[5], total=5, limit=2, offset=4)
    finally:
        _request_target.reset(token)
    assert first.next == "/api/submissions/campaigns?status=published&limit=2&offset=2"
    assert last.next is None
    assert Page[int](items=[], total=9, limit=2, offset=0).next is None  # outside a request: no link


def test_a_creation_names_what_it_created() -> None:
    created_router = APIRouter(tags=["campaigns"])

    @created_router.post("/campaigns", status_code=201)
    async def create() -> dict[str, str]:
        return {"id": "c-1"}

    @created_router.get("/campaigns/{campaign_id}")
    async def read(campaign_id: str) -> dict[str, str]:
        return {"id": campaign_id}

    @created_router.post("/campaigns/{campaign_id}/copy", status_code=201)
    async def copy(campaign_id: str) -> dict[str, str]:
        return {"id": "c-2"}

    app = create_service_app(name="probe", title="Probe", description="", version="1", routers=[created_router],
                             lifespan=_lifespan)
    with serve(app) as url, httpx.Client(base_url=f"{url}/api/probe", timeout=10) as http:
        created = http.post("/campaigns")
        copied = http.post("/campaigns/c-1/copy")
    assert (created.status_code, created.headers["location"]) == (201, "/api/probe/campaigns/c-1")
    assert created.json() == {"id": "c-1"}
    assert copied.status_code == 201 and "location" not in copied.headers  # no GET at …/copy/c-2: none, not a wrong one
    spec = app.openapi()
    assert "Location" in spec["paths"]["/api/probe/campaigns"]["post"]["responses"]["201"]["headers"]
    assert "headers" not in spec["paths"]["/api/probe/campaigns/{campaign_id}/copy"]["post"]["responses"]["201"]


def test_every_shared_error_class_is_in_every_services_catalogue() -> None:
    """A service's catalogue (`x-problem-codes`) must not depend on what else the process imported: each shared
    module defining a problem class is imported by `problem_catalogue` itself. A new one missing from the list made
    `make openapi` and the freshness test disagree (edudx_common.sync's `invalid_cursor`, 2026-12-07)."""
    import importlib
    import inspect
    import pkgutil

    import edudx_common
    from edudx_common.errors import _SHARED_ERROR_MODULES, ProblemError

    defining = set()
    for info in pkgutil.iter_modules(edudx_common.__path__, "edudx_common."):
        module = importlib.import_module(info.name)
        if info.name != "edudx_common.errors" and any(
                issubclass(obj, ProblemError) and obj.__module__ == info.name
                for obj in vars(module).values() if inspect.isclass(obj)):
            defining.add(info.name)
    assert defining <= set(_SHARED_ERROR_MODULES), sorted(defining - set(_SHARED_ERROR_MODULES))
