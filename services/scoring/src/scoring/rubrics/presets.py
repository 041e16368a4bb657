"""Campaign presets offered where a campaign is created: the QĐ 4725 cycle with its rubric template and dates.

The dates are those of the reference (qd-4725.md): schools self-assess and report by 31/5, the authority checks
and carries out its external assessment by 20/6 (a vendor's date, unverified), then publishes each school's level.
A preset only fills the wizard; the authority edits anything before issuing.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.timezone import VIETNAM
from edudx_common.vocabulary import CampaignKind
from scoring.errors import RubricNotFound
from scoring.rubrics import repository
from scoring.rubrics.schemas import CampaignPreset

QD_4725 = "qd-4725"


def _at_five_pm(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, 17, 0, tzinfo=VIETNAM)


async def campaign_presets(session: AsyncSession, *, school_year_end: int) -> list[CampaignPreset]:
    """The presets for the school year ending in `school_year_end` (e.g. 2026 for 2025-2026)."""
    rubric = await repository.get_by_template_key(session, "qd-4725-reference")
    if rubric is None:
        raise RubricNotFound("Chưa có mẫu bộ chỉ số QĐ 4725 trên hệ thống.")
    year = school_year_end
    return [CampaignPreset(
        key=QD_4725,
        name="Đánh giá mức độ chuyển đổi số theo QĐ 4725 (mẫu tham khảo)",
        title=f"Tự đánh giá mức độ chuyển đổi số năm học {year - 1}-{year}",
        kind=CampaignKind.DX_SELF_ASSESSMENT,
        legal_reference="Quyết định 4725/QĐ-BGDĐT ngày 30/12/2022 của Bộ Giáo dục và Đào tạo",
        rubric_id=rubric.id,
        reference_note="Mẫu tham khảo — đối chiếu với văn bản gốc trước khi ban hành.",
        self_assessment_due_at=_at_five_pm(year, 5, 31),
        external_assessment_due_at=_at_five_pm(year, 6, 20),
        steps=[f"Trường tự đánh giá, hiệu trưởng phê duyệt và nộp trước 31/05/{year}.",
               f"Cơ quan quản lý kiểm tra, đánh giá ngoài (chỉ ghi điểm khác với tự đánh giá, kèm lý do) trước "
               f"20/06/{year}.",
               "Công bố kết quả: mức của từng trường là mức do cơ quan quản lý đánh giá."])]
