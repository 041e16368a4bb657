"""Login, token refresh and rotation, service credentials, password reset and change."""

from __future__ import annotations

import hmac
import math
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import or_, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from edudx_common.db import utcnow
from edudx_common.jwt import service_audience
from edudx_common.tables import audit
from edudx_common.templates import template_environment
from identity.auth import repository
from identity.auth.models import PasswordToken, RefreshToken
from identity.auth.passwords import Passwords
from identity.auth.schemas import ServiceToken, TokenPair
from identity.auth.throttle import LoginThrottle
from identity.auth.tokens import TokenIssuer, random_token, token_hash
from identity.config import Settings
from identity.errors import (
    InvalidClient,
    InvalidCredentials,
    InvalidPasswordToken,
    InvalidRefreshToken,
    InvalidTarget,
    TooManyAttempts,
    WeakPassword,
)
from identity.mail import Mail
from identity.metrics import AUTH_FAILURES
from identity.units import repository as units_repository
from identity.users import repository as users_repository
from identity.users import service as users_service
from identity.users.models import User

# Clock skew between identity and the services that read the revocations.
REVOCATION_MARGIN = timedelta(minutes=2)
# The invitation and password-reset e-mails (text, and HTML with every value escaped).
_TEMPLATES = template_environment("identity.auth", "mail_templates")


@dataclass(frozen=True)
class AuthKit:
    """What the auth rules need besides a session; built once in the lifespan."""

    settings: Settings
    passwords: Passwords
    issuer: TokenIssuer
    jwks: dict[str, Any]
    throttle: LoginThrottle
    # Claims a user's access token carries besides its roles (the rights a Sở granted a commune official), from
    # the feature that owns them: (session, user id, unit id) → claims.
    extra_claims: Callable[[AsyncSession, uuid.UUID, uuid.UUID], Awaitable[dict[str, Any]]] | None = None


async def _issue_pair(session: AsyncSession, kit: AuthKit, user: User, *,
                      family_id: uuid.UUID | None = None) -> TokenPair:
    roles = (await users_repository.roles_of(session, [user.id]))[user.id]
    family_id = family_id or uuid.uuid4()
    access_lifetime = timedelta(minutes=kit.settings.access_token_minutes)
    granted = await kit.extra_claims(session, user.id, user.unit_id) if kit.extra_claims else {}
    access = kit.issuer.issue(subject=str(user.id), kind="user", roles=roles, lifetime=access_lifetime,
                              # the name lets other services record who acted without asking identity;
                              # `sid` (the session) lets them refuse the token once the session is revoked
                              extra={**granted, "unit_id": str(user.unit_id), "name": user.full_name,
                                     "sid": str(family_id)})
    refresh = random_token()
    refresh_lifetime = timedelta(days=kit.settings.refresh_token_days)
    session.add(RefreshToken(family_id=family_id, user_id=user.id, token_hash=token_hash(refresh),
                             expires_at=utcnow() + refresh_lifetime))
    await session.flush()
    return TokenPair(access_token=access, expires_in=int(access_lifetime.total_seconds()), refresh_token=refresh,
                     refresh_expires_in=int(refresh_lifetime.total_seconds()))


async def _may_sign_in(session: AsyncSession, user: User) -> bool:
    unit = await units_repository.get(session, user.unit_id)
    return user.active and unit is not None and unit.active


async def login(session: AsyncSession, kit: AuthKit, *, email: str, password: str, client_address: str) -> TokenPair:
    """Unknown address, wrong password, no password yet, deactivated account or unit: one answer, one cost.

    The password is always checked against a hash (a dummy one when there is none), and the throttle is keyed by
    the address as typed, so neither the status, the code nor the time tells whether an account exists.
    """
    if (wait := await kit.throttle.retry_after(email, client_address)) is not None:
        AUTH_FAILURES.labels("throttled").inc()
        # RateLimit-Limit: the failures allowed before the pair must wait.
        raise TooManyAttempts(f"Vui lòng thử lại sau {math.ceil(wait)} giây hoặc đặt lại mật khẩu.",
                              limit=kit.settings.lockout_threshold, retry_after=wait)
    user = await users_repository.get_by_email(session, email)
    await _release_connection(session)
    matches = await kit.passwords.verify(password, user.password_hash if user else None)
    if user is None or not matches or not await _may_sign_in(session, user):
        await kit.throttle.failed(email, client_address)
        await _record_user_event(session, user, "auth.login_failed", audit.ANONYMOUS)
        await session.commit()  # the record stays although the request fails
        AUTH_FAILURES.labels("bad_credentials" if not matches else "inactive").inc()
        raise InvalidCredentials()
    await kit.throttle.succeeded(email, client_address)
    user.last_login_at = utcnow()
    await _record_user_event(session, user, "auth.login", _self(user))
    return await _issue_pair(session, kit, user)


def _self(user: User) -> audit.Actor:
    return audit.Actor(kind="user", user_id=user.id, unit_id=user.unit_id)


