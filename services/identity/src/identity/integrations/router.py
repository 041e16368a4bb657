from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status
from fastapi.responses import JSONResponse

from edudx_common.auth import CurrentPerson
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import Page, PageParamsDep
from identity.deps import LIMITED_PER_ADDRESS, AuthKitDep
from identity.errors import OAuthError
from identity.integrations import service
from identity.integrations.schemas import (
    ClientTokenResponse,
    IntegrationClientCreate,
    IntegrationClientCreated,
    IntegrationClientRead,
    OAuthErrorBody,
)

router = APIRouter(tags=["integration-clients"], responses=PROBLEM_RESPONSES)

CLIENTS_PATH = "/integration-clients"


@router.post(CLIENTS_PATH, response_model=IntegrationClientCreated, status_code=status.HTTP_201_CREATED)
async def create_integration_client(body: IntegrationClientCreate, session: SessionDep, principal: CurrentPerson,
                                    request: Request, response: Response) -> IntegrationClientCreated:
    """Create an API client for a unit of the admin's subtree (authority admins). The answer carries
    `client_secret` this once: EduDX keeps only its hash. Exchange the pair at `POST /oauth/token`."""
    created = await service.create_client(session, principal, body)
    response.headers["Location"] = str(request.url_for("get_integration_client", client_pk=created.id).path)
    return created


@router.get(CLIENTS_PATH, response_model=Page[IntegrationClientRead])
async def list_integration_clients(session: SessionDep, principal: CurrentPerson, page: PageParamsDep,
                                   unit_id: uuid.UUID | None = None) -> Page[IntegrationClientRead]:
    """API clients of the admin's subtree (revoked and expired ones too), newest first."""
    items, total = await service.list_clients(session, principal, page, unit_id=unit_id)
    return Page[IntegrationClientRead](items=[service.to_read(c) for c in items], total=total, limit=page.limit,
                                       offset=page.offset)


@router.get(CLIENTS_PATH + "/{client_pk}", response_model=IntegrationClientRead)
async def get_integration_client(client_pk: uuid.UUID, session: SessionDep,
                                 principal: CurrentPerson) -> IntegrationClientRead:
    """One API client of the admin's subtree; 404 otherwise."""
    return service.to_read(await service.get_manageable(session, principal, client_pk))


@router.post(CLIENTS_PATH + "/{client_pk}/revoke", response_model=IntegrationClientRead)
async def revoke_integration_client(client_pk: uuid.UUID, session: SessionDep,
                                    principal: CurrentPerson) -> IntegrationClientRead:
    """Revoke an API client: no new token, and every service refuses its current tokens within seconds."""
    return service.to_read(await service.revoke_client(session, principal, client_pk))


@router.post("/oauth/token", response_model=ClientTokenResponse, dependencies=LIMITED_PER_ADDRESS,
             responses={400: {"model": OAuthErrorBody, "description": "RFC 6749 §5.2"},
                        401: {"model": OAuthErrorBody, "description": "invalid_client"}})
async def issue_integration_token(
    session: SessionDep,
    kit: AuthKitDep,
    response: Response,
    grant_type: Annotated[str | None, Form(description="`client_credentials`")] = None,
    client_id: Annotated[str | None, Form(max_length=100)] = None,
    client_secret: Annotated[str | None, Form(max_length=200)] = None,
    scope: Annotated[str | None, Form(max_length=50, description="`read` or `read write`; default: as granted")] = None,
) -> ClientTokenResponse:
    """OAuth 2 client-credentials grant (RFC 6749 §4.4) for integration clients, form-encoded. The token reads
    the client's unit subtree (and writes as a reviewer there with the `write` scope). Errors follow RFC 6749
    §5.2: `{"error": "invalid_client", "error_description": …}`."""
    response.headers["Cache-Control"] = "no-store"
    return await service.issue_token(session, kit, grant_type=grant_type, client_id=client_id,
                                     client_secret=client_secret, scope=scope)


async def oauth_error_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, OAuthError)
    return JSONResponse(OAuthErrorBody(error=exc.error, error_description=exc.detail).model_dump(),
                        status_code=exc.status, headers={**exc.headers, "Cache-Control": "no-store"})
