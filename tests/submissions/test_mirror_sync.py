"""Bulk reads for mirrors: `updated_since` and an opaque cursor over (updated_at, id), on campaigns and on a
campaign's submissions, within the caller's subtree."""

from __future__ import annotations

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, make_campaign, make_school_year
from tests.submissions.status_builders import drafted, submitted


async def _all_pages(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                     **params: str) -> tuple[list[dict[str, object]], list[int]]:
    items: list[dict[str, object]] = []
    sizes = []
    cursor: str | None = None
    while True:
        response = await client.get(url, headers=headers, params={**params, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        sizes.append(len(page["items"]))
        cursor = page["next_cursor"]
        if cursor is None:
            return items, sizes


async def test_a_campaigns_submissions_page_by_cursor_and_resume_from_updated_since(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    p1_viewer = await sign_in(await make_user(id_session, units["p1"], Role.VIEWER))
    year = await make_school_year(client, so_admin)
    campaign = await make_campaign(client, so_admin, school_year_id=year,
                                   levels=["mam_non", "tieu_hoc", "thcs", "thpt"])
    url = f"{API}/campaigns/{campaign['id']}/submissions"
    for key in ("s11", "s12", "s21", "s22"):
        await drafted(client, so_admin, campaign["id"], units[key].id)

    everything, sizes = await _all_pages(client, url, so_admin, limit="3")
    p1_only, _ = await _all_pages(client, url, p1_viewer, limit="3")
    mark = max(str(s["updated_at"]) for s in everything)
    changed = await submitted(client, so_admin, campaign["id"], units["s21"].id)
    since, _ = await _all_pages(client, url, so_admin, updated_since=mark)
    bad = await client.get(url, headers=so_admin, params={"cursor": "khong-hop-le"})

    assert sizes == [3, 1]
    assert len({s["id"] for s in everything}) == 4
    ordered = [(s["updated_at"], s["id"]) for s in everything]
    assert ordered == sorted(ordered)
    assert {s["unit_id"] for s in p1_only} == {str(units["s11"].id), str(units["s12"].id)}
    # the round after: what changed at or after the mark (the last row seen may come again, never one is lost)
    assert str(changed["id"]) in {s["id"] for s in since} and len(since) <= 2
    assert next(s for s in since if s["id"] == changed["id"])["status"] == "submitted"
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


async def test_campaigns_in_sync_mode_are_ordered_by_change_and_carry_updated_at(
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    year = await make_school_year(client, so_admin)
    made = [await make_campaign(client, so_admin, school_year_id=year, title=f"Đợt {i}") for i in range(3)]
    first = await client.get(f"{API}/campaigns", headers=so_admin,
                             params={"limit": 2, "updated_since": "2000-01-01T00:00:00Z"})
    rest = await client.get(f"{API}/campaigns", headers=so_admin,
                            params={"limit": 2, "cursor": first.json()["next_cursor"]})
    plain = await client.get(f"{API}/campaigns", headers=so_admin)

    seen = [c["id"] for c in first.json()["items"] + rest.json()["items"]]
    assert sorted(seen) == sorted(c["id"] for c in made)
    assert first.json()["total"] == 3 and rest.json()["next_cursor"] is None
    assert all("updated_at" in c for c in first.json()["items"])
    assert plain.json()["next_cursor"] is None
