"""Who may do what in the submissions service, from the caller's token and the tree paths we keep.

Paths ("/<root hex>/…/<unit hex>/") hold every ancestor, so "is the caller's unit above this one" is a
substring test: no call to identity on the request path.
"""

from __future__ import annotations

import uuid

from edudx_common.auth import PREPARE_ROLES, REVIEW_ROLES, Principal, Role, reviews_by_grant

AUTHORITY_ROLES = (Role.AUTHORITY_ADMIN, Role.REVIEWER, Role.VIEWER)


def unit_in_path(unit_id: uuid.UUID | None, path: str) -> bool:
    return unit_id is not None and f"/{unit_id.hex}/" in path


def path_pattern(unit_id: uuid.UUID) -> str:
    """A LIKE pattern for paths passing through `unit_id`."""
    return f"%/{unit_id.hex}/%"


def sees_everything(principal: Principal) -> bool:
    return principal.is_system_admin or principal.is_service


def manages_campaign(principal: Principal, issuer_path: str) -> bool:
    """Authority admins of the issuing unit or above it."""
    return principal.is_system_admin or (
        principal.has_any(Role.AUTHORITY_ADMIN) and unit_in_path(principal.unit_id, issuer_path))


def sees_submission(principal: Principal, unit_path: str) -> bool:
    """The unit itself and every unit above it."""
    return sees_everything(principal) or unit_in_path(principal.unit_id, unit_path)


def prepares_submission(principal: Principal, unit_id: uuid.UUID) -> bool:
    """The unit's own people: a school's principal and IT officer; an authority's admins for the authority's own
    report (a Sở answering the Bộ's index campaign, QĐ 3806 kind)."""
    return principal.unit_id == unit_id and principal.has_any(*PREPARE_ROLES, Role.AUTHORITY_ADMIN)


def acts_for_school(principal: Principal, unit_id: uuid.UUID, unit_path: str) -> bool:
    """An authority admin above the school, acting on its behalf (recorded as such)."""
    return principal.unit_id != unit_id and (
        principal.is_system_admin
        or (principal.has_any(Role.AUTHORITY_ADMIN) and unit_in_path(principal.unit_id, unit_path)))


def reviews_for_issuer(principal: Principal, issuer_path: str) -> bool:
    """Reviewers and admins of the issuing unit, or of an authority above it."""
    return principal.is_system_admin or (
        principal.has_any(*REVIEW_ROLES) and unit_in_path(principal.unit_id, issuer_path))


def path_ids(path: str) -> list[uuid.UUID]:
    return [uuid.UUID(part) for part in path.strip("/").split("/") if part]


def reviews_by_commune_grant(principal: Principal, issuer_path: str, commune_id: uuid.UUID | None) -> bool:
    """An official of the school's commune to whom a Sở on the issuer's path granted `review` (issue 20)."""
    return commune_id is not None and reviews_by_grant(principal, commune_id, path_ids(issuer_path))


def reviews_in_between(principal: Principal, issuer_path: str, unit_path: str) -> bool:
    """Reviewers of an authority between the issuer and the school (the Phòng of a Sở campaign)."""
    return (principal.has_any(*REVIEW_ROLES) and unit_in_path(principal.unit_id, unit_path)
            and not unit_in_path(principal.unit_id, issuer_path))
