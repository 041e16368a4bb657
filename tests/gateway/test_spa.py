from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.gateway.conftest import StartGateway, UpstreamApp, assert_problem

INDEX = b"<!doctype html><title>EduDX</title><div id=root></div>"
APP_JS = b"console.log('EduDX')"
SECRET = b"not part of the SPA"


@pytest.fixture
async def spa_client(tmp_path: Path, start_gateway: StartGateway, upstream: UpstreamApp) -> httpx.AsyncClient:
    (tmp_path / "secret.txt").write_bytes(SECRET)
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    (dist / "index.html").write_bytes(INDEX)
    (dist / "assets" / "app-3f9a1c.js").write_bytes(APP_JS)
    (dist / "favicon.ico").write_bytes(b"icon")
    (dist / "assets" / "escape.js").symlink_to(tmp_path / "secret.txt")
    return await start_gateway({"identity": upstream.url}, spa_dir=str(dist))


async def _raw_get(client: httpx.AsyncClient, target: str) -> tuple[int, bytes]:
    """GET with the request target sent byte for byte, as an attacker would (httpx normalises `..`)."""
    reader, writer = await asyncio.open_connection(client.base_url.host, client.base_url.port)
    writer.write(f"GET {target} HTTP/1.1\r\nHost: spa\r\nConnection: close\r\n\r\n".encode())
    await writer.drain()
    response = await reader.read()
    writer.close()
    status_line, _, rest = response.partition(b"\r\n")
    return int(status_line.split()[1]), rest


async def test_index_and_assets(spa_client: httpx.AsyncClient) -> None:
    index = await spa_client.get("/")
    asset = await spa_client.get("/assets/app-3f9a1c.js")
    icon = await spa_client.get("/favicon.ico")

    assert (index.status_code, index.content) == (200, INDEX)
    assert index.headers["content-type"].startswith("text/html")
    assert index.headers["cache-control"] == "no-cache"
    assert (asset.status_code, asset.content) == (200, APP_JS)
    assert asset.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert (icon.status_code, icon.headers["cache-control"]) == (200, "no-cache")


async def test_unchanged_index_is_304(spa_client: httpx.AsyncClient) -> None:
    etag = (await spa_client.get("/")).headers["etag"]

    again = await spa_client.get("/", headers={"if-none-match": etag})

    assert again.status_code == 304
    assert again.content == b""


@pytest.mark.parametrize("path", ["/campaigns/123", "/units/79/schools", "/login"])
async def test_client_routes_get_the_index(spa_client: httpx.AsyncClient, path: str) -> None:
    response = await spa_client.get(path)

    assert (response.status_code, response.content) == (200, INDEX)
    assert response.headers["cache-control"] == "no-cache"


@pytest.mark.parametrize("path", ["/assets/missing-1a2b.js", "/robots.txt"])
async def test_missing_files_are_404_not_the_index(spa_client: httpx.AsyncClient, path: str) -> None:
    assert_problem(await spa_client.get(path), 404, "not_found")


async def test_api_paths_never_fall_back_to_the_index(spa_client: httpx.AsyncClient) -> None:
    assert_problem(await spa_client.get("/api/unknown-svc/x"), 404, "unknown_service")
    assert_problem(await spa_client.get("/api/unknown-svc"), 404, "not_found")


@pytest.mark.parametrize("target", [
    "/../secret.txt",
    "/../../../../etc/passwd",
    "/assets/../../secret.txt",
    "/%2e%2e/secret.txt",
    "/assets/..%2f..%2fsecret.txt",
    "//etc/passwd",
    "/assets/escape.js",
])
async def test_nothing_outside_the_spa_dir_is_served(spa_client: httpx.AsyncClient, target: str) -> None:
    status, rest = await _raw_get(spa_client, target)

    assert status == 404
    assert SECRET not in rest
    assert b"root:" not in rest


async def test_without_a_build_root_says_so(start_gateway: StartGateway, upstream: UpstreamApp) -> None:
    client = await start_gateway({"identity": upstream.url}, spa_dir="/nonexistent/edudx-spa")

    root = await client.get("/")
    other = await client.get("/campaigns/1")

    assert root.status_code == 200
    assert "chưa được build" in root.json()["detail"]
    assert_problem(other, 404, "not_found")
