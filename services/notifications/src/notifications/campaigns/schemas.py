from __future__ import annotations

import uuid
from datetime import time

from pydantic import BaseModel, Field, field_validator

from edudx_common.timezone import LocalDateTime
from edudx_common.types import RequestModel
from notifications.campaigns.schedule import DEFAULT_POLICY, MAX_DAYS_BEFORE, SlotKind


class ReminderPolicyBody(RequestModel):
    days_before: list[int] = Field(default=list(DEFAULT_POLICY.days_before), max_length=10,
                                   description=f"Nhắc trước hạn bao nhiêu ngày (1–{MAX_DAYS_BEFORE}), ví dụ [7, 3, 1]")
    on_due_day: bool = Field(default=True, description="Nhắc vào buổi sáng ngày hết hạn")
    overdue_every_days: int = Field(default=2, ge=0, le=30,
                                    description="Sau hạn, nhắc đơn vị chưa nộp mỗi bao nhiêu ngày (0: không nhắc)")
    overdue_for_days: int = Field(default=14, ge=0, le=90, description="Nhắc sau hạn trong tối đa bao nhiêu ngày")
    # A wall-clock time in Vietnam ("08:00:00"), not RFC 3339's `time` (which carries an offset): documented
    # as `partial-time`, so clients and schema validators do not expect "08:00:00Z".
    send_time: time = Field(default=DEFAULT_POLICY.send_time, json_schema_extra={"format": "partial-time"},
                            description="Giờ gửi nhắc (giờ Việt Nam), ngoài khung giờ yên tĩnh")
    escalate: bool = Field(default=True, description="Gửi danh sách đơn vị quá hạn cho đơn vị quản lý trực tiếp")

    @field_validator("days_before")
    @classmethod
    def _days(cls, value: list[int]) -> list[int]:
        if any(not 1 <= d <= MAX_DAYS_BEFORE for d in value):
            raise ValueError(f"mỗi số ngày phải từ 1 đến {MAX_DAYS_BEFORE}")
        return sorted(set(value), reverse=True)


class ScheduledReminder(BaseModel):
    at: LocalDateTime
    kind: SlotKind
    label: str = Field(description="Ví dụ 'Trước hạn 3 ngày', 'Ngày hết hạn', 'Quá hạn 1 ngày'")


class ReminderPolicyRead(ReminderPolicyBody):
    campaign_id: uuid.UUID
    is_default: bool = Field(description="Đợt báo cáo dùng lịch nhắc mặc định")
    due_at: LocalDateTime | None = Field(description="Hạn chung của đợt báo cáo (nếu dịch vụ đã biết)")
    schedule: list[ScheduledReminder] = Field(description="Các lần nhắc theo hạn chung (đơn vị được gia hạn hoặc bị "
                                                          "trả lại có lịch riêng theo hạn của mình)")
    escalations: list[LocalDateTime] = Field(description="Các lần gửi danh sách quá hạn cho đơn vị quản lý")


class SyncRead(BaseModel):
    campaign_id: uuid.UUID
    found: bool = Field(description="Dịch vụ submissions còn đợt báo cáo này")
    targets: int
    changed: int = Field(description="Số đơn vị có trạng thái khác với những gì dịch vụ đã biết")
    withdrawn: int
