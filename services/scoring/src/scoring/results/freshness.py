"""Publishing reads the submission states afresh: scoring's event-fed copy alone never decides a publication.

Each sheet keeps its submission's state from submissions' events, which arrive a moment after the change (or
later, when scoring was down). Publishing the results the instant the last approval was answered would then
publish what the copy knew, silently leaving out the schools approved a second before. So before publishing,
the campaign's states are read from submissions (the owner) and applied to the sheets as facts with their own
times (a later event still wins, an older one never undoes them). What cannot be settled from that reading —
an approved submission with no sheet here yet, or a copy holding a later, different fact — is refused with 409
`copy_not_current` and `Retry-After`: the events that settle it are on their way.
"""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients.submissions import SubmissionsClient
from scoring.errors import CopyNotCurrent
from scoring.events import apply_state
from scoring.sheets import repository as sheets_repository

RETRY_AFTER_SECONDS = 1
# The submissions workflow's states, as the sheets record them (between submission and decision: submitted).
_SHEET_STATE = {"returned": "returned", "approved": "approved", "resubmitted": "resubmitted"}


def sheet_state(workflow_status: str) -> str:
    return _SHEET_STATE.get(workflow_status, "submitted")


async def bring_states_up_to_date(session: AsyncSession, campaign_id: uuid.UUID, *,
                                  submissions: SubmissionsClient) -> int:
    """Make the campaign's sheets agree with submissions on which submissions are approved. Returns how many
    sheets were corrected; raises CopyNotCurrent when some cannot be yet."""
    as_of, lines = await submissions.submission_states(campaign_id)
    sheets = {s.submission_id: s for s in await sheets_repository.sheets_of_campaign(session, campaign_id)}
    corrected = 0
    behind: list[uuid.UUID] = []
    for line in lines:
        if line.submission_id is None or line.workflow_status is None or line.workflow_status == "draft":
            continue
        truth = sheet_state(line.workflow_status)
        sheet = sheets.get(line.submission_id)
        if sheet is None:
            if truth == "approved":
                behind.append(line.unit_id)
            continue
        # Submitted at least once, whatever order the events came in (results list only submitted sheets).
        sheet.submit_count = max(sheet.submit_count, 1)
        if (sheet.submission_status == "approved") == (truth == "approved"):
            continue
        if apply_state(sheet, truth, line.updated_at or as_of, version=None, unit_path=None):
            corrected += 1
        else:
            behind.append(line.unit_id)
    if behind:
        raise CopyNotCurrent(
            f"Dịch vụ chấm điểm chưa nhận kịp trạng thái mới nhất của {len(behind)} báo cáo; chưa công bố để không "
            f"bỏ sót đơn vị nào. Vui lòng thử lại sau {RETRY_AFTER_SECONDS} giây.",
            extra={"unit_ids": [str(u) for u in behind]}, headers={"Retry-After": str(RETRY_AFTER_SECONDS)})
    await session.flush()
    return corrected
