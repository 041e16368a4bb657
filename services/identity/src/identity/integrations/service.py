"""Integration clients: created by an authority admin for its subtree, exchanged for short-lived tokens.

A client's token is a `client` principal (edudx_common.auth): bound to the client's unit, a viewer there, and a
reviewer too with the `write` scope. It is never a service token, so every service applies its tree scope to it.
The token's `sid` is the client's id: revoking the client puts it on the revoked list every service polls.
"""

from __future__ import annotations

import hmac
import secrets
import uuid
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import CLIENT_KIND, Principal, Role
from edudx_common.db import utcnow
from edudx_common.pagination import PageParams
from edudx_common.revocation import note_revoked
from edudx_common.tables import audit
from identity.auth.service import AuthKit
from identity.auth.tokens import token_hash
from identity.errors import IntegrationClientNotFound, OAuthError, OAuthInvalidClient
from identity.integrations import repository
from identity.integrations.models import IntegrationClient
from identity.integrations.schemas import (
    ClientScope,
    ClientTokenResponse,
    IntegrationClientCreate,
    IntegrationClientCreated,
    IntegrationClientRead,
)
from identity.metrics import AUTH_FAILURES
from identity.units import repository as units_repository
from identity.units import service as units_service

CLIENT_ID_PREFIX = "edx_"
SCOPE_ROLES: dict[ClientScope, list[str]] = {
    ClientScope.READ: [Role.VIEWER.value],
    ClientScope.READ_WRITE: [Role.VIEWER.value, Role.REVIEWER.value],
}


def is_active(client: IntegrationClient, now: datetime) -> bool:
    return client.revoked_at is None and (client.expires_at is None or client.expires_at > now)


def to_read(client: IntegrationClient) -> IntegrationClientRead:
    return IntegrationClientRead.model_validate(
        {**client.model_dump(), "active": is_active(client, utcnow())})


def _ensure_manager(principal: Principal) -> None:
    units_service.ensure_admin(principal)


def _record(session: AsyncSession, client: IntegrationClient, action: str, principal: Principal,
            unit_path: str) -> None:
    audit.record(session, action=action, actor=audit.Actor.of(principal), target_type="integration_client",
                 target_id=client.id, unit_id=client.unit_id, unit_path=unit_path,
                 changes={"name": client.name, "scope": client.scope, "client_id": client.client_id})


async def create_client(session: AsyncSession, principal: Principal,
                        data: IntegrationClientCreate) -> IntegrationClientCreated:
    """A new client for a unit of the admin's subtree; the secret is returned here and never again."""
    _ensure_manager(principal)
    unit_id = data.unit_id or principal.unit_id
    if unit_id is None:
        raise IntegrationClientNotFound("Hãy chọn đơn vị cho ứng dụng tích hợp.")
    unit = await units_service.get_visible(session, principal, unit_id)
    secret = secrets.token_urlsafe(32)
    client = IntegrationClient(client_id=CLIENT_ID_PREFIX + secrets.token_hex(12), secret_hash=token_hash(secret),
                               name=data.name.strip(), unit_id=unit.id, scope=data.scope.value,
                               created_by=principal.user_id, expires_at=data.expires_at)
    session.add(client)
    await session.flush()
    _record(session, client, "integration_client.created", principal, unit.path)
    return IntegrationClientCreated.model_validate({**to_read(client).model_dump(), "client_secret": secret})


async def list_clients(session: AsyncSession, principal: Principal, page: PageParams, *,
                       unit_id: uuid.UUID | None) -> tuple[list[IntegrationClient], int]:
    _ensure_manager(principal)
    root = await units_service.scope_root(session, principal)
    return await repository.list_under(session, root.path if root else None, page, unit_id=unit_id)


async def get_manageable(session: AsyncSession, principal: Principal, client_pk: uuid.UUID) -> IntegrationClient:
    """A client of the admin's subtree; 404 for any other, as if it did not exist."""
    _ensure_manager(principal)
    client = await repository.get(session, client_pk)
    if client is not None:
        unit = await units_repository.get(session, client.unit_id)
        if unit is not None and units_service.within(unit, await units_service.scope_root(session, principal)):
            return client
    raise IntegrationClientNotFound(f"Không tìm thấy ứng dụng tích hợp {client_pk} trong phạm vi quản lý của bạn.")


async def revoke_client(session: AsyncSession, principal: Principal, client_pk: uuid.UUID) -> IntegrationClient:
    """Idempotent: revoking twice keeps the first time. Tokens already issued stop within seconds."""
    client = await get_manageable(session, principal, client_pk)
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        unit = await units_repository.get(session, client.unit_id)
        _record(session, client, "integration_client.revoked", principal, unit.path if unit else "")
        await session.flush()
        note_revoked(session, [client.id])  # its tokens' `sid`
    return client


async def revoked_client_ids(session: AsyncSession, kit: AuthKit, *, margin: timedelta) -> list[uuid.UUID]:
    window = timedelta(minutes=kit.settings.integration_token_minutes) + margin
    return await repository.revoked_since(session, utcnow() - window)


async def issue_token(session: AsyncSession, kit: AuthKit, *, grant_type: str | None, client_id: str | None,
                      client_secret: str | None, scope: str | None) -> ClientTokenResponse:
    """RFC 6749 §4.4: the client-credentials grant. Errors are RFC 6749 §5.2 (`OAuthError`)."""
    if grant_type is None or not client_id or not client_secret:
        raise OAuthError("invalid_request", "grant_type, client_id và client_secret là bắt buộc.")
    if grant_type != "client_credentials":
        raise OAuthError("unsupported_grant_type", "Chỉ hỗ trợ grant_type=client_credentials.")
    client = await repository.get_by_client_id(session, client_id[:40])
    now = utcnow()
    expected = client.secret_hash if client is not None else token_hash("")
    matches = hmac.compare_digest(expected, token_hash(client_secret))
    unit = await units_repository.get(session, client.unit_id) if client is not None else None
    if client is None or not matches or not is_active(client, now) or unit is None or not unit.active:
        AUTH_FAILURES.labels("bad_client").inc()
        raise OAuthInvalidClient("Ứng dụng tích hợp không tồn tại, sai khoá bí mật, đã hết hạn hoặc đã bị thu hồi.")
    granted = ClientScope(client.scope)
    requested = set((scope or granted.value).split())
    if not requested or not requested <= set(granted.value.split()):
        raise OAuthError("invalid_scope", f"Ứng dụng chỉ được cấp phạm vi «{granted.value}».")
    chosen = ClientScope.READ_WRITE if "write" in requested else ClientScope.READ
    lifetime = timedelta(minutes=kit.settings.integration_token_minutes)
    if client.expires_at is not None:
        lifetime = min(lifetime, client.expires_at - now)
    token = kit.issuer.issue(subject=f"client:{client.client_id}", kind=CLIENT_KIND, roles=SCOPE_ROLES[chosen],
                             lifetime=lifetime,
                             extra={"unit_id": str(client.unit_id), "name": client.name, "sid": str(client.id),
                                    "scope": chosen.value, "client_id": client.client_id})
    client.last_used_at = now
    await session.flush()
    return ClientTokenResponse(access_token=token, expires_in=int(lifetime.total_seconds()), scope=chosen)
