"""/api/docs in headless Debian Chromium (`frontend/e2e/api-docs.mjs`): Swagger UI lists the operations of the merged
document, loaded only from the gateway (no CDN, no request leaving 127.0.0.1), with no CSP violation."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import httpx
import pytest

from tests.e2e.conftest import RunningSystem
from tests.support import REPO

FRONTEND = REPO / "frontend"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


@pytest.fixture(scope="module")
def docs_in_browser(system: RunningSystem) -> dict:
    for needed, why in ((FRONTEND / "dist" / "api-docs.json", "the SPA is not built (make spa)"),
                        (FRONTEND / "node_modules" / "playwright-core", "frontend packages missing (make spa)"),
                        (Path(CHROMIUM), f"no Chromium at {CHROMIUM}")):
        if not needed.exists():
            pytest.skip(why)
    run = subprocess.run(["node", "e2e/api-docs.mjs", "--base-url", system.gateway], cwd=FRONTEND,
                         capture_output=True, text=True, timeout=180, check=False)
    assert run.stdout.strip(), run.stderr
    result: dict = json.loads(run.stdout.strip().splitlines()[-1])
    assert run.returncode == 0, result
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
