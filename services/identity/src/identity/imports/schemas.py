"""What an import answers: counts and the rows that could not be imported."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, Field

MODE_HELP = ("all_or_nothing: có dòng không hợp lệ thì không ghi gì (422); "
             "valid_only: ghi các dòng hợp lệ, báo và bỏ qua các dòng lỗi")
DRY_RUN_HELP = "Chỉ kiểm tra và đếm, không ghi gì"


class ImportMode(StrEnum):
    ALL_OR_NOTHING = "all_or_nothing"  # any invalid row: nothing is written (422 import_rejected)
    VALID_ONLY = "valid_only"  # valid rows are written, invalid ones reported and skipped


class RowError(BaseModel):
    row: int = Field(description="Số dòng như Excel hiển thị (dòng tiêu đề là dòng 1)")
    column: str = Field(description="Tên cột như trong tệp, hoặc tên chuẩn khi tệp không có cột đó")
    message: str


class ImportReport(BaseModel):
    dry_run: bool = Field(description="Chỉ kiểm tra: không ghi gì")
    mode: ImportMode
    total_rows: int = Field(description="Số dòng dữ liệu (không tính dòng trống)")
    created: int
    updated: int
    unchanged: int = Field(description="Dòng trùng khớp dữ liệu đang có: không ghi gì")
    skipped: int = Field(description="Dòng không hợp lệ, bỏ qua (chế độ valid_only)")
    errors: list[RowError]
