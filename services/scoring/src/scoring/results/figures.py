"""How results count and name what they show: the distribution by class (every band, best first), the figures of
(group, class) aggregates, what an unscored sheet counts as, and the names of the groups (sub-authorities,
communes, clusters, levels) with the keys the API takes back."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scoring.clients.identity import IdentityClient
from scoring.results import repository
from scoring.results.listing import NOT_CLASSIFIED, GroupBy
from scoring.results.schemas import (
    ClassCount,
)
from scoring.rubrics.definition import RubricDefinition, ordered_bands
from scoring.sheets.calculation import outcome


def band_labels(definition: RubricDefinition) -> list[str]:
    """The rubric's classes, best first (the order of every distribution)."""
    bands = definition.bands or (definition.groups[0].bands if definition.groups else [])
    return [b.label for b in reversed(ordered_bands(bands))]


def distribution_of(definition: RubricDefinition, counts: Counter[str], *,
                    labels: list[str] | None = None) -> list[ClassCount]:
    """Every class of the rubric (`labels`: band_labels, when many distributions are made at once), then any other
    label counted. Built without validation (model_construct): a national page has 500 groups × every class, and
    checking str and int it made itself took a tenth of the page's CPU."""
    counts = Counter(counts)
    out = [ClassCount.model_construct(label=label, count=counts.pop(label, 0))
           for label in (band_labels(definition) if labels is None else labels)]
    out += [ClassCount.model_construct(label=label, count=n) for label, n in sorted(counts.items()) if n]
    return out


def figures_of(figures: Sequence[repository.ClassFigure]) -> tuple[int, float | None, Counter[str]]:
    """(units, average final total, units per class) of some (group, class) figures."""
    count = sum(f.count for f in figures)
    total = sum((f.total for f in figures), Decimal(0))
    classes: Counter[str] = Counter()
    for figure in figures:
        classes[figure.classification or NOT_CLASSIFIED] += figure.count
    return count, float(round(total / count, 2)) if count else None, classes


def unscored_of(definition: RubricDefinition) -> repository.Unscored:
    empty = outcome(definition, {}, {}, with_criteria=False)
    return repository.Unscored(final_total=empty.final_total, classification=empty.classification.label,
                               level_rank=empty.classification.rank)


_LEVEL_ORDER = ("mam_non", "tieu_hoc", "thcs", "thpt", "gdtx")
LEVEL_LABELS_VI = {"mam_non": "Mầm non", "tieu_hoc": "Tiểu học", "thcs": "THCS", "thpt": "THPT", "gdtx": "GDTX"}
_NO_GROUP = {GroupBy.COMMUNE: "(chưa gắn xã/phường)", GroupBy.CLUSTER: "(không thuộc cụm trường nào)",
             GroupBy.LEVEL: "(chưa khai báo cấp học)"}


def attribute_group_name(sheet: repository.SubmittedSheet, group_by: GroupBy) -> str:
    """A sheet's commune, clusters or levels as the results page names its group."""
    if group_by is GroupBy.COMMUNE:
        return sheet.commune_name or _NO_GROUP[group_by]
    if group_by is GroupBy.CLUSTER:
        return ", ".join(sheet.cluster_names) or _NO_GROUP[group_by]
    levels = sorted(sheet.education_levels, key=lambda c: _LEVEL_ORDER.index(c) if c in _LEVEL_ORDER else 99)
    return ", ".join(LEVEL_LABELS_VI.get(c, c) for c in levels) or _NO_GROUP[group_by]


@dataclass(frozen=True)
class GroupNaming:
    """How a group of the results reads: its key (as the API takes it back), unit, name and place in the list."""

    key: str
    unit_id: uuid.UUID | None
    name: str | None
    order: tuple[Any, ...] = ()


async def group_naming(group_by: GroupBy, figures: Sequence[repository.ClassFigure],
                        identity: IdentityClient) -> dict[str | None, GroupNaming]:
    """Every stored group key of the figures, named: sub-authorities by identity (one call), attribute groups
    from the sheets' own columns."""
    stored = {f.group_hex: f.group_label for f in figures}
    if group_by is GroupBy.CHILD:
        names = await identity.names([uuid.UUID(h) for h in stored if h])
        return {h: GroupNaming(key=h or "", unit_id=uuid.UUID(h) if h else None,
                               name=names.get(uuid.UUID(h)) if h else None) for h in stored}
    naming: dict[str | None, GroupNaming] = {}
    for key, label in stored.items():
        if group_by is GroupBy.COMMUNE:
            commune = uuid.UUID(key) if key else None  # PostgreSQL writes a uuid with dashes, SQLite as hex
            naming[key] = (GroupNaming(key=commune.hex, unit_id=commune, name=label, order=(0,)) if commune
                           else GroupNaming(key="", unit_id=None, name=_NO_GROUP[group_by], order=(1,)))
            continue
        codes = [str(c) for c in json.loads(key or "[]")]
        if not codes:
            naming[key] = GroupNaming(key="", unit_id=None, name=_NO_GROUP[group_by], order=(len(_LEVEL_ORDER) + 1,))
        elif group_by is GroupBy.LEVEL:
            order = tuple(_LEVEL_ORDER.index(c) if c in _LEVEL_ORDER else len(_LEVEL_ORDER) for c in codes)
            naming[key] = GroupNaming(key="+".join(codes), unit_id=None,
                                      name=", ".join(LEVEL_LABELS_VI.get(c, c) for c in codes), order=(0, *order))
        else:
            titles = [str(n) for n in json.loads(label or "[]")]
            naming[key] = GroupNaming(key="+".join(codes), unit_id=None,
                                      name=", ".join(titles if len(titles) == len(codes) else codes), order=(0,))
    return naming


def stored_of(naming: dict[str | None, GroupNaming], key: str | None) -> str | None:
    return next((stored for stored, group in naming.items() if group.key == key), None)


def stored_group(naming: dict[str | None, GroupNaming], key: str | None) -> str | None:
    """The database's key of the group asked for: "" for sheets without one (NULL), None for no filter. An unknown
    key is passed as it is, and finds nothing."""
    if key is None:
        return None
    if not any(group.key == key for group in naming.values()):
        return key
    stored = stored_of(naming, key)
    return "" if stored is None else stored
