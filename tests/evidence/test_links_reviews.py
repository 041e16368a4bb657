"""Links as evidence, review marks, and the catalogue exported to XLSX, through the real app and services."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import datetime
from typing import Any
from urllib.parse import unquote

import httpx
import pytest
from openpyxl import load_workbook

from edudx_common.auth import Role
from edudx_common.timezone import in_vietnam
from tests.evidence.conftest import Database, S3Server, World
from tests.evidence.samples import API, PNG_1X1, pdf_bytes, upload
from tests.identity.builders import make_user
from tests.submissions.builders import FULL_ANSWERS, save, submit

VIETNAMESE = set("ảạăắằẳẵặâấầẩẫậđẻẽẹêếềểễệỉĩịỏọôốồổỗộơớờởỡợủũụưứừửữựỳỷỹỵáàãéèíìóòõúùýÁÀẢÃẠĐ")
PORTAL = "https://thhoabinh.edu.vn/tin-tuc/ke-hoach-chuyen-doi-so-2024"


async def add_link(client: httpx.AsyncClient, headers: dict[str, str], submission_id: str, url: str = PORTAL,
                   **fields: Any) -> httpx.Response:
    body = {"submission_id": submission_id, "url": url, "title": "Bài viết trên cổng thông tin", **fields}
    return await client.post(f"{API}/links", json=body, headers=headers)


async def catalogue(client: httpx.AsyncClient, world: World, submission_id: str | None = None) -> list[dict[str, Any]]:
    response = await client.get(f"{API}/submissions/{submission_id or world.s11_submission['id']}/files",
                                headers=world.s11_officer)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


async def submit_s11(world: World) -> None:
    async with httpx.AsyncClient(base_url=world.submissions_url) as sub:
        saved = await save(sub, world.s11_officer, world.s11_submission, FULL_ANSWERS)
        submitted = await submit(sub, world.s11_principal, saved.json())
    assert submitted.status_code == 200, submitted.text


async def test_link_is_added_and_listed_with_its_catalogue_code(client: httpx.AsyncClient, world: World,
                                                                s3: S3Server) -> None:
    submission_id = world.s11_submission["id"]
    file = await upload(client, world.s11_officer, submission_id, pdf_bytes(), criterion_codes="3.1")
    created = await add_link(client, world.s11_officer, submission_id, criterion_codes=["3.1", "4"],
                             note="Đăng ngày 05/09/2024", title="  Kế hoạch trên cổng thông tin  ")
    link = created.json()
    items = await catalogue(client, world)
    download = await client.get(f"{API}/files/{link['id']}/download", headers=world.s11_officer)

    assert created.status_code == 201, created.text
    assert link["kind"] == "link" and link["url"] == PORTAL and link["title"] == "Kế hoạch trên cổng thông tin"
    assert link["description"] == "Đăng ngày 05/09/2024" and link["criterion_codes"] == ["3.1", "4"]
    assert link["codes"] == ["H3.1-02", "H4-01"] and link["size"] is None and link["draft_number"] == 1
    assert link["uploaded_by_name"] == "Nguyễn Thị Minh"
    assert [(i["kind"], i["codes"]) for i in items] == [("file", ["H3.1-01"]), ("link", ["H3.1-02", "H4-01"])]
    assert items[1] == {**link}
    assert file.json()["codes"] == items[0]["codes"]
    assert download.status_code == 404 and download.json()["code"] == "evidence_not_found"
    assert len(s3.keys()) == 1  # a link stores no object


@pytest.mark.parametrize("url", [
    "javascript:alert(document.cookie)",
    " JavaScript:alert(1)",
    "file:///etc/passwd",
    "data:text/html;base64,PHNjcmlwdD4=",
    "ftp://truong.edu.vn/ke-hoach.pdf",
    "https://",
    "truong.edu.vn/bai-viet",
    "https://truong.edu.vn/bai viet",
    "https://user:mat-khau@truong.edu.vn/",
    "https://truong.edu.vn/" + "a" * 1990,
    "",
])
async def test_links_other_than_http_or_https_are_refused_in_vietnamese(client: httpx.AsyncClient, world: World,
                                                                        url: str) -> None:
    refused = await add_link(client, world.s11_officer, world.s11_submission["id"], url=url)

    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "invalid_link"
    assert refused.headers["content-type"] == "application/problem+json"
    assert VIETNAMESE & set(refused.json()["detail"]), refused.json()["detail"]
    assert await catalogue(client, world) == []


async def test_longest_allowed_link_and_plain_http_are_accepted(client: httpx.AsyncClient, world: World) -> None:
    longest = "http://truong.edu.vn/" + "a" * (2000 - len("http://truong.edu.vn/"))
    created = await add_link(client, world.s11_officer, world.s11_submission["id"], url=longest)

    assert created.status_code == 201, created.text
    assert [i["url"] for i in await catalogue(client, world)] == [longest]


async def test_links_follow_the_same_permission_and_draft_rules_as_files(client: httpx.AsyncClient,
                                                                         world: World) -> None:
    submission_id = world.s11_submission["id"]
    other_school = await add_link(client, world.s21_officer, submission_id)
    reviewer = await add_link(client, world.p1_reviewer, submission_id)
    no_title = await add_link(client, world.s11_officer, submission_id, title="   ")
    bad_criterion = await add_link(client, world.s11_officer, submission_id, criterion_codes=["H1; DROP"])
    by_principal = await add_link(client, world.s11_principal, submission_id)
    await submit_s11(world)
    late = await add_link(client, world.s11_officer, submission_id, url="https://lms.edu.vn/khoa-hoc/1")
    late_delete = await client.delete(f"{API}/files/{by_principal.json()['id']}", headers=world.s11_officer)

    assert other_school.status_code == 404 and other_school.json()["code"] == "submission_not_found"
    assert reviewer.status_code == 403 and reviewer.json()["code"] == "not_allowed"
    assert no_title.status_code == 422 and no_title.json()["code"] == "invalid_link"
    assert bad_criterion.status_code == 422 and bad_criterion.json()["code"] == "invalid_upload"
    assert by_principal.status_code == 201, by_principal.text
    assert late.status_code == 409 and late.json()["code"] == "submission_locked"
    assert late_delete.status_code == 409
    assert [i["url"] for i in await catalogue(client, world)] == [PORTAL]


async def test_a_link_in_a_draft_can_be_deleted(client: httpx.AsyncClient, world: World) -> None:
    link = (await add_link(client, world.s11_officer, world.s11_submission["id"])).json()
    deleted = await client.delete(f"{API}/files/{link['id']}", headers=world.s11_officer)

    assert deleted.status_code == 204
    assert await catalogue(client, world) == []


async def test_reviewer_above_marks_items_and_the_school_sees_the_marks(client: httpx.AsyncClient,
                                                                        world: World) -> None:
    submission_id = world.s11_submission["id"]
    file = (await upload(client, world.s11_officer, submission_id, pdf_bytes(), criterion_codes="1.1")).json()
    link = (await add_link(client, world.s11_officer, submission_id, criterion_codes=["2"])).json()
    await submit_s11(world)

    accepted = await client.post(f"{API}/files/{file['id']}/review", json={"state": "accepted"},
                                 headers=world.p1_reviewer)
    wrong = await client.post(f"{API}/files/{link['id']}/review", headers=world.so_admin,
                              json={"state": "wrong", "reason": "  Bài viết của năm học 2022-2023, đã hết hạn  "})
    items = await catalogue(client, world)
    metadata = await client.get(f"{API}/files/{link['id']}", headers=world.s11_officer)
    delete_after_review = await client.delete(f"{API}/files/{link['id']}", headers=world.s11_officer)

    assert accepted.status_code == 200, accepted.text
    assert accepted.json()["review_state"] == "accepted" and accepted.json()["review_reason"] is None
    assert accepted.json()["codes"] == ["H1.1-01"] and accepted.json()["reviewed_at"] is not None
    assert wrong.status_code == 200, wrong.text
    assert [(i["review_state"], i["review_reason"]) for i in items] == [
        ("accepted", None), ("wrong", "Bài viết của năm học 2022-2023, đã hết hạn")]
    assert metadata.json()["review_state"] == "wrong" and metadata.json()["codes"] == ["H2-01"]
    assert delete_after_review.status_code == 409 and delete_after_review.json()["code"] == "submission_locked"
    assert len(await catalogue(client, world)) == 2


async def test_a_new_mark_replaces_the_previous_one(client: httpx.AsyncClient, world: World) -> None:
    link = (await add_link(client, world.s11_officer, world.s11_submission["id"])).json()
    url = f"{API}/files/{link['id']}/review"
    first = await client.post(url, json={"state": "insufficient", "reason": "Thiếu ngày ban hành"},
                              headers=world.p1_reviewer)
    second = await client.post(url, json={"state": "accepted"}, headers=world.p1_reviewer)

    assert first.status_code == 200 and second.status_code == 200
    assert [(i["review_state"], i["review_reason"]) for i in await catalogue(client, world)] == [("accepted", None)]


async def test_only_the_authority_above_reviews_and_a_reason_is_required(
        client: httpx.AsyncClient, world: World, databases: dict[str, Database], sign_in: Callable[..., Any]) -> None:
    async with databases["identity"].sessions() as session:
        p2_reviewer = await sign_in(await make_user(session, world.units["p2"], Role.REVIEWER, name="Phạm Văn Bình"))
    link = (await add_link(client, world.s11_officer, world.s11_submission["id"])).json()
    url = f"{API}/files/{link['id']}/review"
    mark = {"state": "insufficient", "reason": "Chưa có chữ ký"}

    responses = {
        "officer": await client.post(url, json=mark, headers=world.s11_officer),
        "principal": await client.post(url, json=mark, headers=world.s11_principal),
        "other_phong": await client.post(url, json=mark, headers=p2_reviewer),
        "other_school": await client.post(url, json=mark, headers=world.s21_officer),
        "no_reason": await client.post(url, json={"state": "insufficient"}, headers=world.p1_reviewer),
        "blank_reason": await client.post(url, json={"state": "wrong", "reason": "   "}, headers=world.p1_reviewer),
        "pending": await client.post(url, json={"state": "pending"}, headers=world.p1_reviewer),
        "anonymous": await client.post(url, json=mark),
    }

    assert {name: (r.status_code, r.json().get("code")) for name, r in responses.items()} == {
        "officer": (403, "not_allowed"),
        "principal": (403, "not_allowed"),
        "other_phong": (404, "evidence_not_found"),
        "other_school": (404, "evidence_not_found"),
        "no_reason": (422, "review_reason_required"),
        "blank_reason": (422, "review_reason_required"),
        "pending": (422, responses["pending"].json()["code"]),
        "anonymous": (401, responses["anonymous"].json()["code"]),
    }
    assert VIETNAMESE & set(responses["no_reason"].json()["detail"])
    assert [i["review_state"] for i in await catalogue(client, world)] == ["pending"]


async def test_catalogue_exports_to_xlsx_with_vietnamese_headers_and_local_times(client: httpx.AsyncClient,
                                                                                 world: World) -> None:
    submission_id = world.s11_submission["id"]
    file = (await upload(client, world.s11_officer, submission_id, pdf_bytes(), name="Quyết định số 12.pdf",
                         criterion_codes="1.1, 2", title="=HYPERLINK(\"http://x\")")).json()
    link = (await add_link(client, world.s11_principal, submission_id, criterion_codes=["2"])).json()
    await client.post(f"{API}/files/{link['id']}/review", json={"state": "wrong", "reason": "Sai cơ quan ban hành"},
                      headers=world.p1_reviewer)

    exported = await client.get(f"{API}/submissions/{submission_id}/catalogue.xlsx", headers=world.s11_officer)
    other_school = await client.get(f"{API}/submissions/{submission_id}/catalogue.xlsx", headers=world.s21_officer)

    assert exported.status_code == 200, exported.text
    assert exported.headers["content-type"].startswith("application/vnd.openxmlformats-officedocument.spreadsheetml")
    disposition = exported.headers["content-disposition"]
    assert disposition.startswith("attachment;")
    assert unquote(disposition.split("filename*=UTF-8''")[1]).startswith("Danh mục minh chứng - ")
    assert other_school.status_code == 404 and other_school.json()["code"] == "submission_not_found"

    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None and sheet.title == "Danh mục minh chứng" and sheet.freeze_panes == "A2"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == ("Mã minh chứng", "Tiêu chí", "Tên minh chứng", "Tệp/Liên kết", "Kích thước",
                       "Người tải lên", "Thời gian", "Trạng thái thẩm định", "Lý do", "Ghi chú")
    first, second = rows[1], rows[2]
    assert first[:4] == ("H1.1-01, H2-01", "1.1, 2", "=HYPERLINK(\"http://x\")", "Quyết định số 12.pdf")
    assert sheet["C2"].data_type == "s"  # a title is never a formula
    assert str(first[4]).endswith((" B", " KB")) and first[5] == "Nguyễn Thị Minh"
    assert first[7:] == ("Chưa thẩm định", None, None)
    assert second[:6] == ("H2-02", "2", "Bài viết trên cổng thông tin", PORTAL, None, "Hiệu trưởng HB")
    assert second[7:] == ("Không đúng", "Sai cơ quan ban hành", None)
    created = in_vietnam(datetime.fromisoformat(file["created_at"])).replace(tzinfo=None, second=0, microsecond=0)
    assert isinstance(first[6], datetime) and first[6].replace(second=0, microsecond=0) == created
    assert sheet["G2"].number_format == "dd/mm/yyyy hh:mm"


async def test_link_with_a_screenshot_of_the_page(client: httpx.AsyncClient, world: World) -> None:
    submission_id = world.s11_submission["id"]
    shot = (await upload(client, world.s11_officer, submission_id, PNG_1X1, name="anh-chup.png",
                         mime="image/png")).json()
    pdf = (await upload(client, world.s11_officer, submission_id, pdf_bytes())).json()

    with_shot = await add_link(client, world.s11_officer, submission_id, screenshot_id=shot["id"])
    not_an_image = await add_link(client, world.s11_officer, submission_id, screenshot_id=pdf["id"])
    other_school = await upload(client, world.s21_officer, world.s21_submission["id"], PNG_1X1, name="x.png",
                                mime="image/png")
    foreign = await add_link(client, world.s11_officer, submission_id, screenshot_id=other_school.json()["id"])

    assert with_shot.status_code == 201 and with_shot.json()["screenshot_id"] == shot["id"]
    assert not_an_image.status_code == 422 and not_an_image.json()["code"] == "invalid_link"
    assert foreign.status_code == 422
    assert sum(1 for i in await catalogue(client, world) if i["kind"] == "link") == 1


async def test_returned_submission_replaces_an_item_and_the_catalogue_says_so(client: httpx.AsyncClient,
                                                                             world: World) -> None:
    submission_id = world.s11_submission["id"]
    old = (await upload(client, world.s11_officer, submission_id, pdf_bytes("bản cũ"), criterion_codes="2.1")).json()
    async with httpx.AsyncClient(base_url=world.submissions_url) as sub:
        saved = await save(sub, world.s11_officer, world.s11_submission, FULL_ANSWERS)
        await submit(sub, world.s11_principal, saved.json())
        returned = await sub.post(f"/api/submissions/submissions/{submission_id}/return", headers=world.so_admin,
                                  json={"reasons": {"criteria": {"2.1": "Quyết định hết hiệu lực"}}})
    assert returned.status_code == 200, returned.text

    new = await upload(client, world.s11_officer, submission_id, pdf_bytes("bản mới"), criterion_codes="2.1",
                       replaces_id=old["id"])
    delete_old = await client.delete(f"{API}/files/{old['id']}", headers=world.s11_officer)
    items = {i["id"]: i for i in await catalogue(client, world)}

    assert new.status_code == 201, new.text
    assert new.json()["replaces_id"] == old["id"] and new.json()["draft_number"] == 2
    assert delete_old.status_code == 409  # the submitted version's evidence stays as it was
    assert items[old["id"]]["replaced_by_id"] == new.json()["id"]
    assert items[new.json()["id"]]["replaced_by_id"] is None
    exported = await client.get(f"{API}/submissions/{submission_id}/catalogue.xlsx", headers=world.p1_reviewer)
    sheet = load_workbook(io.BytesIO(exported.content)).active
    assert sheet is not None
    notes = {row[0]: row[9] for row in sheet.iter_rows(min_row=2, values_only=True)}
    old_code, new_code = ", ".join(old["codes"]), ", ".join(new.json()["codes"])
    assert old_code != new_code
    assert notes == {old_code: f"Đã thay bằng {new_code}", new_code: f"Thay cho {old_code}"}


async def test_a_link_carries_the_attributes_a_rubric_asks_for(client: httpx.AsyncClient, world: World) -> None:
    submission_id = world.s11_submission["id"]
    attributes = {"solution_name": "K12Online", "acquisition": "Thuê"}
    created = await add_link(client, world.s11_officer, submission_id, url="https://k12online.vn/truong/hoabinh",
                             title="Hệ thống LMS của trường", criterion_codes=["I.3"], attributes=attributes)
    bad_key = await add_link(client, world.s11_officer, submission_id, attributes={"Tên giải pháp": "K12Online"})
    blank_value = await add_link(client, world.s11_officer, submission_id, attributes={"acquisition": "  "})

    assert created.status_code == 201, created.text
    assert created.json()["attributes"] == attributes
    assert [i["attributes"] for i in await catalogue(client, world)] == [attributes]
    assert bad_key.status_code == 422 and blank_value.status_code == 422
