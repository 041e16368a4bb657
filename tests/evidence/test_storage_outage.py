"""The S3 server goes away while a file is being uploaded, then comes back.

A separate `weed mini` (its own data folder and port) is used so the shared server of the other tests is never
stopped; the app's storage is pointed at it for this test only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio.to_thread
import httpx
from minio import Minio

from evidence.config import Settings
from evidence.main import make_storage
from scripts.local_s3 import start_local_s3, stop_local_s3
from tests.evidence.conftest import World
from tests.evidence.samples import API, pdf_bytes

CHUNK = 64


def multipart(submission_id: str, content: bytes) -> tuple[bytes, dict[str, str]]:
    request = httpx.Request("POST", "http://evidence/", data={"submission_id": submission_id, "criterion_codes": "5"},
                            files={"file": ("Biên bản kiểm tra.pdf", content, "application/pdf")})
    return request.read(), {"Content-Type": request.headers["Content-Type"]}


async def test_upload_while_s3_stops_gets_503_leaves_nothing_and_succeeds_after_restart(
        client: httpx.AsyncClient, world: World, evidence_app: Any, evidence_settings: Settings,
        tmp_path: Path) -> None:
    data_dir = tmp_path / "weed"
    process, endpoint, access_key, secret_key = start_local_s3(data_dir)
    port = int(endpoint.rsplit(":", 1)[1])
    settings = evidence_settings.model_copy(update={"s3_endpoint": endpoint, "s3_access_key": access_key,
                                                    "s3_secret_key": secret_key, "s3_timeout_seconds": 5.0})
    storage = make_storage(settings)
    await storage.ensure_bucket()
    shared_storage = evidence_app.state.storage
    evidence_app.state.storage = storage
    submission_id = world.s11_submission["id"]
    content = pdf_bytes("Biên bản kiểm tra thiết bị")
    body, content_type = multipart(submission_id, content)

    async def body_stopping_s3_halfway() -> AsyncIterator[bytes]:
        for start in range(0, len(body), CHUNK):
            if start == (len(body) // 2) // CHUNK * CHUNK:
                await anyio.to_thread.run_sync(stop_local_s3, process)
            yield body[start:start + CHUNK]

    try:
        during = await client.post(f"{API}/files", content=body_stopping_s3_halfway(),
                                   headers={**world.s11_officer, **content_type})
        catalogue_during = await client.get(f"{API}/submissions/{submission_id}/files", headers=world.s11_officer)

        process, *_ = start_local_s3(data_dir, port, access_key=access_key, secret_key=secret_key)
        keys_before_retry = [o.object_name for o in _minio(endpoint, access_key, secret_key)
                             .list_objects(settings.s3_bucket, recursive=True)]
        after = await client.post(f"{API}/files", content=body, headers={**world.s11_officer, **content_type})
        catalogue_after = await client.get(f"{API}/submissions/{submission_id}/files", headers=world.s11_officer)
        stored = (await client.get(f"{API}/files/{after.json()['id']}/content", headers=world.s11_officer)
                  if after.status_code == 201 else None)
    finally:
        evidence_app.state.storage = shared_storage
        stop_local_s3(process)

    assert during.status_code == 503, during.text
    assert during.json()["code"] == "storage_unavailable"
    assert during.headers["content-type"] == "application/problem+json"
    assert catalogue_during.json()["items"] == [] and catalogue_during.json()["total_bytes"] == 0
    assert keys_before_retry == []
    assert after.status_code == 201, after.text
    assert after.json()["original_name"] == "Biên bản kiểm tra.pdf" and after.json()["codes"] == ["H5-01"]
    assert [i["id"] for i in catalogue_after.json()["items"]] == [after.json()["id"]]
    assert stored is not None and stored.status_code == 200 and stored.content == content


def _minio(endpoint: str, access_key: str, secret_key: str) -> Minio:
    return Minio(endpoint, access_key=access_key, secret_key=secret_key, secure=False, region="us-east-1")
