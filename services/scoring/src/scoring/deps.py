"""Annotated dependency aliases used by the scoring routers, and the wiring one feature gets from another without
importing it (sheets ask whether results are published: `PublicationDep`)."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.scope import UnitTree
from scoring.clients.evidence import EvidenceClient
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import SubmissionsClient
from scoring.config import Settings
from scoring.events import EventSink
from scoring.results import repository as results_repository


def _state(name: str) -> Callable[[Request], Awaitable[Any]]:
    async def get(request: Request) -> Any:
        return getattr(request.app.state, name)

    return get


SubmissionsDep = Annotated[SubmissionsClient, Depends(_state("submissions"))]
EvidenceDep = Annotated[EvidenceClient, Depends(_state("evidence"))]
IdentityDep = Annotated[IdentityClient, Depends(_state("identity"))]
UnitTreeDep = Annotated[UnitTree, Depends(_state("unit_tree"))]
ClockDep = Annotated[Callable[[], datetime], Depends(_state("clock"))]
EventsDep = Annotated[EventSink, Depends(_state("events"))]
SettingsDep = Annotated[Settings, Depends(_state("settings"))]

# Whether a campaign's results are published: the sheets' review-visibility rule needs it, results own it.
Publication = Callable[[AsyncSession, uuid.UUID], Awaitable[bool]]


async def _publication() -> Publication:
    return results_repository.is_published


PublicationDep = Annotated[Publication, Depends(_publication)]
