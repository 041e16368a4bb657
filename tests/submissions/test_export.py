"""The printable report through the API: a submitted version as PDF and DOCX, with Vietnamese text intact."""

from __future__ import annotations

import io
from urllib.parse import unquote

import docx
import httpx
from pypdf import PdfReader
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from tests.identity.builders import make_province, make_user
from tests.submissions.builders import API, FULL_ANSWERS, make_campaign, make_school_year, open_submission, save, submit


async def test_submitted_report_exports_as_pdf_and_docx(client: httpx.AsyncClient, id_session: AsyncSession,
                                                        sign_in) -> None:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    units["s11"].address = "Xã Hòa Phú, huyện Long Hồ, tỉnh Vĩnh Long"
    await id_session.commit()
    admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN))
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    other_school = await sign_in(await make_user(id_session, units["s12"], Role.PRINCIPAL))
    year = await make_school_year(client, admin)
    campaign = await make_campaign(client, admin, school_year_id=year)
    draft = await open_submission(client, principal, campaign["id"])
    saved = await save(client, principal, draft, {**FULL_ANSWERS, "s2_software": ["Sổ điểm điện tử", "Học bạ điện tử"]})
    await submit(client, principal, saved.json())

    pdf = await client.get(f"{API}/submissions/{draft['id']}/export", params={"format": "pdf"}, headers=principal)
    word = await client.get(f"{API}/submissions/{draft['id']}/export", params={"format": "docx"}, headers=admin)
    hidden = await client.get(f"{API}/submissions/{draft['id']}/export", headers=other_school)
    missing_version = await client.get(f"{API}/submissions/{draft['id']}/export", params={"version": 5},
                                       headers=principal)

    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    assert "filename*=UTF-8''" in pdf.headers["content-disposition"]
    assert "Báo cáo - Trường THCS Hòa Bình" in unquote(pdf.headers["content-disposition"])
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "TRƯỜNG THCS HÒA BÌNH",
                     "PHÒNG GDĐT LONG HỒ", "Long Hồ, ngày", "Ứng dụng CNTT trong công tác quản lý, điều hành",
                     "Sổ điểm điện tử; Học bạ điện tử", "HIỆU TRƯỞNG", "Bản nộp lần 1"):
        assert expected in " ".join(text.split()), expected
    document = docx.Document(io.BytesIO(word.content))
    paragraphs = "\n".join(p.text for p in document.paragraphs)
    cells = {c.text for t in document.tables for row in t.rows for c in row.cells}
    assert "Căn cứ Công văn 719/PGDĐT-TCCB ngày 02/6/2022." in paragraphs
    assert "Phòng máy tính" in cells
    assert hidden.status_code == 404
    assert missing_version.status_code == 404