async def _record_user_event(session: AsyncSession, user: User | None, action: str, actor: audit.Actor) -> None:
    """An audit record about an account; for an unknown e-mail the attempt is kept, the address is not."""
    unit = await units_repository.get(session, user.unit_id) if user is not None else None
    audit.record(session, action=action, actor=actor, target_type="user", target_id=user.id if user else None,
                 unit_id=unit.id if unit else None, unit_path=unit.path if unit else None)


async def refresh(session: AsyncSession, kit: AuthKit, *, refresh_token: str) -> TokenPair:
    stored = await repository.get_refresh(session, token_hash(refresh_token))
    now = utcnow()
    if stored is None or stored.revoked_at is not None or stored.expires_at <= now:
        raise InvalidRefreshToken()
    # Compare-and-set: of two concurrent refreshes with one token, exactly one wins.
    result = await session.execute(
        update(RefreshToken)
        .where(col(RefreshToken.id) == stored.id, col(RefreshToken.replaced_at).is_(None),
               col(RefreshToken.revoked_at).is_(None))
        .values(replaced_at=now)
    )
    if result.rowcount != 1:  # type: ignore[attr-defined]
        # A replaced token came back: someone holds a copy. End the whole session family.
        await repository.revoke_family(session, stored.family_id)
        await session.commit()
        raise InvalidRefreshToken("Phiên đăng nhập đã bị thu hồi vì mã làm mới được dùng lại. Vui lòng đăng nhập lại.")
    user = await users_repository.get(session, stored.user_id)
    if user is None or not await _may_sign_in(session, user):
        raise InvalidRefreshToken()
    return await _issue_pair(session, kit, user, family_id=stored.family_id)


async def revoked_sessions(session: AsyncSession, kit: AuthKit) -> list[uuid.UUID]:
    """Sessions revoked recently enough that access tokens issued in them may still be unexpired."""
    window = timedelta(minutes=kit.settings.access_token_minutes) + REVOCATION_MARGIN
    return await repository.revoked_sessions_since(session, utcnow() - window)


async def logout(session: AsyncSession, *, refresh_token: str) -> None:
    stored = await repository.get_refresh(session, token_hash(refresh_token))
    if stored is not None:
        await repository.revoke_family(session, stored.family_id)
        user = await users_repository.get(session, stored.user_id)
        if user is not None:
            await _record_user_event(session, user, "auth.logout", _self(user))


def client_credentials(kit: AuthKit, *, client_id: str, client_secret: str, audience: str) -> ServiceToken:
    """A token for `client_id` to call the one service named by `audience` (its `aud` is "edudx:<service>")."""
    expected = kit.settings.service_clients.get(client_id)
    if expected is None or not hmac.compare_digest(expected.encode(), client_secret.encode()):
        AUTH_FAILURES.labels("bad_client").inc()
        raise InvalidClient()
    if audience not in kit.settings.service_audiences:
        raise InvalidTarget(f"Không có dịch vụ '{audience[:50]}' để cấp mã truy cập.")
    lifetime = timedelta(minutes=kit.settings.service_token_minutes)
    token = kit.issuer.issue(subject=f"service:{client_id}", kind="service", roles=["service"], lifetime=lifetime,
                             audience=service_audience(kit.settings.jwt_audience, audience))
    return ServiceToken(access_token=token, expires_in=int(lifetime.total_seconds()))


async def issue_password_token(session: AsyncSession, kit: AuthKit, user: User, *, purpose: str) -> Mail:
    """Create a one-time link to set a password and the e-mail that carries it."""
    await repository.expire_password_tokens(session, user.id)
    raw = random_token()
    lifetime = (timedelta(days=kit.settings.invite_token_days) if purpose == "invite"
                else timedelta(minutes=kit.settings.reset_token_minutes))
    session.add(PasswordToken(user_id=user.id, purpose=purpose, token_hash=token_hash(raw),
                              expires_at=utcnow() + lifetime))
    await session.flush()
    link = f"{kit.settings.public_url.rstrip('/')}/dat-mat-khau?token={raw}"
    if purpose == "invite":
        subject = "EduDX: mời kích hoạt tài khoản"
        intro = f"Tài khoản EduDX của {user.full_name} ({user.email}) đã được tạo."
        validity = f"{kit.settings.invite_token_days} ngày"
    else:
        subject = "EduDX: đặt lại mật khẩu"
        intro = f"Có yêu cầu đặt lại mật khẩu cho tài khoản {user.email}."
        validity = f"{kit.settings.reset_token_minutes} phút"
    values = {"full_name": user.full_name, "intro": intro, "link": link, "validity": validity}
    return Mail(to=user.email, subject=subject, text=_TEMPLATES.get_template("password_link.txt").render(values),
                html=_TEMPLATES.get_template("password_link.html").render(values))


