"""The evidence catalogue for mirrors: pages in the envelope with a `next` link, and sync mode (`updated_since`,
a cursor over (updated_at, id)) where an item comes again once reviewed."""

from __future__ import annotations

from typing import Any

import httpx

from tests.evidence.conftest import World
from tests.evidence.samples import API
from tests.evidence.test_links_reviews import add_link, submit_s11
from tests.paging import follow_next


async def _follow(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                  **params: str) -> tuple[list[dict[str, Any]], list[int]]:
    """Every item of a sync read by `next` links, which carry the cursor (never an offset), and the page sizes."""
    pages = await follow_next(client, url, headers, **params)
    assert all(page["next_cursor"] is None for page in pages[-1:])
    assert all("cursor=" in page["next"] and "offset=" not in page["next"] for page in pages[:-1])
    return [i for page in pages for i in page["items"]], [len(page["items"]) for page in pages]


async def test_the_catalogue_pages_by_cursor_and_a_reviewed_item_comes_again(client: httpx.AsyncClient,
                                                                            world: World) -> None:
    submission_id = world.s11_submission["id"]
    url = f"{API}/submissions/{submission_id}/files"
    links = [(await add_link(client, world.s11_officer, submission_id, url=f"https://thhoabinh.edu.vn/tin-{n}",
                             criterion_codes=["2"])).json() for n in range(3)]
    assert all(link["updated_at"] == link["created_at"] for link in links)
    by_offset = (await client.get(url, params={"limit": 2}, headers=world.s11_officer)).json()
    everything, sizes = await _follow(client, url, world.so_admin, limit="2", updated_since="2020-01-01T00:00:00Z")
    mark = max(i["updated_at"] for i in everything)
    await submit_s11(world)
    reviewed = await client.post(f"{API}/files/{links[0]['id']}/review", json={"state": "accepted"},
                                 headers=world.p1_reviewer)
    since, _ = await _follow(client, url, world.so_admin, updated_since=mark)
    bad = await client.get(url, params={"cursor": "khong-hop-le"}, headers=world.so_admin)

    assert (by_offset["total"], by_offset["limit"], by_offset["offset"], len(by_offset["items"])) == (3, 2, 0, 2)
    assert by_offset["next"].endswith(f"{url}?limit=2&offset=2") and by_offset["total_bytes"] == 0
    assert sizes == [2, 1]
    assert sorted(i["id"] for i in everything) == sorted(link["id"] for link in links)
    order = [(i["updated_at"], i["id"]) for i in everything]
    assert order == sorted(order) and all(i["updated_at"] == i["created_at"] for i in everything)
    # the next round: the reviewed item, changed after the mark (and at most the last one seen, at the mark)
    assert reviewed.status_code == 200, reviewed.text
    assert links[0]["id"] in {i["id"] for i in since} and len(since) <= 2
    again = next(i for i in since if i["id"] == links[0]["id"])
    assert again["review_state"] == "accepted" and again["updated_at"] == again["reviewed_at"] > mark
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"
