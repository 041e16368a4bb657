"""Results of a level-mode rubric (QĐ 4725) rank by the overall level first, then by points: a Mức 1 school
never ranks above a Mức 2 one because its two groups' points add up to more — in SQL and in the computation
publication uses."""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any, cast

from edudx_common.db import utcnow
from edudx_common.pagination import PageParams
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import CampaignInfo, SubmissionsClient
from scoring.results import service
from scoring.results.listing import ResultsFilter
from scoring.rubrics.definition import CriterionKind, RubricDefinition
from scoring.rubrics.service import template_definition
from scoring.sheets.models import CriterionScore, ScoreSheet
from scoring.sheets.service import refresh_summary
from tests.scoring.conftest import Stack, World
from tests.scoring.test_results_sql import _Identity, _Submissions


def group_marks(definition: RubricDefinition, totals: tuple[int, int]) -> dict[str, tuple[Decimal, bool | None]]:
    """(points, passed) per criterion giving each group the total asked for, every condition met: criteria
    filled to their maximum in order, the rest as needed (stored points are what results add up)."""
    marks: dict[str, tuple[Decimal, bool | None]] = {}
    for group, total in zip(definition.groups, totals, strict=True):
        left = Decimal(total)
        for criterion in group.criteria:
            if criterion.kind is CriterionKind.MANDATORY:
                marks[criterion.code] = (Decimal(0), True)
                continue
            points = min(Decimal(str(criterion.max_points)), left)
            marks[criterion.code] = (points, None)
            left -= points
        assert left == 0
    return marks


# Group totals → overall level (the weaker group's): summed, the Mức 1 school (149) would come before two
# Mức 2 ones (120, 140).
SCHOOLS = {"Trường A": (100, 49), "Trường B": (60, 60), "Trường C": (80, 80), "Trường D": (70, 70),
           "Trường E": (70, 70)}


async def test_a_level_mode_rubric_ranks_by_level_then_points(stack: Stack, world: World) -> None:
    definition = template_definition("qd-4725-reference")
    campaign = CampaignInfo(id=uuid.uuid4(), title="Đánh giá CĐS theo QĐ 4725", kind="dx_assessment",
                            status="open", issuer_unit_id=world.units["so"].id,
                            rubric_id=uuid.UUID(world.rubrics["qd-4725-reference"]), school_year_id=uuid.uuid4())
    so = world.units["so"].id
    async with stack.services["scoring"].sessions() as session:
        for name, totals in SCHOOLS.items():
            unit_id = uuid.uuid4()
            sheet = ScoreSheet(submission_id=uuid.uuid4(), campaign_id=campaign.id, unit_id=unit_id, unit_name=name,
                               unit_path=f"/{so.hex}/{unit_id.hex}/", rubric_id=cast(uuid.UUID, campaign.rubric_id),
                               submission_status="approved", submit_count=1, status_at=utcnow())
            session.add(sheet)
            await session.flush()
            for code, (points, passed) in group_marks(definition, totals).items():
                session.add(CriterionScore(sheet_id=sheet.id, criterion_code=code, self_at=utcnow(),
                                           self_points=points, self_passed=passed))
            await refresh_summary(session, sheet, definition, None)
        await session.commit()

    clients: dict[str, Any] = {"submissions": cast(SubmissionsClient, _Submissions({campaign.id: campaign})),
                               "identity": cast(IdentityClient, _Identity())}
    async with stack.services["scoring"].sessions() as session:
        in_sql = await service.results_page(session, campaign, page=PageParams(), **clients)
        computation = await service.compute(session, campaign, **clients)
    reference = service.to_read(computation, ResultsFilter(), PageParams())

    assert in_sql.model_dump(mode="json") == reference.model_dump(mode="json")
    shown = [(r.unit_name, r.classification, r.final_total, r.rank, r.tied) for r in in_sql.items]
    assert shown == [("Trường C", "Mức 3", 160, 1, False), ("Trường D", "Mức 2", 140, 2, True),
                     ("Trường E", "Mức 2", 140, 2, True), ("Trường B", "Mức 2", 120, 4, False),
                     ("Trường A", "Mức 1", 149, 5, False)]

