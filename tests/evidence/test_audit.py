"""The evidence audit trail: upload, link and delete leave one record each with the request id and the file's
facts; a refused link leaves none; the authority above reads it, the school does not."""

from __future__ import annotations

from typing import Any

import httpx

from tests.evidence.conftest import S3Server, World
from tests.evidence.samples import API, pdf_bytes, upload


async def test_upload_link_and_delete_are_recorded(client: httpx.AsyncClient, world: World, s3: S3Server) -> None:
    submission_id = world.s11_submission["id"]
    uploaded = await upload(client, world.s11_officer, submission_id, pdf_bytes(), criterion_codes="3.1")
    linked = await client.post(f"{API}/links", headers=world.s11_officer, json={
        "submission_id": submission_id, "url": "https://thhoabinh.edu.vn/tin-tuc/ke-hoach", "title": "Kế hoạch"})
    refused = await client.post(f"{API}/links", headers=world.s11_officer, json={
        "submission_id": submission_id, "url": "javascript:alert(1)", "title": "Không hợp lệ"})
    deleted = await client.delete(f"{API}/files/{uploaded.json()['id']}", headers=world.s11_officer)
    assert (uploaded.status_code, linked.status_code, refused.status_code, deleted.status_code) == (201, 201, 422, 204)

    response = await client.get(f"{API}/audit", headers=world.so_admin,
                                params={"unit_id": str(world.units["s11"].id), "limit": 500})
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = [r for r in response.json()["items"]
                                     if r["target_id"] in (uploaded.json()["id"], linked.json()["id"])]
    by_action = {r["action"]: r for r in records}
    assert sorted(by_action) == ["evidence.deleted", "evidence.linked", "evidence.uploaded"] and len(records) == 3
    assert by_action["evidence.uploaded"]["request_id"] == uploaded.headers["X-Request-ID"]
    assert by_action["evidence.linked"]["request_id"] == linked.headers["X-Request-ID"]
    assert by_action["evidence.deleted"]["request_id"] == deleted.headers["X-Request-ID"]
    assert by_action["evidence.uploaded"]["changes"]["sha256"]["after"] == uploaded.json()["sha256"]
    assert by_action["evidence.deleted"]["changes"]["sha256"] == {"before": uploaded.json()["sha256"], "after": None}
    assert refused.headers["X-Request-ID"] not in {r["request_id"] for r in response.json()["items"]}
    assert all(r["unit_id"] == str(world.units["s11"].id) for r in records)

    assert (await client.get(f"{API}/audit", headers=world.s11_officer)).status_code == 403
    assert (await client.get(f"{API}/audit", headers=world.p1_reviewer)).status_code == 403
