"""The SPA in a real browser: headless Debian Chromium under @playwright/test, the main journey
(`frontend/e2e/journeys/main-flow.spec.mjs`) and the school's phone journey (`school-journey.spec.mjs`), each
reported on its own, against its own embedded run (free ports, its own var folder), with the built SPA served by
the gateway. A failed journey is named with its failed step and the trace kept for it (under var/e2e-results/).

Screenshots of every main screen, at 1280 px and 375 px wide, go to `var/screenshots/` (git-ignored).
The flow runs once, on the SQLite pass: the PostgreSQL pass covers the same services through the API tests
(set EDUDX_SPA_BROWSER_ON_POSTGRES=1 to run it there too).
"""

from __future__ import annotations

import io
import json
import os
import shutil
from datetime import datetime
from pathlib import Path

import httpx
import icalendar
import pytest
import xlsxwriter
from PIL import Image, ImageDraw, ImageFont

from tests.e2e.conftest import RunningSystem, embedded_system, output_of
from tests.e2e.journeys import FRONTEND, run_journeys
from tests.e2e.journeys import missing as _missing
from tests.identity.sheets import xlsx
from tests.support import REPO, on_postgres

SCREENSHOTS = REPO / "var" / "screenshots"
RESULTS = REPO / "var" / "e2e-results"
FONT = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


