"""A year-end IT report of a school, filled in along the seed-004 outline (CV 719/PGDĐT-TCCB, Thủ Dầu Một)."""

from __future__ import annotations

import datetime
from dataclasses import replace

from submissions.exports import FieldValue, PrintableReport, Section, TableValue

TEACHING = "\n".join([
    "Năm học 2021-2022, nhà trường tiếp tục đẩy mạnh ứng dụng CNTT trong đổi mới phương pháp dạy học và kiểm tra, "
    "đánh giá:",
    "- 100% cán bộ quản lý, giáo viên sử dụng thành thạo máy tính, phần mềm trình chiếu và các ứng dụng văn phòng;",
    "- Tổ chức dạy học trực tuyến trên hệ thống K12Online trong thời gian học sinh không thể đến trường do dịch "
    "COVID-19;",
    "  + Khối 6: 12 lớp, 100% học sinh tham gia;",
    "  + Khối 7, 8, 9: 36 lớp, tỉ lệ chuyên cần bình quân 96,5%;",
    "- Kiểm tra giữa kỳ, cuối kỳ các môn Tin học, Tiếng Anh bằng hình thức trắc nghiệm khách quan trên máy tính.",
    "",
    "Tồn tại: một số phòng học chưa có màn hình tương tác; đường truyền Internet khu B còn chậm vào giờ cao điểm.",
    "Nguyên nhân: kinh phí mua sắm thiết bị còn hạn chế & hạ tầng mạng đã xuống cấp.",
])

MANAGEMENT = "\n".join([
    "- Triển khai phần mềm quản lý trường học SMAS cho toàn bộ 48 lớp; sổ điểm điện tử, học bạ điện tử được sử "
    "dụng đúng quy định.",
    "- Cập nhật đầy đủ, chính xác cơ sở dữ liệu ngành đúng thời hạn (đợt đầu năm, giữa năm và cuối năm).",
    "- Hồ sơ học vụ điện tử được sao in, niêm phong, lưu trữ phục vụ công tác kiểm tra, thanh tra.",
])

INFORMATION = (
    "Cổng thông tin điện tử của trường được tích hợp trong hệ thống của Phòng, cập nhật thường xuyên với "
    "62 tin bài trong năm học; có chuyên mục công khai theo Thông tư 36/2017/TT-BGDĐT. "
    "Ghi chú kỹ thuật: thẻ <script>alert('x')</script> & ký tự \"đặc biệt\" phải hiện nguyên văn."
)

SMART_CITY = """Xây dựng kế hoạch số 45/KH-THCSHB ngày 15/9/2021 triển khai KH 962/KH-PGDĐT;
- Lắp đặt hệ thống camera giám sát 24 mắt tại các khu vực công cộng;
- Số hóa 100% hồ sơ tuyển sinh lớp 6."""

DIRECTIONS = """Năm học 2022-2023, nhà trường tập trung:
- Hoàn thiện hạ tầng mạng LAN, Wi-Fi phủ sóng toàn trường;
- Triển khai học bạ số và chữ ký số cho 100% giáo viên chủ nhiệm;
- Bồi dưỡng kỹ năng số cho giáo viên theo Quyết định 4725/QĐ-BGDĐT."""


