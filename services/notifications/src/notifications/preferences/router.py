from __future__ import annotations

from fastapi import APIRouter

from edudx_common.auth import CurrentPerson
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from notifications.deps import NowDep
from notifications.preferences import service
from notifications.preferences.schemas import PreferencesRead, PreferencesUpdate

router = APIRouter(prefix="/preferences", tags=["preferences"], responses=PROBLEM_RESPONSES)


@router.get("/me", response_model=PreferencesRead)
async def get_my_preferences(session: SessionDep, user: CurrentPerson) -> PreferencesRead:
    """Which kinds of e-mail the signed-in user gets. Everything is on until the user turns it off."""
    return await service.get_own(session, user)


@router.put("/me", response_model=PreferencesRead)
async def update_my_preferences(body: PreferencesUpdate, session: SessionDep, user: CurrentPerson,
                                now: NowDep) -> PreferencesRead:
    """Turn optional kinds of e-mail off or on again. Turning off `deadline_reminders` (one's own unit's
    deadlines) is refused with 422 `mandatory_category`. The in-app feed keeps every notification."""
    return await service.update_own(session, user, body.email, now=now)