def _page(text: list[str], size: tuple[int, int], noise_rows: int = 0) -> Image.Image:
    """A white page with Vietnamese text, and (for a heavier file) rows of noise that do not compress."""
    image = Image.new("RGB", size, "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(FONT, size[0] // 28)
    for i, line in enumerate(text):
        draw.text((size[0] // 12, size[1] // 10 + i * size[0] // 18), line, fill="black", font=font)
    if noise_rows:
        noise = Image.frombytes("RGB", (size[0], noise_rows), os.urandom(size[0] * noise_rows * 3))
        image.paste(noise, (0, size[1] - noise_rows))
    return image


def bad_rubric() -> bytes:
    """A rubric workbook in the export's layout with mistakes the import must name by sheet and row: no title,
    an unknown setting, points that are not a number."""
    buffer = io.BytesIO()
    workbook = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheets = {
        "Tiêu chí": [["Mã", "Nội dung", "Loại", "Điểm chuẩn", "Bước điểm"],
                     ["1", "Ứng dụng CNTT trong dạy học", "Nhóm", 10, None],
                     ["1.1", "Giáo viên dùng bài giảng điện tử", "Điểm", "mười", None]],
        "Thiết lập": [["Thiết lập", "Giá trị"], ["Màu nền", "xanh"]],
    }
    for name, rows in sheets.items():
        sheet = workbook.add_worksheet(name)
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
    workbook.close()
    return buffer.getvalue()


def sample_files(folder: Path) -> dict[str, Path]:
    folder.mkdir(parents=True, exist_ok=True)
    pdf = folder / "ke-hoach-ung-dung-cntt.pdf"
    _page(["PHÒNG GD&ĐT LONG HỒ", "TRƯỜNG THCS HÒA BÌNH", "", "KẾ HOẠCH", "Ứng dụng CNTT năm học 2026-2027"],
          (1240, 1754), noise_rows=500).save(pdf, "PDF", resolution=150, quality=95)
    photo = folder / "phong-may-tinh.jpg"
    _page(["Phòng máy tính", "Trường THCS Hòa Bình", "40 máy, cáp quang"], (1600, 1200), noise_rows=200).save(
        photo, "JPEG", quality=90)
    users = folder / "nguoi-dung.xlsx"
    users.write_bytes(xlsx([
        ["E-mail", "Họ và tên", "Mã đơn vị", "Vai trò"],
        ["gv.moi@vinhlong.edu.vn", "Nguyễn Văn Mới", "86703001", "Cán bộ CNTT"],
        ["khong-phai-email", "Trần Thị Lỗi", "86703001", "Hiệu trưởng"],
        ["ht.khac@vinhlong.edu.vn", "Lê Văn Sai", "MA-KHONG-CO", "Hiệu trưởng"],
    ]))
    decision = folder / "quyet-dinh-phan-cong.pdf"
    _page(["TRƯỜNG THCS HÒA BÌNH", "", "QUYẾT ĐỊNH", "Phân công lãnh đạo phụ trách CNTT"], (1240, 1754)).save(
        decision, "PDF", resolution=150)
    rubric = folder / "bo-tieu-chi-loi.xlsx"
    rubric.write_bytes(bad_rubric())
    return {"pdf": pdf, "photo": photo, "bad-users": users, "bad-rubric": rubric, "decision-pdf": decision}


def check_calendar_links(system: RunningSystem, urls: dict[str, str]) -> None:
    """The calendar link the account page made, fetched as a calendar app would (no login): the regenerated one
    serves text/calendar with the school's deadline of the seeded campaign, the first one no longer works."""
    headers = system.login("cntt.so@vinhlong.edu.vn")  # the Sở that issued the seeded campaign
    with system.client() as http:
        campaigns = http.get("/api/submissions/campaigns", headers=headers)
        assert campaigns.status_code == 200, campaigns.text
        seeded = [c for c in campaigns.json()["items"] if c["title"].startswith("Báo cáo tổng kết ứng dụng CNTT")]
        assert len(seeded) == 1, campaigns.text
        due = datetime.fromisoformat(seeded[0]["due_at"])
    assert urls["second"].startswith(system.gateway) and urls["first"] != urls["second"]
    fresh = httpx.get(urls["second"], timeout=30)
    assert fresh.status_code == 200, fresh.text
    assert fresh.headers["content-type"].startswith("text/calendar")
    events = [e for e in icalendar.Calendar.from_ical(fresh.content).walk("VEVENT")
              if seeded[0]["title"] in str(e["SUMMARY"])]
    assert len(events) == 1, fresh.text
    assert events[0].decoded("DTEND") == due
    assert httpx.get(urls["first"], timeout=30).status_code == 404


# Start-up (up to 90 s) plus the two journeys (minutes each, up to 30 on a loaded machine): more than the suite's
# default.
@pytest.mark.timeout(4000)
def test_school_and_reviewer_flows_in_chromium(tmp_path: Path) -> None:
    if on_postgres() and os.environ.get("EDUDX_SPA_BROWSER_ON_POSTGRES") != "1":
        pytest.skip("the browser flow runs on the SQLite pass")
    if (missing := _missing()) is not None:
        if os.environ.get("CI"):
            pytest.fail(missing)
        pytest.skip(missing)
    files = sample_files(tmp_path / "files")
    shutil.rmtree(SCREENSHOTS, ignore_errors=True)
    var = tmp_path / "embedded"
    var.mkdir()
    index = (FRONTEND / "dist" / "index.html").read_text()
    asset = index.split('src="', 1)[1].split('"', 1)[0]
    with embedded_system(var) as system:
        # What `make run` relies on: the index for client routes (deep links), hashed assets cached for a year.
        with system.client() as http:
            deep_link = http.get("/submissions/3f0c1c38-0000-4000-8000-000000000000")
            script = http.get(asset)
        assert deep_link.status_code == 200 and 'id="root"' in deep_link.text
        assert script.status_code == 200 and "immutable" in script.headers["cache-control"]
        calendar_urls = tmp_path / "calendar-urls.json"
        inputs = {"base-url": system.gateway, "out": str(SCREENSHOTS), "calendar-urls": str(calendar_urls),
                  **{name: str(path) for name, path in files.items()}}
        run = run_journeys(["main-flow.spec.mjs", "school-journey.spec.mjs"], inputs,
                           results=RESULTS / "spa-browser", timeout=3600)
        print(run.output)
        assert {j.spec for j in run.journeys} == {"main-flow.spec.mjs", "school-journey.spec.mjs"}, run.report()
        assert not run.failed, f"{run.report()}\n--- system log (tail) ---\n{output_of(system)[-4000:]}"
        check_calendar_links(system, json.loads(calendar_urls.read_text()))
    shots = {p.name for p in SCREENSHOTS.glob("*.png")}
    assert {"02-school-dashboard-desktop.png", "02-school-dashboard-375.png", "12-review-pdf-preview-desktop.png",
            "12-review-pdf-preview-375.png", "04-upload-progress-desktop.png",
            "05-phone-upload-retrying-375.png", "25-self-scoring-desktop.png", "25-self-scoring-375.png",
            "26-review-scoring-desktop.png", "27-results-desktop.png", "28-school-published-result-375.png",
            "30-rubric-desktop.png", "31-rubric-import-errors-desktop.png", "33-bell-open-desktop.png",
            "33-bell-open-375.png", "34-notifications-desktop.png", "34-notifications-375.png",
            "21-account-desktop.png", "21-account-375.png"} <= shots
    # The school's journey (frontend/e2e/journeys/school-journey.spec.mjs): each changed screen at 375 px and 1366 px.
    assert {f"22a-{name}-{width}.png" for name in ("01-wrong-link-saved", "02-checklist", "03-self-scoring-cards",
                                                   "04-submit-refused-unscored", "05-session-expired", "06-forbidden",
                                                   "07-not-open-yet", "09-forgot-password")
            for width in (375, 1366)} <= shots

