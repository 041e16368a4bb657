"""Annotated dependency aliases used by the submissions routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from submissions.clients.evidence import EvidenceClient
from submissions.clients.identity import IdentityClient
from submissions.clients.scoring import ScoringClient
from submissions.events import EventSink
from submissions.workflow.service import Clock


async def _identity(request: Request) -> IdentityClient:
    client: IdentityClient = request.app.state.identity
    return client


async def _events(request: Request) -> EventSink:
    sink: EventSink = request.app.state.events
    return sink


async def _scoring(request: Request) -> ScoringClient:
    client: ScoringClient = request.app.state.scoring
    return client


async def _evidence(request: Request) -> EvidenceClient:
    client: EvidenceClient = request.app.state.evidence
    return client


EvidenceDep = Annotated[EvidenceClient, Depends(_evidence)]
IdentityDep = Annotated[IdentityClient, Depends(_identity)]
ScoringDep = Annotated[ScoringClient, Depends(_scoring)]
EventsDep = Annotated[EventSink, Depends(_events)]


async def _clock(request: Request) -> Clock:
    clock: Clock = request.app.state.clock
    return clock


ClockDep = Annotated[Clock, Depends(_clock)]
