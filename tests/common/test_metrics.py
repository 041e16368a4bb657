"""`/metrics` of an app made by `create_service_app`: requests counted by route template (no ids in labels),
errors by status, metrics read at scrape time, the optional token; several processes summed in multiprocess
mode."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import uuid
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
from fastapi import APIRouter, FastAPI
from prometheus_client.core import GaugeMetricFamily, Metric

from edudx_common.app import create_service_app
from edudx_common.metrics import route_template
from edudx_common.settings import BaseServiceSettings
from tests.support import REPO


def make_app(service: str, *, metrics_token: str = "") -> FastAPI:
    router = APIRouter()

    @router.get("/schools/{school_id}/reports/{report_id}")
    async def get_report(school_id: str, report_id: str) -> dict[str, str]:
        if report_id == "broken":
            raise RuntimeError("a bug")
        return {"school": school_id, "report": report_id}

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        app.state.settings = BaseServiceSettings(metrics_token=metrics_token)
        yield

    async def queue_depth(_app: FastAPI) -> Iterable[Metric]:
        gauge = GaugeMetricFamily("edudx_test_queue_depth", "Read at scrape time.", labels=["queue"])
        gauge.add_metric(["mail"], 7)
        return [gauge]

    return create_service_app(name=service, title="t", description="t", version="t", routers=[router],
                              lifespan=lifespan, metrics_sources=[queue_depth])


@asynccontextmanager
async def client(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
            yield http


def sample(text: str, name: str, **labels: str) -> float:
    """The value of the one sample of `name` with exactly these labels (0 when absent)."""
    wanted = "{" + ",".join(f'{k}="{v}"' for k, v in sorted(labels.items())) + "}" if labels else ""
    for line in text.splitlines():
        if line.startswith(f"{name}{wanted} "):
            return float(line.rsplit(" ", 1)[1])
    return 0.0


async def test_requests_are_counted_and_timed_by_route_template_with_their_status() -> None:
    service = "metrics-" + uuid.uuid4().hex[:6]
    route = f"/api/{service}/schools/{{school_id}}/reports/{{report_id}}"
    async with client(make_app(service)) as http:
        for _ in range(3):
            assert (await http.get(f"/api/{service}/schools/{uuid.uuid4()}/reports/{uuid.uuid4()}")).status_code == 200
        assert (await http.get(f"/api/{service}/schools/s1/reports/broken")).status_code == 500
        assert (await http.get(f"/api/{service}/nowhere/{uuid.uuid4()}")).status_code == 404
        scraped = await http.get("/metrics")
        scraped_again = await http.get("/metrics")

    text = scraped.text
    assert scraped.status_code == 200 and scraped.headers["content-type"].startswith("text/plain")
    assert sample(text, "edudx_http_requests_total", method="GET", route=route, service=service, status="200") == 3
    assert sample(text, "edudx_http_requests_total", method="GET", route=route, service=service, status="500") == 1
    assert sample(text, "edudx_http_requests_total", method="GET", route="unmatched", service=service,
                  status="404") == 1
    assert sample(text, "edudx_http_request_duration_seconds_count", method="GET", route=route, service=service) == 4
    assert sample(text, "edudx_http_request_duration_seconds_bucket", method="GET", route=route, service=service,
                  le="+Inf") == 4
    lines_of_this_service = [line for line in text.splitlines() if f'service="{service}"' in line]
    assert lines_of_this_service and not any("reports/broken" in line or "/s1/" in line
                                             for line in lines_of_this_service)
    assert sample(text, "edudx_test_queue_depth", queue="mail") == 7
    assert 'route="/metrics"' not in scraped_again.text  # scrapes are not requests of the service


async def test_a_metrics_token_when_set_is_required() -> None:
    service = "metrics-" + uuid.uuid4().hex[:6]
    async with client(make_app(service, metrics_token="s3cret-token")) as http:
        anonymous = await http.get("/metrics")
        wrong = await http.get("/metrics", headers={"Authorization": "Bearer other"})
        right = await http.get("/metrics", headers={"Authorization": "Bearer s3cret-token"})

    assert anonymous.status_code == wrong.status_code == 404
    assert anonymous.headers["content-type"].startswith("application/problem+json")
    assert right.status_code == 200 and "edudx_http_requests_total" in right.text


def test_route_template_puts_back_the_prefixes_of_included_routers() -> None:
    class Route:
        path_format = "/submissions/{submission_id}/scores"

    scope = {"route": Route(), "path": "/api/scoring/submissions/0b3c/scores"}
    assert route_template(scope) == "/api/scoring/submissions/{submission_id}/scores"
    assert route_template({"path": "/nowhere"}) == "unmatched"

    class CatchAll:
        path, path_format = "/api/{service}/{path:path}", "/api/{service}/{path}"

    assert route_template({"route": CatchAll(), "path": "/api/scoring/a/b/c"}) == "/api/{service}/{path}"


def test_several_processes_of_a_service_report_their_sum(tmp_path: Path) -> None:
    """uvicorn --workers N and notifications' worker processes: one folder, summed by any process's /metrics."""
    env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": str(tmp_path)}
    count = textwrap.dedent("""
        import sys
        from notifications.metrics import EMAILS_SENT
        EMAILS_SENT.labels("deadline_reminder").inc(int(sys.argv[1]))
    """)
    for sent in (2, 3):
        subprocess.run([sys.executable, "-c", count, str(sent)], env=env, cwd=REPO, check=True)
    report = "from edudx_common.metrics import render; print(render([]).decode())"
    text = subprocess.run([sys.executable, "-c", report], env=env, cwd=REPO, check=True, capture_output=True,
                          text=True).stdout

    assert sample(text, "edudx_notification_emails_sent_total", kind="deadline_reminder") == 5
