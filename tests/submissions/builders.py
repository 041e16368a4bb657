"""Building submissions test data through the API, as an authority would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx

from edudx_common.db import utcnow
from submissions.outlines.seed import SEED_004_DEFINITION

API = "/api/submissions"

# Every required answer of the seed-004 outline.
FULL_ANSWERS: dict[str, Any] = {
    "s1_result": "Trường tổ chức dạy học có ứng dụng CNTT ở tất cả các khối lớp.\n"
                 "- 100% giáo viên dùng bài giảng điện tử",
    "s1_staff_it_share": 100,
    "s1_online_testing": True,
    "s2_result": "Sử dụng phần mềm quản lý trường học, sổ điểm điện tử.",
    "s2_database_complete": True,
    "s3_result": "Cổng thông tin cập nhật thường xuyên.",
    "s3_portal_url": "https://thcshoabinh.edu.vn",
    "s3_posts": 52,
    "s4_infrastructure": [{"item": "Phòng máy tính", "quantity": 2, "note": "40 máy"}],
    "s4_fibre": True,
    "s4a_result": "Hoàn thành các chỉ tiêu của kế hoạch đô thị thông minh.",
    "s4b_result": "Triển khai học bạ số, thanh toán không dùng tiền mặt.",
    "s4c_result": "Tiếp tục chuyển đổi số trong năm học 2022-2023.",
}


async def make_school_year(client: httpx.AsyncClient, headers: dict[str, str], name: str = "2021-2022") -> str:
    response = await client.post(f"{API}/school-years", json={"name": name}, headers=headers)
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


async def make_campaign(
    client: httpx.AsyncClient,
    headers: dict[str, str],
    *,
    school_year_id: str,
    due_at: datetime | None = None,
    opens_at: datetime | None = None,
    levels: list[str] | None = None,
    publish: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    now = utcnow()
    body = {
        "title": "Báo cáo tổng kết ứng dụng CNTT năm học 2021-2022",
        "kind": "year_end_report",
        "legal_reference": "Công văn 719/PGDĐT-TCCB ngày 02/6/2022",
        "school_year_id": school_year_id,
        "opens_at": (opens_at or now - timedelta(days=1)).isoformat(),
        "due_at": (due_at or now + timedelta(days=7)).isoformat(),
        "outline": SEED_004_DEFINITION,
        "targets": {"unit_types": ["school"], "education_levels": levels or ["tieu_hoc", "thcs"]},
        **fields,
    }
    created = await client.post(f"{API}/campaigns", json=body, headers=headers)
    assert created.status_code == 201, created.text
    if not publish:
        return dict(created.json())
    published = await client.post(f"{API}/campaigns/{created.json()['id']}/publish", headers=headers)
    assert published.status_code == 200, published.text
    return dict(published.json())


async def open_submission(client: httpx.AsyncClient, headers: dict[str, str], campaign_id: str,
                          unit_id: str | None = None) -> dict[str, Any]:
    params = {"unit_id": unit_id} if unit_id else None
    response = await client.post(f"{API}/campaigns/{campaign_id}/submissions", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def save(client: httpx.AsyncClient, headers: dict[str, str], submission: dict[str, Any],
               values: dict[str, Any]) -> httpx.Response:
    return await client.patch(f"{API}/submissions/{submission['id']}", json={"values": values},
                              headers={**headers, "If-Match": f'"{submission["version"]}"'})


async def submit(client: httpx.AsyncClient, headers: dict[str, str], submission: dict[str, Any]) -> httpx.Response:
    return await client.post(f"{API}/submissions/{submission['id']}/submit", json={},
                             headers={**headers, "If-Match": f'"{submission["version"]}"'})
