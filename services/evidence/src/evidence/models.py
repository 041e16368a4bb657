"""Every table of the evidence service, imported in one place for Alembic and tests."""
from edudx_common.tables.audit import AuditRecord
from evidence.files.models import EvidenceItem, PendingUpload

__all__ = ["AuditRecord", "EvidenceItem", "PendingUpload"]
