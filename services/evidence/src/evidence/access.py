"""Who may do what with a submission's evidence. Scope (the unit tree) is checked before any of these: school
users of the unit and authority admins above it prepare (`edudx_common.auth.prepares_for`), reviewers above it
review (`reviews_for`), and only while the submission is editable."""

from __future__ import annotations

EDITABLE_STATUSES = frozenset({"draft", "returned"})
