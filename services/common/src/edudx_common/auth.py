"""Who is calling: the principal taken from a verified access token, and role requirements."""

from __future__ import annotations

import time
import uuid
from collections.abc import Collection
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Annotated, Any

from fastapi import Depends, Request

from edudx_common.errors import Forbidden, Unauthorized
from edudx_common.jwt import InvalidToken, TokenVerifier


class Role(StrEnum):
    SYSTEM_ADMIN = "system_admin"
    AUTHORITY_ADMIN = "authority_admin"
    REVIEWER = "reviewer"
    PRINCIPAL = "principal"
    SCHOOL_IT_OFFICER = "school_it_officer"
    VIEWER = "viewer"


ROLE_LABELS_VI: dict[Role, str] = {
    Role.SYSTEM_ADMIN: "Quản trị hệ thống",
    Role.AUTHORITY_ADMIN: "Quản trị đơn vị quản lý",
    Role.REVIEWER: "Chuyên viên thẩm định",
    Role.PRINCIPAL: "Hiệu trưởng",
    Role.SCHOOL_IT_OFFICER: "Cán bộ phụ trách CNTT",
    Role.VIEWER: "Người xem",
}


class GrantRight(StrEnum):
    """What a Sở may grant a commune official beyond reading its schools (issue 20: "the Sở can grant more")."""

    REMINDERS = "reminders"  # receives the reminders and escalations for the commune's schools
    REVIEW = "review"  # reviews (start, return, approve) and review-scores the commune's schools


GRANT_RIGHT_LABELS_VI: dict[GrantRight, str] = {
    GrantRight.REMINDERS: "Nhận nhắc việc, cảnh báo quá hạn",
    GrantRight.REVIEW: "Thẩm định, trả lại, phê duyệt và chấm điểm thẩm định",
}


@dataclass(frozen=True)
class CommuneGrant:
    """A right a Sở (`issuer_id`) gave the caller on the schools of its commune, as the token carries it."""

    commune_id: uuid.UUID
    issuer_id: uuid.UUID
    rights: frozenset[str]
    until: int | None = None  # epoch seconds the grant ends (exclusive), None: no end

    def valid(self, now: float | None = None) -> bool:
        return self.until is None or (time.time() if now is None else now) < self.until


# An integration client (a province dashboard, the sector database) acting for one unit's subtree: a read-only
# viewer there unless its admin granted the `write` scope. Never trusted like a service.
CLIENT_KIND = "client"
WRITE_SCOPE = "write"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True)
class Principal:
    """A user, another service or an integration client, as its verified token describes it."""

    subject: str
    kind: str  # "user" | "service" | "client"
    user_id: uuid.UUID | None = None
    unit_id: uuid.UUID | None = None
    roles: frozenset[str] = field(default_factory=frozenset)
    name: str | None = None
    claims: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def is_service(self) -> bool:
        return self.kind == "service"

    @property
    def is_client(self) -> bool:
        return self.kind == CLIENT_KIND

    @property
    def may_write(self) -> bool:
        """Users and services by their roles; an integration client only with the `write` scope."""
        return not self.is_client or WRITE_SCOPE in str(self.claims.get("scope", "")).split()

    @property
    def is_system_admin(self) -> bool:
        return Role.SYSTEM_ADMIN in self.roles

    def has_any(self, *roles: Role) -> bool:
        return any(r in self.roles for r in roles)

    @property
    def commune_grants(self) -> tuple[CommuneGrant, ...]:
        """The grants of a commune official (claim `commune_grants`), those still valid now; a malformed entry is
        ignored (it grants nothing)."""
        if self.kind != "user":
            return ()
        found = []
        for entry in self.claims.get("commune_grants") or []:
            try:
                until = entry.get("until")
                grant = CommuneGrant(commune_id=uuid.UUID(str(entry["commune"])),
                                     issuer_id=uuid.UUID(str(entry["issuer"])),
                                     rights=frozenset(str(r) for r in entry.get("rights") or []),
                                     until=int(until) if until is not None else None)
            except (AttributeError, KeyError, TypeError, ValueError):
                continue
            if grant.valid():
                found.append(grant)
        return tuple(found)

    def granted(self, right: GrantRight, commune_id: uuid.UUID | None,
                issuer_line: Collection[uuid.UUID]) -> bool:
        """The caller is an official of `commune_id` holding `right` from a Sở on `issuer_line` (the campaign's
        issuer and every unit above it): a Sở grants what it holds, on its own campaigns and those of units below
        it, never on another Sở's."""
        if commune_id is None or self.unit_id != commune_id:
            return False
        return any(g.commune_id == commune_id and right in g.rights and g.issuer_id in issuer_line
                   for g in self.commune_grants)

    @classmethod
    def from_claims(cls, claims: dict[str, Any]) -> Principal:
        kind = claims.get("kind")
        roles = claims.get("roles") or []
        if kind not in ("user", "service", CLIENT_KIND) or not isinstance(roles, list):
            raise InvalidToken("unexpected claims")
        if kind == CLIENT_KIND and (not claims.get("unit_id") or Role.SYSTEM_ADMIN in roles):
            raise InvalidToken("integration client token without a unit")
        user_id = _uuid_or_none(claims.get("sub")) if kind == "user" else None
        if kind == "user" and user_id is None:
            raise InvalidToken("user token without a user id")
        return cls(
            subject=str(claims["sub"]),
            kind=kind,
            user_id=user_id,
            unit_id=_uuid_or_none(claims.get("unit_id")),
            roles=frozenset(str(r) for r in roles),
            name=str(claims["name"]) if claims.get("name") else None,
            claims=claims,
        )


