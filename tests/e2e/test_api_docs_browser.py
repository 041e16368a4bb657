"""/api/docs in headless Debian Chromium (`frontend/e2e/journeys/api-docs.spec.mjs`): Swagger UI lists the operations of
the merged document, loaded only from the gateway (no CDN, no request leaving 127.0.0.1), with no CSP violation."""

from __future__ import annotations

import json
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import RunningSystem
from tests.e2e.journeys import CHROMIUM, FRONTEND, RUNNER, run_journeys
from tests.support import REPO


@pytest.fixture(scope="module")
def docs_in_browser(system: RunningSystem, tmp_path_factory: pytest.TempPathFactory) -> dict:
    for needed, why in ((FRONTEND / "dist" / "api-docs.json", "the SPA is not built (make spa)"),
                        (RUNNER, "frontend packages missing (make spa)"),
                        (Path(CHROMIUM), f"no Chromium at {CHROMIUM}")):
        if not needed.exists():
            pytest.skip(why)
    result_file = tmp_path_factory.mktemp("api-docs") / "result.json"
    run = run_journeys(["api-docs.spec.mjs"], {"base-url": system.gateway, "result": str(result_file)},
                       results=REPO / "var" / "e2e-results" / "api-docs", timeout=300)
    assert result_file.exists(), run.report() + run.output[-3000:]
    result: dict = json.loads(result_file.read_text())
    assert not run.failed, f"{run.report()}\n{result}"
    return result


def test_swagger_ui_lists_the_operations_from_files_the_gateway_ships(docs_in_browser: dict,
                                                                    system: RunningSystem) -> None:
    result = docs_in_browser
    spec = httpx.get(f"{system.gateway}/api/openapi.json").json()
    documented = {f"{method.upper()} {path}" for path, item in spec["paths"].items() for method in item
                  if method in ("get", "post", "put", "patch", "delete")}

    assert result["status"] == 200
    assert "POST /api/identity/auth/login" in result["operations"]
    assert "POST /api/evidence/files" in result["operations"]
    assert set(result["operations"]) == documented  # every operation, and nothing else
    assert result["cspViolations"] == [] and result["pageErrors"] == []
    assert result["title"].startswith("EduDX API")


def test_no_request_leaves_the_machine(docs_in_browser: dict, system: RunningSystem) -> None:
    origins = {f"{urlsplit(url).scheme}://{urlsplit(url).netloc}" for url in docs_in_browser["requests"]}

    assert origins == {system.gateway}
    assert all(urlsplit(url).hostname == "127.0.0.1" for url in docs_in_browser["requests"])
    # Swagger UI itself came precompressed from the SPA build.
    assert any("swagger-ui-bundle" in path and coding == "br"
               for path, coding in docs_in_browser["contentEncodings"].items())
