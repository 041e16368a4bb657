"""The year-end IT report outline of seed 004 (Phòng GDĐT Thủ Dầu Một, CV 719/PGDĐT-TCCB, 02/6/2022).

Sections and titles are the letter's own. Each section asks for the narrative the letter asks for; the
typed fields beside it collect the figures the accompanying rubric checks (e.g. 3.3: at least 40 portal
posts a school year; 4.3: fibre Internet), so reviewers can compare schools without reading every report.
"""

from __future__ import annotations

from typing import Any

SEED_004_NAME = "Báo cáo tổng kết ứng dụng CNTT và thống kê giáo dục (mẫu CV 719/PGDĐT-TCCB)"


def _narrative(field_id: str, label: str = "Kết quả thực hiện") -> dict[str, Any]:
    return {"id": field_id, "label": label, "kind": "rich_text", "required": True,
            "help": "Nêu kết quả, số liệu cụ thể, tồn tại và nguyên nhân."}


SEED_004_DEFINITION: dict[str, Any] = {
    "sections": [
        {
            "number": "1",
            "title": "Ứng dụng CNTT trong đổi mới phương pháp dạy - học và kiểm tra, đánh giá",
            "fields": [
                _narrative("s1_result"),
                {"id": "s1_staff_it_share", "label": "Tỉ lệ CBQL, giáo viên biết sử dụng CNTT trong công tác",
                 "kind": "number", "unit": "%", "min": 0, "max": 100, "required": True},
                {"id": "s1_online_testing", "label": "Có tổ chức kiểm tra, đánh giá trực tuyến / trắc nghiệm trên máy",
                 "kind": "boolean", "required": True},
                {"id": "s1_lms_url", "label": "Địa chỉ hệ thống dạy học trực tuyến (LMS) của trường", "kind": "url"},
            ],
        },
        {
            "number": "2",
            "title": "Ứng dụng CNTT trong công tác quản lý, điều hành",
            "fields": [
                _narrative("s2_result"),
                {"id": "s2_software", "label": "Phần mềm quản lý đang sử dụng", "kind": "choice", "multiple": True,
                 "options": ["Phần mềm quản lý trường học", "Sổ điểm điện tử", "Học bạ điện tử",
                             "Phần mềm kế toán", "Ứng dụng liên lạc nhà trường - phụ huynh", "Khác"]},
                {"id": "s2_database_complete", "label": "Hoàn thành cập nhật CSDL ngành đúng hạn",
                 "kind": "boolean", "required": True},
            ],
        },
        {
            "number": "3",
            "title": "Ứng dụng CNTT trong công tác thông tin",
            "fields": [
                _narrative("s3_result"),
                {"id": "s3_portal_url", "label": "Địa chỉ cổng thông tin điện tử của trường", "kind": "url",
                 "required": True},
                {"id": "s3_posts", "label": "Số tin bài đăng trong năm học", "kind": "integer", "min": 0,
                 "unit": "tin bài", "required": True, "help": "Tối thiểu 40 tin bài/năm học (VB 1629/PGDĐT-CNTT)."},
                {"id": "s3_cashless", "label": "Thu phí không dùng tiền mặt", "kind": "choice",
                 "options": ["Toàn bộ các khoản", "Một phần các khoản", "Chưa triển khai"]},
            ],
        },
        {
            "number": "4",
            "title": "Công tác tổ chức thực hiện nhiệm vụ CNTT",
            "fields": [
                {"id": "s4_infrastructure", "label": "Hạ tầng CNTT", "kind": "table", "min_rows": 1,
                 "max_rows": 50, "columns": [
                     {"id": "item", "label": "Hạng mục", "kind": "text", "required": True},
                     {"id": "quantity", "label": "Số lượng", "kind": "integer", "min": 0, "required": True},
                     {"id": "note", "label": "Ghi chú", "kind": "text"},
                 ]},
                {"id": "s4_fibre", "label": "Internet cáp quang (FTTH)", "kind": "boolean", "required": True},
            ],
            "sections": [
                {"number": "4a",
                 "title": "Kết quả thực hiện các kế hoạch về xây dựng và phát triển thành phố theo hướng đô thị "
                          "thông minh, giai đoạn 2020-2025 và các năm tiếp theo, lĩnh vực giáo dục và đào tạo",
                 "guidance": "KH 962/KH-PGDĐT ngày 27/8/2021 của Phòng GDĐT",
                 "fields": [_narrative("s4a_result")]},
                {"number": "4b",
                 "title": "Kết quả thực hiện các kế hoạch triển khai chương trình chuyển đổi số của Ngành Giáo dục "
                          "và Đào tạo giai đoạn 2021-2025, định hướng đến năm 2030",
                 "guidance": "KH 456/KH-PGDĐT ngày 01/4/2022 của Phòng GDĐT",
                 "fields": [_narrative("s4b_result")]},
                {"number": "4c", "title": "Các phương hướng triển khai các Kế hoạch trong năm học tới",
                 "fields": [_narrative("s4c_result", "Phương hướng")]},
            ],
        },
    ]
}
