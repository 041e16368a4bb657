from __future__ import annotations

from collections.abc import Sequence

from scoring.clients.evidence import EvidenceInfo


def evidence_codes_by_criterion(items: Sequence[EvidenceInfo]) -> dict[str, list[str]]:
    """Criterion code → the catalogue codes of its evidence ('2.1' → ['H2.1-01', 'H2.1-02'])."""
    found: dict[str, list[str]] = {}
    for item in items:
        if item.replaced_by_id is not None:
            continue
        for criterion, code in zip(item.criterion_codes, item.codes, strict=False):
            found.setdefault(criterion, []).append(code)
    return found
