from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, Response, status

from edudx_common.auth import CurrentPrincipal
from edudx_common.db import SessionDep
from edudx_common.errors import PROBLEM_RESPONSES, Forbidden
from edudx_common.openapi import INTERNAL
from identity.auth import service
from identity.auth.schemas import (
    LoginRequest,
    PasswordChange,
    PasswordResetConfirm,
    PasswordResetRequest,
    RefreshRequest,
    RevokedSessions,
    ServiceToken,
    TokenPair,
)
from identity.deps import (
    COUNTED_PER_ADDRESS,
    LIMITED_PER_ADDRESS,
    AuthKitDep,
    ClientAddress,
    CurrentAccount,
    PasswordResetQueueDep,
)

router = APIRouter(tags=["auth"], responses=PROBLEM_RESPONSES)


@router.post("/auth/login", response_model=TokenPair, dependencies=LIMITED_PER_ADDRESS)
async def login(body: LoginRequest, session: SessionDep, kit: AuthKitDep, address: ClientAddress) -> TokenPair:
    """Sign in with e-mail and password. Returns a short-lived access token and a refresh token.

    Every refusal is 401 `invalid_credentials`, whether the e-mail is unknown, the password wrong or the account
    deactivated. After repeated failures for one e-mail from one client address that pair waits longer each time
    (429 `too_many_attempts` with `Retry-After`); other addresses are not affected. Each client address may make
    a limited number of refused attempts per minute across the sign-in endpoints (429 `rate_limited`).
    """
    return await service.login(session, kit, email=str(body.email).lower(), password=body.password,
                               client_address=address)


@router.post("/auth/refresh", response_model=TokenPair, dependencies=LIMITED_PER_ADDRESS)
async def refresh_tokens(body: RefreshRequest, session: SessionDep, kit: AuthKitDep) -> TokenPair:
    """Exchange a refresh token for a new pair. Each refresh token works once; reusing one ends the session."""
    return await service.refresh(session, kit, refresh_token=body.refresh_token)


@router.post("/auth/logout", status_code=status.HTTP_204_NO_CONTENT)
async def logout(body: RefreshRequest, session: SessionDep) -> Response:
    """Revoke the refresh token and every token rotated from it."""
    await service.logout(session, refresh_token=body.refresh_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/auth/token", response_model=ServiceToken, dependencies=LIMITED_PER_ADDRESS, openapi_extra=INTERNAL)
async def issue_service_token(
    kit: AuthKitDep,
    grant_type: Annotated[str, Form(pattern="^client_credentials$")],
    client_id: Annotated[str, Form(max_length=100)],
    client_secret: Annotated[str, Form(max_length=200)],
    audience: Annotated[str, Form(max_length=50, pattern="^[a-z][a-z0-9-]*$",
                                  description="The service the token is for, e.g. `notifications`")],
) -> ServiceToken:
    """OAuth 2 client-credentials grant for EduDX services calling each other. Each token is for the one
    service named in `audience` (its `aud` claim is `edudx:<service>`): every other service refuses it."""
    return service.client_credentials(kit, client_id=client_id, client_secret=client_secret, audience=audience)


@router.post("/auth/password-reset", status_code=status.HTTP_202_ACCEPTED, dependencies=COUNTED_PER_ADDRESS)
async def request_password_reset(body: PasswordResetRequest, resets: PasswordResetQueueDep) -> dict[str, str]:
    """E-mail a link to set a new password. The answer, and the time it takes, are the same whether or not the
    e-mail has an account: the work happens after the answer. One e-mail per account per cooldown period
    (`IDENTITY_PASSWORD_RESET_COOLDOWN_MINUTES`); further requests in that period send nothing."""
    resets.submit(str(body.email).lower())
    return {"detail": "Nếu e-mail có tài khoản, hướng dẫn đặt lại mật khẩu đã được gửi."}


@router.post("/auth/password-reset/confirm", status_code=status.HTTP_204_NO_CONTENT,
             dependencies=LIMITED_PER_ADDRESS)
async def confirm_password_reset(body: PasswordResetConfirm, session: SessionDep, kit: AuthKitDep) -> Response:
    """Set a new password with the token from a reset or invitation e-mail. Signs out every session."""
    await service.set_password_with_token(session, kit, token=body.token, new_password=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/me/password", status_code=status.HTTP_204_NO_CONTENT, tags=["me"])
async def change_password(body: PasswordChange, session: SessionDep, kit: AuthKitDep,
                          account: CurrentAccount) -> Response:
    """Change one's own password. Every refresh token is revoked: other devices must sign in again."""
    await service.change_password(session, kit, account, current=body.current_password, new=body.new_password)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/auth/revoked-sessions", response_model=RevokedSessions, openapi_extra=INTERNAL)
async def list_revoked_sessions(request: Request, kit: AuthKitDep, principal: CurrentPrincipal) -> RevokedSessions:
    """Sessions ended within the access tokens' lifetime (logout, password change or reset, reuse of a refresh
    token, deactivation, a change of roles or unit) and revoked integration clients: an access token whose `sid`
    is listed is refused. For services only (403 for users); each polls this every few seconds."""
    if not principal.is_service:
        raise Forbidden("Chỉ các dịch vụ của hệ thống được đọc danh sách phiên đã thu hồi.")
    lifetime = max(kit.settings.access_token_minutes, kit.settings.integration_token_minutes)
    window = lifetime * 60 + int(service.REVOCATION_MARGIN.total_seconds())
    # Sessions and revoked integration clients (their tokens' `sid`), gathered in identity.main.
    return RevokedSessions(sessions=await request.app.state.revoked_session_ids(), window_seconds=window)


@router.get("/.well-known/jwks.json", tags=["auth"])
async def jwks(kit: AuthKitDep, response: Response) -> dict[str, object]:
    """Public keys that verify EduDX access tokens (RS256). Cache for a few minutes; refetch on an unknown `kid`."""
    response.headers["Cache-Control"] = "public, max-age=300"
    return kit.jwks