def _uuid_or_none(value: Any) -> uuid.UUID | None:
    try:
        return uuid.UUID(str(value)) if value else None
    except ValueError:
        return None


def bearer_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if not header:
        return None
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise Unauthorized("Tiêu đề Authorization phải có dạng 'Bearer <token>'.",
                           headers={"WWW-Authenticate": "Bearer"})
    return token.strip()


async def get_optional_principal(request: Request) -> Principal | None:
    token = bearer_token(request)
    if token is None:
        return None
    verifier: TokenVerifier = request.app.state.token_verifier
    revocations = getattr(request.app.state, "revocations", None)
    try:
        claims = await verifier.verify(token)
        if revocations is not None and revocations.is_revoked(claims):
            raise InvalidToken("session revoked")
        principal = Principal.from_claims(claims)
    except InvalidToken as exc:
        raise Unauthorized(
            "Mã truy cập không hợp lệ hoặc đã hết hạn. Vui lòng đăng nhập lại.",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        ) from exc
    # One gate for every service: a read-only integration client never changes anything, whatever its roles say.
    if principal.is_client and not principal.may_write and request.method not in SAFE_METHODS:
        raise Forbidden("Ứng dụng tích hợp chỉ có quyền đọc (phạm vi `read`).")
    return principal


async def get_principal(request: Request) -> Principal:
    # Calls get_optional_principal itself rather than depending on it: each level of dependencies costs FastAPI a
    # solve of its own on every request, and nearly every route needs the principal.
    principal = await get_optional_principal(request)
    if principal is None:
        raise Unauthorized("Vui lòng đăng nhập.", headers={"WWW-Authenticate": "Bearer"})
    return principal


OptionalPrincipal = Annotated[Principal | None, Depends(get_optional_principal)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]


# Who acts on a school's report once the unit tree has put the caller in scope (the caller is already known to
# be the school itself or an authority above it): submissions, evidence and scoring apply the same two rules.
PREPARE_ROLES = (Role.PRINCIPAL, Role.SCHOOL_IT_OFFICER)
REVIEW_ROLES = (Role.AUTHORITY_ADMIN, Role.REVIEWER)


def prepares_for(principal: Principal, unit_id: uuid.UUID) -> bool:
    """The school's principal and IT officer, or an authority admin above it acting for the school; an authority's
    admins for the authority's own report (a Sở answering the Bộ's index campaign, QĐ 3806 kind)."""
    if principal.is_system_admin:
        return True
    if principal.unit_id == unit_id:
        return principal.has_any(*PREPARE_ROLES, Role.AUTHORITY_ADMIN)
    return principal.has_any(Role.AUTHORITY_ADMIN)


def reviews_for(principal: Principal, unit_id: uuid.UUID) -> bool:
    """Reviewers and admins of an authority above the unit (never the school itself)."""
    return principal.is_system_admin or (principal.unit_id != unit_id and principal.has_any(*REVIEW_ROLES))


def reviews_by_grant(principal: Principal, commune_id: uuid.UUID | None, issuer_line: Collection[uuid.UUID]) -> bool:
    """A commune official the Sở granted `review`: reviews the commune's schools in the Sở's campaigns. Submissions
    and scoring apply this same rule (`issuer_line`: the campaign's issuer and the units above it)."""
    return principal.granted(GrantRight.REVIEW, commune_id, issuer_line)


def require_roles(*roles: Role, allow_service: bool = False) -> Any:
    """A dependency that lets through a system admin, one of `roles`, or (optionally) a service."""

    async def dependency(principal: CurrentPrincipal) -> Principal:
        if principal.is_system_admin or principal.has_any(*roles):
            return principal
        if allow_service and principal.is_service:
            return principal
        raise Forbidden()

    return Depends(dependency)


async def get_user_principal(principal: CurrentPrincipal) -> Principal:
    if principal.is_service:
        raise Forbidden("Thao tác này chỉ dành cho người dùng.")
    return principal


CurrentUser = Annotated[Principal, Depends(get_user_principal)]


async def get_person_principal(principal: CurrentPrincipal) -> Principal:
    """A person signed in: not a service, not an integration client (their own feed, preferences, account)."""
    if principal.kind != "user":
        raise Forbidden("Thao tác này chỉ dành cho người dùng đăng nhập.")
    return principal


CurrentPerson = Annotated[Principal, Depends(get_person_principal)]
