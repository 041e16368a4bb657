"""Events this service publishes, written to the outbox in the same transaction as the change they report.

Types: campaign.published (with `target_unit_ids`), campaign.deadline_changed, campaign.target_added,
campaign.target_withdrawn, campaign.extension_changed (per unit: `unit_id`, `extension_due_at` or null,
`unit_due_at`), campaign.closed, campaign.reopened, campaign.archived, submission.submitted,
submission.returned, submission.approved. Every campaign event carries `campaign_id`, `title`, `issuer_unit_id`,
`due_at` and `kind`. A dispatcher started in the lifespan delivers them to every configured receiver.
"""

from __future__ import annotations

from edudx_common.outbox import EventSink

__all__ = ["EventSink"]
