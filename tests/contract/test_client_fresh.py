"""The SPA's generated API client matches openapi/*.json (regenerate with `make client`)."""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest

from tests.support import REPO

FRONTEND = REPO / "frontend"


def test_generated_client_matches_the_specs() -> None:
    if shutil.which("node") is None or not (FRONTEND / "node_modules" / "openapi-typescript").exists():
        if os.environ.get("CI"):
            pytest.fail("the SPA's npm packages are not installed (make spa)")
        pytest.skip("the SPA's npm packages are not installed (make spa)")
    result = subprocess.run(["node", "scripts/generate-client.mjs", "--check"], cwd=FRONTEND,
                            capture_output=True, text=True, check=False)

    assert result.returncode == 0, result.stderr + result.stdout


def test_every_spec_has_a_generated_module() -> None:
    specs = {p.stem for p in (REPO / "openapi").glob("*.json")}
    generated = {p.stem for p in (FRONTEND / "src" / "api" / "generated").glob("*.ts")} - {"index"}

    assert specs == generated
