"""Reading a list the way an integrator does: the first page, then each `next` link until it is null."""

from __future__ import annotations

from typing import Any

import httpx


async def follow_next(client: httpx.AsyncClient, url: str, headers: dict[str, str],
                      **params: str) -> list[dict[str, Any]]:
    """Every page (the envelope, as answered) of a list, from `url` with `params`, by its `next` links."""
    pages: list[dict[str, Any]] = []
    response = await client.get(url, params=params, headers=headers)
    while True:
        assert response.status_code == 200, response.text
        pages.append(response.json())
        link = pages[-1]["next"]
        if link is None:
            return pages
        response = await client.get(link, headers=headers)
