"""Bringing targets of a campaign to a given state through the API, for the status views."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from tests.submissions.builders import API, FULL_ANSWERS, open_submission, save, submit


async def drafted(client: httpx.AsyncClient, headers: dict[str, str], campaign_id: str,
                  unit_id: object) -> dict[str, Any]:
    """A saved draft of the unit (`headers`: an authority admin acting for the school)."""
    draft = await open_submission(client, headers, campaign_id, unit_id=str(unit_id))
    saved = await save(client, headers, draft, {"s1_result": "Đang soạn", "s3_posts": 3})
    assert saved.status_code == 200, saved.text
    return dict(saved.json())


async def submitted(client: httpx.AsyncClient, headers: dict[str, str], campaign_id: str,
                    unit_id: object) -> dict[str, Any]:
    """A complete report of the unit, submitted at the app clock's time."""
    draft = await open_submission(client, headers, campaign_id, unit_id=str(unit_id))
    saved = await save(client, headers, draft, FULL_ANSWERS)
    assert saved.status_code == 200, saved.text
    done = await submit(client, headers, saved.json())
    assert done.status_code == 200, done.text
    return dict(done.json())


async def review(client: httpx.AsyncClient, headers: dict[str, str], submission: dict[str, Any], action: str,
                 **body: Any) -> dict[str, Any]:
    """`start-review`, `return` (with a reason added), `forward` or `approve`."""
    if action == "return":
        body = {"reasons": {"general": "Bổ sung minh chứng"}, **body}
    if action == "approve":
        body = {"confirm_unit_name": submission["unit_name"], **body}
    response = await client.post(f"{API}/submissions/{submission['id']}/{action}", json=body, headers=headers)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def extend(client: httpx.AsyncClient, headers: dict[str, str], campaign_id: str, unit_id: object,
                 due_at: datetime) -> None:
    response = await client.put(f"{API}/campaigns/{campaign_id}/targets/{unit_id}/extension",
                                json={"due_at": due_at.isoformat(), "reason": "Trường bị ngập lụt"}, headers=headers)
    assert response.status_code == 200, response.text


async def status_view(client: httpx.AsyncClient, headers: dict[str, str], campaign_id: str,
                      **params: Any) -> httpx.Response:
    return await client.get(f"{API}/campaigns/{campaign_id}/status", params=params, headers=headers)


def counts(block: dict[str, Any]) -> dict[str, Any]:
    """The counts of a `totals` or `groups[i]` block, without the group's unit."""
    return {k: v for k, v in block.items() if k not in ("unit", "is_target", "key", "label")}
