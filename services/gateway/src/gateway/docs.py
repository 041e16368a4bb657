"""The `/api/docs` page: Swagger UI over the merged OpenAPI document, entirely from files shipped with EduDX.

The SPA build copies the npm package `swagger-ui-dist` (pinned in frontend/package-lock.json) into
`frontend/dist/assets/` under content-hashed names and lists them in `frontend/dist/api-docs.json`; the gateway
serves them like every other asset (precompressed, cached for a year). Nothing is fetched from a CDN.

The page has its own Content-Security-Policy: scripts only from this origin plus the one inline script that starts
Swagger UI, allowed by its SHA-256 hash (never 'unsafe-inline'); requests only to this origin (the document and
"Try it out"). Swagger UI sets inline styles, hence 'unsafe-inline' for styles only, as for the SPA.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import lru_cache
from pathlib import Path

from fastapi.responses import HTMLResponse

from edudx_common.templates import template_environment

MANIFEST = "api-docs.json"
_TEMPLATES = template_environment("gateway", "templates")


def start_script(openapi_url: str) -> str:
    config = {
        "url": openapi_url,
        "dom_id": "#swagger-ui",
        "deepLinking": True,
        "docExpansion": "list",
        "filter": True,
        "persistAuthorization": False,
        "tryItOutEnabled": False,
        # The public validator badge would make the browser ask a third-party server about our document.
        "validatorUrl": None,
    }
    # BaseLayout needs only the bundle (the standalone preset adds a top bar that loads other documents).
    return (f"window.ui = SwaggerUIBundle(Object.assign({json.dumps(config)}, "
            "{presets: [SwaggerUIBundle.presets.apis], layout: 'BaseLayout'}));")


def script_hash(script: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(script.encode()).digest()).decode() + "'"


def docs_csp(script: str) -> str:
    return (f"default-src 'none'; script-src 'self' {script_hash(script)}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; font-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; "
            "frame-ancestors 'none'")


@lru_cache(maxsize=4)
def _assets(manifest: Path, _mtime_ns: int) -> dict[str, str]:
    data: dict[str, str] = json.loads(manifest.read_text())
    return data


def page(spa_dir: Path, openapi_url: str) -> HTMLResponse:
    manifest = spa_dir.resolve() / MANIFEST
    try:
        assets = _assets(manifest, manifest.stat().st_mtime_ns)
    except (OSError, ValueError):
        return _without_build(openapi_url)
    script = start_script(openapi_url)
    body = _TEMPLATES.get_template("docs.html").render(stylesheet=assets["stylesheet"], script_file=assets["script"],
                                                       script=script)
    return HTMLResponse(body, headers={"Content-Security-Policy": docs_csp(script), "Cache-Control": "no-cache"})


def _without_build(openapi_url: str) -> HTMLResponse:
    """No SPA build (e.g. a gateway started without frontend/dist): say so; the document itself still works."""
    body = _TEMPLATES.get_template("docs_without_build.html").render(openapi_url=openapi_url)
    return HTMLResponse(body, status_code=503, headers={"Content-Security-Policy": "default-src 'none'",
                                                        "Cache-Control": "no-cache"})