async def request_password_reset(session: AsyncSession, kit: AuthKit, *, email: str) -> Mail | None:
    """The mail to send for a reset request, or None: no such account, inactive, or within the cooldown.

    Run outside the request (identity.auth.reset), whose answer never depends on this. The cooldown is one
    compare-and-set on the user's row, so concurrent requests (other replicas too) make one mail at most.
    """
    user = await users_repository.get_by_email(session, email)
    if user is None or not await _may_sign_in(session, user):
        return None
    now = utcnow()
    cutoff = now - timedelta(minutes=kit.settings.password_reset_cooldown_minutes)
    claimed = await session.execute(
        update(User).where(col(User.id) == user.id,
                           or_(col(User.reset_requested_at).is_(None), col(User.reset_requested_at) <= cutoff))
        .values(reset_requested_at=now)
    )
    if claimed.rowcount != 1:  # type: ignore[attr-defined]
        return None
    return await issue_password_token(session, kit, user, purpose="reset")


async def set_password_with_token(session: AsyncSession, kit: AuthKit, *, token: str, new_password: str) -> None:
    stored = await repository.get_password_token(session, token_hash(token))
    if stored is None or stored.used_at is not None or stored.expires_at <= utcnow():
        raise InvalidPasswordToken()
    user = await users_repository.get(session, stored.user_id)
    if user is None or not user.active:
        raise InvalidPasswordToken()
    earlier = await _earlier_hashes(session, kit, user)
    await _release_connection(session)
    new_hash = await _acceptable_hash(kit, user, new_password, earlier)
    stored.used_at = utcnow()
    await _set_password(session, kit, user, new_hash)
    await _record_user_event(session, user, f"auth.password_{'set' if stored.purpose == 'invite' else 'reset'}",
                             _self(user))


async def change_password(session: AsyncSession, kit: AuthKit, user: User, *, current: str, new: str) -> None:
    earlier = await _earlier_hashes(session, kit, user)
    await _release_connection(session)
    if not await kit.passwords.verify(current, user.password_hash):
        raise InvalidCredentials("Mật khẩu hiện tại không đúng.")
    new_hash = await _acceptable_hash(kit, user, new, earlier)
    await _set_password(session, kit, user, new_hash)
    await _record_user_event(session, user, "auth.password_changed", _self(user))


async def _release_connection(session: AsyncSession) -> None:
    """End the request's transaction, which has only read so far, before the password work: a request waiting for
    a hashing slot would otherwise hold a pooled connection, and a morning's queue of sign-ins would hold them all
    while every other request waited for one. What was read stays loaded (sessions do not expire on commit)."""
    assert not (session.new or session.dirty or session.deleted), "nothing may be written before the password work"
    await session.commit()


async def _earlier_hashes(session: AsyncSession, kit: AuthKit, user: User) -> list[str]:
    """The current and recent password hashes, which a new password must not match."""
    earlier = [user.password_hash] if user.password_hash else []
    return earlier + await repository.recent_password_hashes(session, user.id, limit=kit.settings.password_history)


async def _acceptable_hash(kit: AuthKit, user: User, password: str, earlier: list[str]) -> str:
    """The new password's hash once it meets the policy (length, common lists, e-mail) and matches none of
    `earlier`."""
    kit.passwords.check_strength(password, email=user.email)
    # One after another: a change holds one hashing slot at a time, and sign-ins take turns with it.
    for hashed in earlier:
        if await kit.passwords.verify(password, hashed):
            raise WeakPassword(f"Mật khẩu mới phải khác mật khẩu hiện tại và {kit.settings.password_history} "
                               "mật khẩu gần nhất của bạn.")
    return await kit.passwords.hash(password)


async def _set_password(session: AsyncSession, kit: AuthKit, user: User, password_hash: str) -> None:
    if user.password_hash is not None:
        await repository.remember_password(session, user.id, user.password_hash, keep=kit.settings.password_history)
    user.password_hash = password_hash
    user.password_changed_at = utcnow()
    # A new password ends every session that the old one opened, and every other link to set one.
    await repository.revoke_all_for_user(session, user.id)
    await repository.expire_password_tokens(session, user.id)
    await session.flush()


# --- what auth hands to the features below it ------------------------------------------------------------------
# Accounts (users) and the unit tree are read by signing in, so they sit below auth and never import it; when they
# change what a token says, they end its sessions through these, received from their caller.

class Sessions:
    """Ending sessions (`users_service.AccountSessions`): every service learns it within seconds through the
    revocations list."""

    async def end_for_user(self, session: AsyncSession, *, user_id: uuid.UUID) -> None:
        await repository.revoke_all_for_user(session, user_id)

    async def end_for_unit(self, session: AsyncSession, *, unit_id: uuid.UUID) -> None:
        await repository.revoke_all_for_users_of_unit(session, unit_id)


SESSIONS = Sessions()
# A merge or a deactivation in the tree: users move the unit's accounts, auth ends their sessions.
UNIT_ACCOUNTS = users_service.UnitAccounts(SESSIONS)


class Invitations:
    """The e-mail inviting a new account to set its first password, sent once the transaction commits."""

    def __init__(self, kit: AuthKit, send_after_commit: Callable[[AsyncSession, Mail], None]) -> None:
        self._kit = kit
        self._send = send_after_commit

    async def invite(self, session: AsyncSession, user: User) -> None:
        self._send(session, await issue_password_token(session, self._kit, user, purpose="invite"))