def make_report(**changes: object) -> PrintableReport:
    report = PrintableReport(
        governing_body="Phòng GDĐT Thủ Dầu Một",
        unit_name="Trường THCS Hòa Bình",
        document_number="Số: 12/BC-THCSHB",
        place="Thủ Dầu Một",
        date=datetime.date(2022, 6, 9),
        title="Báo cáo",
        subtitle="Công tác ứng dụng công nghệ thông tin và thống kê giáo dục năm học 2021-2022",
        legal_basis=[
            "Căn cứ Công văn số 1206/PGDĐT ngày 12/10/2021 của Phòng Giáo dục và Đào tạo thành phố Thủ Dầu Một "
            "về việc hướng dẫn thực hiện nhiệm vụ công nghệ thông tin và thống kê giáo dục năm học 2021-2022;",
            "Căn cứ Công văn số 719/PGDĐT-TCCB ngày 02/6/2022 về việc hướng dẫn đánh giá nhiệm vụ triển khai "
            "công nghệ thông tin và thống kê giáo dục năm học 2021-2022.",
        ],
        sections=[
            Section("1", "Ứng dụng CNTT trong đổi mới phương pháp dạy - học và kiểm tra, đánh giá", [
                FieldValue("Kết quả thực hiện", "rich_text", TEACHING),
                FieldValue("Tỉ lệ CBQL, giáo viên biết sử dụng CNTT trong công tác", "number", 100, "%"),
                FieldValue("Có tổ chức kiểm tra, đánh giá trực tuyến / trắc nghiệm trên máy", "boolean", True),
                FieldValue("Địa chỉ hệ thống dạy học trực tuyến (LMS) của trường", "url",
                           "https://thcshoabinh.k12online.vn/lop-hoc?nam-hoc=2021-2022&khoi=6"),
            ], []),
            Section("2", "Ứng dụng CNTT trong công tác quản lý, điều hành", [
                FieldValue("Kết quả thực hiện", "rich_text", MANAGEMENT),
                FieldValue("Phần mềm quản lý đang sử dụng", "choice",
                           ["Phần mềm quản lý trường học", "Sổ điểm điện tử", "Học bạ điện tử"]),
                FieldValue("Hoàn thành cập nhật CSDL ngành đúng hạn", "boolean", False),
                FieldValue("Kinh phí đầu tư CNTT trong năm", "number", 1234.5, "triệu đồng"),
                FieldValue("Ngày cập nhật CSDL lần cuối", "date", datetime.date(2022, 5, 31)),
            ], []),
            Section("3", "Ứng dụng CNTT trong công tác thông tin", [
                FieldValue("Kết quả thực hiện", "rich_text", INFORMATION),
                FieldValue("Địa chỉ cổng thông tin điện tử của trường", "url", "https://thcshoabinh.tptdm.edu.vn"),
                FieldValue("Số tin bài đăng trong năm học", "integer", 62, "tin bài"),
                FieldValue("Thu phí không dùng tiền mặt", "choice", None),
            ], []),
            Section("4", "Công tác tổ chức thực hiện nhiệm vụ CNTT", [
                FieldValue("Hạ tầng CNTT", "table", TableValue(
                    ["Hạng mục", "Số lượng", "Ghi chú"],
                    [
                        ["Phòng máy tính", 3, "2 phòng Tin học, 1 phòng đa năng"],
                        ["Máy tính phục vụ dạy học", 96, None],
                        ["Máy chiếu / màn hình tương tác", 42, "Trang bị năm 2021 & 2022"],
                        ["Đường truyền cáp quang (Mbps)", 1234.5, "FTTH, 2 nhà mạng"],
                    ],
                )),
                FieldValue("Internet cáp quang (FTTH)", "boolean", True),
            ], [
                Section("4a", "Kết quả thực hiện các kế hoạch về xây dựng và phát triển thành phố Thủ Dầu Một theo "
                              "hướng đô thị thông minh, giai đoạn 2020-2025 và các năm tiếp theo, lĩnh vực giáo dục "
                              "và đào tạo (KH 962/KH-PGDĐT ngày 27/8/2021 của Phòng GDĐT)", [
                    FieldValue("Kết quả thực hiện", "rich_text", SMART_CITY),
                ], []),
                Section("4b", "Kết quả thực hiện các kế hoạch triển khai chương trình chuyển đổi số của Ngành Giáo "
                              "dục và Đào tạo thành phố Thủ Dầu Một giai đoạn 2021-2025, định hướng đến năm 2030 "
                              "(KH 456/KH-PGDĐT ngày 01/4/2022 của Phòng GDĐT)", [
                    FieldValue("Kết quả thực hiện", "rich_text", ""),
                ], []),
                Section("4c", "Các phương hướng triển khai các Kế hoạch trong năm học 2022-2023", [
                    FieldValue("Phương hướng", "rich_text", DIRECTIONS),
                ], []),
            ]),
        ],
        recipients=["Phòng GDĐT thành phố (để báo cáo);", "Lưu: VT."],
        signer_title="Hiệu trưởng",
        signer_name="Nguyễn Văn An",
        status_note="Bản nộp lần 2, 10/06/2022 15:30 (nộp muộn 2 giờ)",
    )
    return replace(report, **changes)  # type: ignore[arg-type]
