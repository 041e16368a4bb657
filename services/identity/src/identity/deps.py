"""Annotated dependency aliases used by identity's routers."""

from __future__ import annotations

import math
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import BackgroundTasks, Depends, Request

from edudx_common.auth import CurrentPerson
from edudx_common.db import SessionDep
from edudx_common.errors import ProblemError, Unauthorized
from identity.auth import service as auth_service
from identity.auth.reset import PasswordResetQueue
from identity.auth.service import AuthKit, Invitations
from identity.auth.throttle import AddressLimit, client_address
from identity.errors import TooManyRequestsFromAddress
from identity.mail import MailOutbox
from identity.units.service import UnitAccounts
from identity.users import repository as users_repository
from identity.users.models import User
from identity.users.service import AccountSessions


async def _auth_kit(request: Request) -> AuthKit:
    kit: AuthKit = request.app.state.auth_kit
    return kit


async def _mail_outbox(request: Request) -> MailOutbox:
    outbox: MailOutbox = request.app.state.mail_outbox
    return outbox


async def _invitations(request: Request, tasks: BackgroundTasks) -> Invitations:
    outbox: MailOutbox = request.app.state.mail_outbox
    return Invitations(request.app.state.auth_kit, lambda session, mail: outbox.send_after_commit(session, mail, tasks))


async def _account_sessions() -> AccountSessions:
    return auth_service.SESSIONS


async def _unit_accounts() -> UnitAccounts:
    return auth_service.UNIT_ACCOUNTS


async def _password_resets(request: Request) -> PasswordResetQueue:
    resets: PasswordResetQueue = request.app.state.password_resets
    return resets


async def _client_address(request: Request) -> str:
    kit: AuthKit = request.app.state.auth_kit
    return client_address(request, kit.settings.trusted_proxies)


async def _refuse_if_blocked(limiter: AddressLimit, address: str) -> None:
    if (wait := await limiter.blocked(address)) is not None:
        seconds = math.ceil(wait)
        raise TooManyRequestsFromAddress(f"Vui lòng thử lại sau {seconds} giây.", limit=limiter.limit,
                                         retry_after=wait)


async def _limit_failures_per_address(request: Request,
                                      address: Annotated[str, Depends(_client_address)]) -> AsyncIterator[None]:
    """Identity's own per-address limit, gateway or not: each refused attempt (401/422) counts."""
    limiter: AddressLimit = request.app.state.address_limiter
    await _refuse_if_blocked(limiter, address)
    try:
        yield
    except ProblemError as exc:
        if exc.status in (401, 422):
            await limiter.hit(address)
        raise


async def _limit_requests_per_address(request: Request, address: Annotated[str, Depends(_client_address)]) -> None:
    """The same limit where every request counts (password-reset requests: each may send an e-mail)."""
    limiter: AddressLimit = request.app.state.address_limiter
    await _refuse_if_blocked(limiter, address)
    await limiter.hit(address)


async def _current_account(principal: CurrentPerson, session: SessionDep) -> User:
    assert principal.user_id is not None
    user = await users_repository.get(session, principal.user_id)
    if user is None or not user.active:
        raise Unauthorized("Tài khoản không còn hoạt động.")
    return user


AuthKitDep = Annotated[AuthKit, Depends(_auth_kit)]
MailOutboxDep = Annotated[MailOutbox, Depends(_mail_outbox)]
InvitationsDep = Annotated[Invitations, Depends(_invitations)]
# Sessions and a unit's accounts, for the features below auth (users, units) whose changes end sessions.
AccountSessionsDep = Annotated[AccountSessions, Depends(_account_sessions)]
UnitAccountsDep = Annotated[UnitAccounts, Depends(_unit_accounts)]
CurrentAccount = Annotated[User, Depends(_current_account)]
PasswordResetQueueDep = Annotated[PasswordResetQueue, Depends(_password_resets)]
ClientAddress = Annotated[str, Depends(_client_address)]
LIMITED_PER_ADDRESS = [Depends(_limit_failures_per_address)]
COUNTED_PER_ADDRESS = [Depends(_limit_requests_per_address)]
