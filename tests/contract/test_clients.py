"""The SDKs build from the public document as CI builds them (`make clients`): Spectral (`spectral:oas`) and Redocly
(`recommended`) report no error, openapi-python-client and @hey-api/openapi-ts emit no warning, the TypeScript
client type-checks, and both packages carry the API's version. The e2e scenario with the Python client is
tests/e2e/test_python_sdk.py."""

from __future__ import annotations

import json
import sys

from tests.support import REPO

sys.path.insert(0, str(REPO / "scripts"))
import build_clients


def test_the_public_document_lints_clean_and_both_sdks_generate_without_warnings() -> None:
    try:
        spec = build_clients.build()
    except build_clients.BuildFailed as failure:
        raise AssertionError(str(failure)) from None

    version = spec["info"]["version"]  # type: ignore[index]
    package = REPO / "clients" / "python" / "edudx_api_client"
    assert (package / "_version.py").read_text() == f'__version__ = "{version}"\n'
    assert (package / "api" / "campaigns" / "campaigns_list.py").exists()
    assert (package / "models" / "campaign_read.py").exists()  # typed, not dropped (no -Input/-Output split)
    typescript = REPO / "clients" / "typescript"
    assert "campaignsList" in (typescript / "src" / "sdk.gen.ts").read_text()
    assert json.loads((typescript / "dist" / "version.json").read_text()) == {"version": version}


def test_a_version_that_is_not_the_apis_fails_the_build() -> None:
    try:
        build_clients.check_versions("99.0.0")
    except build_clients.BuildFailed as failure:
        assert "99.0.0" in str(failure)
    else:
        raise AssertionError("a package version other than the API's was accepted")
