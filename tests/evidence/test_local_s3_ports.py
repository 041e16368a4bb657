"""The embedded S3 (weed mini): only its S3 API reaches objects; its filer and volume ports refuse strangers."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from minio import Minio

from scripts.local_s3 import start_local_s3, stop_local_s3

BUCKET = "ports-probe"


@pytest.fixture(scope="module")
def weed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Minio, dict[str, str]]]:
    process, endpoint, access_key, secret_key = start_local_s3(tmp_path_factory.mktemp("weed-ports"))
    try:
        args = Path(f"/proc/{process.pid}/cmdline").read_bytes().decode().split("\0")
        ports = {a.split("=")[0].lstrip("-"): a.split("=")[1] for a in args if ".port=" in a}
        client = Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False, region="us-east-1")
        client.make_bucket(BUCKET)
        client.put_object(BUCKET, "sub/report.pdf", io.BytesIO(b"%PDF-1.4 secret"), 15)
        yield client, ports
    finally:
        stop_local_s3(process)


def test_the_filer_refuses_to_list_read_write_or_delete_without_a_token(weed: tuple[Minio, dict[str, str]]) -> None:
    client, ports = weed
    filer = f"http://127.0.0.1:{ports['filer.port']}"
    answers = [
        httpx.get(f"{filer}/buckets/{BUCKET}/sub/", headers={"Accept": "application/json"}),
        httpx.get(f"{filer}/buckets/{BUCKET}/sub/report.pdf"),
        httpx.post(f"{filer}/buckets/{BUCKET}/sub/planted.pdf", files={"file": ("planted.pdf", b"%PDF-1.4 x")}),
        httpx.delete(f"{filer}/buckets/{BUCKET}/sub/report.pdf"),
    ]

    assert [a.status_code for a in answers] == [401, 401, 401, 401]
    assert client.get_object(BUCKET, "sub/report.pdf").read() == b"%PDF-1.4 secret"
    assert [o.object_name for o in client.list_objects(BUCKET, recursive=True)] == ["sub/report.pdf"]


def test_the_volume_server_refuses_writes_without_a_token(weed: tuple[Minio, dict[str, str]]) -> None:
    _client, ports = weed
    assigned = httpx.get(f"http://127.0.0.1:{ports['master.port']}/dir/assign").json()
    written = httpx.post(f"http://{assigned['url']}/{assigned['fid']}", files={"file": ("x.bin", b"x")})

    assert written.status_code == 401
    assert "auth" not in assigned  # the master hands out no token that would let a stranger write
