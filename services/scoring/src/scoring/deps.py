"""Annotated dependency aliases used by the scoring routers."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Annotated, Any

from fastapi import Depends, Request

from edudx_common.scope import UnitTree
from scoring.clients.evidence import EvidenceClient
from scoring.clients.identity import IdentityClient
from scoring.clients.submissions import SubmissionsClient
from scoring.config import Settings
from scoring.events import EventSink


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
