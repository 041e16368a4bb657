"""Annotated dependency aliases used by the evidence routers."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from edudx_common.scope import UnitTree
from evidence.clients.submissions import SubmissionsClient
from evidence.config import Settings
from evidence.storage.base import ObjectStorage


async def _storage(request: Request) -> ObjectStorage:
    storage: ObjectStorage = request.app.state.storage
    return storage


async def _submissions(request: Request) -> SubmissionsClient:
    client: SubmissionsClient = request.app.state.submissions
    return client


async def _tree(request: Request) -> UnitTree:
    tree: UnitTree = request.app.state.unit_tree
    return tree


async def _settings(request: Request) -> Settings:
    settings: Settings = request.app.state.settings
    return settings


StorageDep = Annotated[ObjectStorage, Depends(_storage)]
SubmissionsDep = Annotated[SubmissionsClient, Depends(_submissions)]
UnitTreeDep = Annotated[UnitTree, Depends(_tree)]
SettingsDep = Annotated[Settings, Depends(_settings)]
