"""Every table of the submissions service, imported in one place for Alembic and tests."""
from edudx_common.tables.audit import AuditRecord
from edudx_common.tables.inbox import InboxEvent
from edudx_common.tables.outbox import OutboxMessage
from submissions.campaigns.models import Campaign, CampaignTarget
from submissions.outlines.models import Outline
from submissions.review.models import BulkAction, ReviewDecline
from submissions.school_years.models import SchoolYear
from submissions.signatures.models import OfficialDocument, SignedReport
from submissions.status.models import TargetReview
from submissions.workflow.models import Submission, SubmissionEvent, SubmissionVersion

__all__ = [
           "AuditRecord",
           "BulkAction",
           "Campaign",
           "CampaignTarget",
           "InboxEvent",
           "OfficialDocument",
           "OutboxMessage",
           "Outline",
           "ReviewDecline",
           "SchoolYear",
           "SignedReport",
           "Submission",
           "SubmissionEvent",
           "SubmissionVersion",
           "TargetReview",
]
