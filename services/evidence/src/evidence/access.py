"""Who may do what with a submission's evidence. Scope (the unit tree) is checked before any of these."""

from __future__ import annotations

import uuid

from edudx_common.auth import Principal, Role

PREPARE_ROLES = (Role.PRINCIPAL, Role.SCHOOL_IT_OFFICER)
REVIEW_ROLES = (Role.AUTHORITY_ADMIN, Role.REVIEWER)
EDITABLE_STATUSES = frozenset({"draft", "returned"})


def prepares_evidence(principal: Principal, unit_id: uuid.UUID) -> bool:
    """School users of the unit, or an authority admin above it (the caller is already known in scope)."""
    if principal.is_system_admin:
        return True
    if principal.unit_id == unit_id:
        return principal.has_any(*PREPARE_ROLES)
    return principal.has_any(Role.AUTHORITY_ADMIN)


def reviews_evidence(principal: Principal, unit_id: uuid.UUID) -> bool:
    """Reviewers and admins of an authority above the unit (never the school itself)."""
    return principal.is_system_admin or (principal.unit_id != unit_id and principal.has_any(*REVIEW_ROLES))
