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
import html
import json
from functools import lru_cache
from pathlib import Path

from fastapi.responses import HTMLResponse

MANIFEST = "api-docs.json"


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
    body = f"""<!doctype html>
<html lang="vi">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>EduDX API — tài liệu</title>
<link rel="icon" href="data:,">
<link rel="stylesheet" href="/{html.escape(assets['stylesheet'])}">
</head>
<body>
<div id="swagger-ui"></div>
<script src="/{html.escape(assets['script'])}"></script>
<script>{script}</script>
</body>
</html>
"""
    return HTMLResponse(body, headers={"Content-Security-Policy": docs_csp(script), "Cache-Control": "no-cache"})


def _without_build(openapi_url: str) -> HTMLResponse:
    """No SPA build (e.g. a gateway started without frontend/dist): say so; the document itself still works."""
    body = f"""<!doctype html>
<html lang="vi"><head><meta charset="utf-8"><title>EduDX API — tài liệu</title></head>
<body><h1>Tài liệu API</h1>
<p>Trang tài liệu (Swagger UI) đi kèm bản build giao diện web, nhưng thư mục SPA của gateway chưa có bản build
(<code>make spa</code> tạo nó; ảnh Docker của gateway đã có sẵn).</p>
<p>Tài liệu OpenAPI của toàn bộ API: <a href="{html.escape(openapi_url)}">{html.escape(openapi_url)}</a>.</p>
</body></html>
"""
    return HTMLResponse(body, status_code=503, headers={"Content-Security-Policy": "default-src 'none'",
                                                        "Cache-Control": "no-cache"})
