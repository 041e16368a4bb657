"""Values several services send on the wire, as enums: one class each, so every service's OpenAPI document shows
the same `enum` under the same name (the gateway merges them into one schema) and a client gets one type.

The owning service keeps using them under their usual names (identity's `UnitType`, submissions'
`CampaignKind` and `SubmissionStatus` are these classes).
"""

from __future__ import annotations

from enum import StrEnum


class UnitType(StrEnum):
    """Loại đơn vị."""

    MINISTRY = "ministry"  # Bộ GDĐT
    DEPARTMENT = "department"  # Sở GDĐT
    DISTRICT_OFFICE = "district_office"  # Phòng GDĐT: abolished on 1/7/2025, kept for the years before
    COMMUNE = "commune"  # UBND xã/phường: administrative owner of its schools since 1/7/2025
    SCHOOL = "school"  # Trường
    CENTER = "center"  # Trung tâm (GDNN-GDTX …): reports like a school

    @property
    def is_authority(self) -> bool:
        # A commune follows its schools read-only through `Unit.commune_id`; it never issues or reviews.
        return self in (UnitType.MINISTRY, UnitType.DEPARTMENT, UnitType.DISTRICT_OFFICE)


class CampaignKind(StrEnum):
    """Loại đợt báo cáo."""

    ANNUAL_PLAN = "annual_plan"  # kế hoạch năm
    SEMESTER_REVIEW = "semester_review"  # sơ kết học kỳ
    YEAR_END_REPORT = "year_end_report"  # tổng kết + tự chấm điểm
    DX_SELF_ASSESSMENT = "dx_self_assessment"  # tự đánh giá mức độ CĐS (QĐ 4725)
    AD_HOC_LIST = "ad_hoc_list"  # danh sách, số liệu đột xuất


class SubmissionStatus(StrEnum):
    """Trạng thái báo cáo của đơn vị."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    UNDER_REVIEW = "under_review"
    RETURNED = "returned"
    RESUBMITTED = "resubmitted"
    FORWARDED = "forwarded"  # accepted by the managing Phòng for the issuer (two-level review)
    APPROVED = "approved"


class ActorKind(StrEnum):
    """Ai đã thao tác: người dùng, ứng dụng tích hợp, dịch vụ, hoặc người chưa đăng nhập."""

    USER = "user"
    CLIENT = "client"
    SERVICE = "service"
    ANONYMOUS = "anonymous"
