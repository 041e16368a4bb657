"""The results figures of a campaign kept in this process between requests.

The figures (units, sums of final totals and approvals per group and class: repository.class_figures) are a pass over
every sheet of the campaign — at 50,000 schools most of the results page's time — while they change only when a
sheet is written. They are kept here keyed by the campaign's sheet version (SheetVersion), which triggers change in
the transaction of every write of its sheets, whoever writes (another replica, an event, a command): a request reads
that one row, and adds the figures up again only when it differs from the kept one's.

Why this is never stale: the version is read before the figures, each statement seeing at least what the one before
saw, so kept figures are at least as new as their version; a write committed after the version was read has given the
campaign another version, which misses. A transaction that writes sheets sees its own new version (the triggers are
not deferred), which nobody else ever sees if it rolls back. A campaign without a version (no sheet written since
the triggers exist) is never kept.
"""

from __future__ import annotations

import uuid
from collections import OrderedDict
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from scoring.results import repository
from scoring.sheets import repository as sheets_repository

# Bounded by figures, not keys: a national campaign grouped by commune has ~50,000 (commune, class) rows, by
# sub-authority a few hundred. 100,000 small rows are some tens of MB; the least recently read go first.
MAX_KEPT_FIGURES = 100_000

_kept: OrderedDict[tuple[Any, ...], tuple[int, list[repository.ClassFigure]]] = OrderedDict()
_kept_figures = 0


async def class_figures(session: AsyncSession, campaign_id: uuid.UUID, *, issuer_id: uuid.UUID,
                        unscored: repository.Unscored, within: uuid.UUID | None = None, group_by: str = "child",
                        commune_id: uuid.UUID | None = None, stamped: bool = True) -> list[repository.ClassFigure]:
    """repository.class_figures, from this process's copy while the campaign's sheets are unchanged."""
    version = await sheets_repository.sheets_version(session, campaign_id)
    key = (campaign_id, issuer_id, unscored, within, group_by, commune_id, stamped)
    if version is not None:
        found = _kept.get(key)
        if found is not None and found[0] == version:
            _kept.move_to_end(key)
            return list(found[1])
    figures = await repository.class_figures(session, campaign_id, issuer_id=issuer_id, unscored=unscored,
                                             within=within, group_by=group_by, commune_id=commune_id, stamped=stamped)
    if version is not None:
        _keep(key, version, figures)
    return figures


def _keep(key: tuple[Any, ...], version: int, figures: list[repository.ClassFigure]) -> None:
    global _kept_figures
    replaced = _kept.pop(key, None)
    _kept_figures -= len(replaced[1]) if replaced else 0
    if len(figures) > MAX_KEPT_FIGURES:
        return
    _kept[key] = (version, list(figures))
    _kept_figures += len(figures)
    while _kept_figures > MAX_KEPT_FIGURES:
        _, (_, dropped) = _kept.popitem(last=False)
        _kept_figures -= len(dropped)
