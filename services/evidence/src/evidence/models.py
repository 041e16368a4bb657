"""Every table of the evidence service, imported in one place for Alembic and tests."""

from evidence.files.models import EvidenceItem, PendingUpload

__all__ = ["EvidenceItem", "PendingUpload"]
