"""Published results for mirrors: the paging envelope with its `next` link, and sync mode (`updated_since`, an
opaque cursor over (published_at, unit_id)) continued page by page until `next_cursor` is null."""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpx

from tests.paging import follow_next
from tests.scoring.conftest import Stack, World
from tests.scoring.test_results import make_scored_schools

API = "/api/scoring"


async def _follow(scoring: httpx.AsyncClient, url: str, headers: dict[str, str],
                  **params: str) -> tuple[list[dict[str, Any]], list[int], list[str | None]]:
    """Every page of a sync read, by `next` links: (items, page sizes, links)."""
    pages = await follow_next(scoring, url, headers, **params)
    assert all((page["next"] is None) == (page["next_cursor"] is None) for page in pages)
    return ([i for page in pages for i in page["items"]], [len(page["items"]) for page in pages],
            [page["next"] for page in pages])


async def test_published_results_page_by_cursor_and_resume_from_updated_since(stack: Stack, world: World) -> None:
    expected = await make_scored_schools(stack, world, 12, seed=19)
    url = f"{API}/campaigns/{world.campaign['id']}/results"
    admin, school = world.users["so_admin"], world.users["s11_officer"]
    async with httpx.AsyncClient(base_url=stack.url("scoring"), timeout=60) as scoring:
        await scoring.post(f"{url}/publish", headers=admin)
        by_offset = (await scoring.get(f"{url}/published", params={"limit": 5, "q": "so"}, headers=school)).json()
        mirrored, sizes, links = await _follow(scoring, f"{url}/published", school, limit="5",
                                               updated_since="2020-01-01T00:00:00Z")
        mark = max(r["published_at"] for r in mirrored)
        nothing_new, _, _ = await _follow(scoring, f"{url}/published", school, updated_since=mark)
        await scoring.post(f"{url}/publish", headers=admin)  # publishing again stamps every row anew
        again, _, _ = await _follow(scoring, f"{url}/published", school, limit="50", updated_since=mark)
        bad = await scoring.get(f"{url}/published", params={"cursor": "khong-hop-le"}, headers=school)

    # offset mode: the envelope's link is the same request, one page on
    assert (by_offset["total"], by_offset["limit"], by_offset["offset"], len(by_offset["items"])) == (12, 5, 0, 5)
    assert parse_qs(urlsplit(by_offset["next"]).query) == {"q": ["so"], "limit": ["5"], "offset": ["5"]}
    assert by_offset["next_cursor"] is None
    # sync mode: every row once, in (published_at, unit_id) order, the links carrying the cursor and no offset
    assert sizes == [5, 5, 2]
    assert sorted(r["unit_id"] for r in mirrored) == sorted(str(u) for u in expected)
    order = [(r["published_at"], r["unit_id"]) for r in mirrored]
    assert order == sorted(order)
    assert all(link is not None and "cursor=" in link and "offset=" not in link for link in links[:-1])
    # the next round: rows published at the mark (the last one seen comes again, none is lost), then all after
    # the second publication
    assert {r["unit_id"] for r in nothing_new} <= {r["unit_id"] for r in mirrored if r["published_at"] == mark}
    assert sorted(r["unit_id"] for r in again) == sorted(str(u) for u in expected)
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
