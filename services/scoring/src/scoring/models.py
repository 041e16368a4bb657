"""Every table of the scoring service, for Alembic and the tests (`service_metadata(scoring.models)`)."""
from edudx_common.tables.audit import AuditRecord
from edudx_common.tables.inbox import InboxEvent
from edudx_common.tables.outbox import OutboxMessage
from scoring.results.models import CampaignResults, PublishedResult
from scoring.rubrics.models import Rubric
from scoring.sheets.models import CriterionScore, ScoreSheet, SheetVersion

__all__ = ["AuditRecord",
           "CampaignResults", "CriterionScore", "InboxEvent", "OutboxMessage", "PublishedResult", "Rubric",
           "ScoreSheet", "SheetVersion"]
