"""Annotated dependency aliases used by the notifications routers."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request

from edudx_common.scope import UnitTree
from notifications.clients.identity import IdentityClient
from notifications.clients.submissions import SubmissionsClient
from notifications.config import Settings
from notifications.timing import Clock


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


async def _now(request: Request) -> datetime:
    clock: Clock = request.app.state.clock
    return clock()


async def _submissions(request: Request) -> SubmissionsClient:
    client: SubmissionsClient = request.app.state.submissions
    return client


async def _identity(request: Request) -> IdentityClient:
    client: IdentityClient = request.app.state.identity
    return client


async def _tree(request: Request) -> UnitTree:
    tree: UnitTree = request.app.state.unit_tree
    return tree


SettingsDep = Annotated[Settings, Depends(_settings)]
# "Now" by the app's clock (tests move it): one value for the whole request.
NowDep = Annotated[datetime, Depends(_now)]
SubmissionsDep = Annotated[SubmissionsClient, Depends(_submissions)]
IdentityDep = Annotated[IdentityClient, Depends(_identity)]
UnitTreeDep = Annotated[UnitTree, Depends(_tree)]
