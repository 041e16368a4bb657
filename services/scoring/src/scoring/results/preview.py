"""Before publishing: what would be published, and which units the authority should know about first.

Publishing only ever publishes approved reports, so a campaign published while most schools are still being
reviewed silently leaves them out. The preview counts and names the units that are not fully reviewed (scoring's
own sheets: a report not approved with criteria still without a review score; an approved one — approval took
every criterion reviewed or the self-scores accepted — only with criteria that have no mark at all), not approved
or late (the submission states, read afresh from submissions, the owner), so the confirmation says it before
anything is published.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from scoring.clients.submissions import CampaignInfo, SubmissionsClient
from scoring.results.schemas import PublishPreviewRead, UnitWarning
from scoring.sheets import repository as sheets_repository

NAMES_LIMIT = 100
# Why a unit is not approved yet, by its workflow step (None: the school never opened its report).
_NOT_APPROVED = {None: "Chưa mở báo cáo", "draft": "Đang soạn, chưa nộp", "submitted": "Đã nộp, chờ thẩm định",
                 "under_review": "Đang thẩm định", "returned": "Bị trả lại, chờ nộp lại",
                 "resubmitted": "Đã nộp lại, chờ thẩm định", "forwarded": "Đã chuyển lên cấp trên"}


async def publish_preview(session: AsyncSession, campaign: CampaignInfo, *,
                          submissions: SubmissionsClient) -> PublishPreviewRead:
    _, lines = await submissions.submission_states(campaign.id)
    sheets = {s.unit_id: s for s in await sheets_repository.sheets_of_campaign(session, campaign.id)}
    unscored: list[UnitWarning] = []
    unapproved: list[UnitWarning] = []
    late: list[UnitWarning] = []
    approved = 0
    for line in sorted(lines, key=lambda line: line.unit_name):
        sheet = sheets.get(line.unit_id)
        name = line.unit_name or (sheet.unit_name if sheet else str(line.unit_id))
        if line.workflow_status == "approved":
            approved += 1
        else:
            reason = _NOT_APPROVED.get(line.workflow_status, line.status_label or "Chưa được phê duyệt")
            if line.status == "overdue":
                reason = f"{reason} (quá hạn)"
            unapproved.append(UnitWarning(unit_id=line.unit_id, unit_name=name, reason=reason))
        if line.status == "overdue" or (line.late_seconds or 0) > 0:  # an approved report may have come late
            late.append(UnitWarning(unit_id=line.unit_id, unit_name=name,
                                    reason=line.late_text or line.overdue_text or line.status_label or "Muộn hạn"))
        submitted = line.workflow_status not in (None, "draft")
        summary = sheet.summary if sheet is not None else None
        reviewed = summary["reviewed_count"] if summary else 0
        criteria = summary["criteria_count"] if summary else None
        if line.workflow_status == "approved":
            # approval needed every criterion review-scored or the self-scores explicitly accepted: unscored is a
            # criterion with no mark at all (a self-score left blank and accepted)
            marked = summary["scored_count"] if summary else 0
            if criteria is None or marked < criteria:
                unscored.append(UnitWarning(unit_id=line.unit_id, unit_name=name,
                                            reason=f"Đã phê duyệt, {marked}/{criteria or 0} tiêu chí có điểm"))
        elif submitted and (criteria is None or reviewed < criteria):
            reason = f"Đã thẩm định {reviewed}/{criteria} tiêu chí" if criteria else "Chưa thẩm định tiêu chí nào"
            unscored.append(UnitWarning(unit_id=line.unit_id, unit_name=name, reason=reason))
    return PublishPreviewRead(
        campaign_id=campaign.id, target_count=len(lines), publish_count=approved,
        unscored_count=len(unscored), unapproved_count=len(unapproved), late_count=len(late),
        unscored=unscored[:NAMES_LIMIT], unapproved=unapproved[:NAMES_LIMIT], late=late[:NAMES_LIMIT],
        names_limit=NAMES_LIMIT, warning=_warning(len(lines), approved, len(unscored), len(unapproved), len(late)))


def _warning(targets: int, approved: int, unscored: int, unapproved: int, late: int) -> str | None:
    parts = [text for count, text in ((unscored, f"{unscored} đơn vị chưa được thẩm định đủ tiêu chí"),
                                      (unapproved, f"{unapproved} đơn vị chưa được phê duyệt"),
                                      (late, f"{late} đơn vị nộp muộn hoặc quá hạn")) if count]
    if not parts:
        return None
    return (f"Sẽ công bố kết quả của {approved}/{targets} đơn vị. Lưu ý: {'; '.join(parts)}. Đơn vị chưa được phê "
            "duyệt sẽ không có kết quả công bố.")
