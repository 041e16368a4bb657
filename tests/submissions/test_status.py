"""Reviewer status views of a Sở campaign: per-target status, roll-up by Phòng, filters, access, XLSX/CSV export."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import httpx
import openpyxl
import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.db import utcnow
from edudx_common.timezone import in_vietnam
from identity.units.models import Unit, UnitType
from submissions.status.service import percent
from tests.identity.builders import make_province, make_unit, make_user
from tests.submissions.builders import API, make_campaign, make_school_year
from tests.submissions.conftest import MovableClock
from tests.submissions.status_builders import counts, drafted, extend, review, status_view, submitted
from tests.user_facing_times import iso_timestamps

ALL_LEVELS = ["mam_non", "tieu_hoc", "thcs", "thpt"]
# The list: by folded name ("truong mam non …" < "truong th&thcs …" < "truong thcs …" < "truong thpt …" < …).
BY_NAME = ["T-HS", "T-DT", "T-HB", "T-LH", "T-NP", "T-LVL", "T-LP", "T-PD", "T-TL"]
# The export: by group (Long Hồ, Mang Thít, the THPT school), then name.
ORDER = ["T-HB", "T-LH", "T-LP", "T-PD", "T-HS", "T-DT", "T-NP", "T-TL", "T-LVL"]
XLSX_HEADERS = ["STT", "Mã đơn vị", "Tên đơn vị", "Đơn vị quản lý", "Trạng thái", "Hạn nộp", "Nộp lần đầu", "Muộn",
                "Quá hạn", "Bước xử lý", "Nộp lần cuối", "Duyệt lúc", "Nội dung đã trả lời (%)", "Tự chấm",
                "Thẩm định", "Điểm cuối cùng", "Người thẩm định", "Ký số", "Xã/phường"]


def expected(targets: int, *, first_on_time: int, **by_status: int) -> dict[str, Any]:
    statuses = ["not_started", "draft", "overdue", "submitted_on_time", "submitted_late", "returned", "approved"]
    values = {s: by_status.get(s, 0) for s in statuses}
    done = values["submitted_on_time"] + values["submitted_late"] + values["returned"] + values["approved"]
    return {"targets": targets, **values, "submitted": done, "submitted_first_on_time": first_on_time,
            "completeness": percent(done, targets), "timeliness": percent(first_on_time, done)}


# Phòng Long Hồ: approved (on time), returned (on time), two overdue (a draft, nothing).
P1 = expected(4, approved=1, returned=1, overdue=2, first_on_time=2)
# Phòng Mang Thít: late, under review on time, a draft and nothing yet (both with an extension).
P2 = expected(4, submitted_late=1, submitted_on_time=1, draft=1, not_started=1, first_on_time=1)
# The upper-secondary school directly under the Sở: submitted late, then approved.
S0 = expected(1, approved=1, first_on_time=0)
TOTAL = expected(9, not_started=1, draft=1, overdue=2, submitted_on_time=1, submitted_late=1, returned=1,
                 approved=2, first_on_time=3)


@dataclass
class Scenario:
    units: dict[str, Unit]
    campaign: dict[str, Any]
    due: datetime
    now: datetime
    so_admin: dict[str, str]
    resubmission_due: datetime
    extension_due: datetime


@pytest.fixture
async def scenario(client: httpx.AsyncClient, id_session: AsyncSession, sign_in, clock: MovableClock) -> Scenario:  # type: ignore[no-untyped-def]
    units = await make_province(id_session)
    extra = {
        "s13": ("p1", "Trường Tiểu học Phú Đức", "T-PD", ["tieu_hoc"]),
        "s14": ("p1", "Trường THCS Lộc Hòa", "T-LH", ["thcs"]),
        "s23": ("p2", "Trường Tiểu học Tân Long", "T-TL", ["tieu_hoc"]),
        "s24": ("p2", "Trường THCS Nhơn Phú", "T-NP", ["thcs"]),
        "s25": ("p2", "Trường THCS Bình Phước", "T-BP", ["thcs"]),  # withdrawn below
    }
    for key, (parent, name, code, levels) in extra.items():
        units[key] = await make_unit(id_session, parent=units[parent], name=name, code=code, levels=levels)
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN, name="Trần Văn Sở"))
    year = await make_school_year(client, so_admin)
    due = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    campaign = await make_campaign(client, so_admin, school_year_id=year, due_at=due, levels=ALL_LEVELS)
    cid = campaign["id"]
    withdrawn = await client.delete(f"{API}/campaigns/{cid}/targets/{units['s25'].id}", headers=so_admin)
    assert withdrawn.status_code == 200

    # before the deadline
    clock.now = due - timedelta(days=1)
    resubmission_due = due + timedelta(days=10)
    extension_due = due + timedelta(days=7)
    approved = await submitted(client, so_admin, cid, units["s11"].id)
    await review(client, so_admin, approved, "approve")
    returned = await submitted(client, so_admin, cid, units["s12"].id)
    await review(client, so_admin, returned, "return", resubmission_due_at=resubmission_due.isoformat())
    under_review = await submitted(client, so_admin, cid, units["s24"].id)
    await review(client, so_admin, under_review, "start-review")
    await drafted(client, so_admin, cid, units["s13"].id)
    await drafted(client, so_admin, cid, units["s21"].id)
    await drafted(client, so_admin, cid, units["s22"].id)
    await extend(client, so_admin, cid, units["s22"].id, extension_due)
    await extend(client, so_admin, cid, units["s23"].id, extension_due)

    # one day and two hours after it
    clock.now = now = due + timedelta(days=1, hours=2)
    late = await submitted(client, so_admin, cid, units["s21"].id)
    assert late["late_seconds"] == 26 * 3600
    late_then_approved = await submitted(client, so_admin, cid, units["s0"].id)
    await review(client, so_admin, late_then_approved, "approve")
    return Scenario(units, campaign, due, now, so_admin, resubmission_due, extension_due)


async def test_so_sees_completeness_and_timeliness_per_phong_and_in_total(client: httpx.AsyncClient,
                                                                         scenario: Scenario) -> None:
    s, units = scenario, scenario.units
    response = await status_view(client, s.so_admin, s.campaign["id"])
    view = response.json()

    assert response.status_code == 200, response.text
    assert view["group_unit"]["id"] == str(units["so"].id) and view["group_unit"]["name"] == "Sở GDĐT Vĩnh Long"
    assert datetime.fromisoformat(view["as_of"]) == s.now
    assert view["campaign"]["id"] == s.campaign["id"]
    # the school directly under the Sở is counted in the Sở's own group, after the Phòng
    assert [(g["unit"]["name"], g["is_target"]) for g in view["groups"]] == [
        ("Phòng GDĐT Long Hồ", False), ("Phòng GDĐT Mang Thít", False), ("Sở GDĐT Vĩnh Long", True)]
    assert view["groups"][2]["label"] == "Trực thuộc Sở GDĐT Vĩnh Long"
    assert view["groups"][2]["key"] == units["so"].id.hex
    assert view["groups"][0]["unit"]["code"] == "P-LH" and view["groups"][0]["unit"]["type"] == "district_office"
    assert [counts(g) for g in view["groups"]] == [P1, P2, S0]
    assert view["totals"] == TOTAL
    assert (P1["completeness"], P1["timeliness"]) == (50.0, 100.0)
    assert (P2["completeness"], P2["timeliness"]) == (50.0, 50.0)
    assert (TOTAL["completeness"], TOTAL["timeliness"]) == (55.6, 60.0)

    rows = {t["unit_code"]: t for t in view["targets"]["items"]}
    assert view["targets"]["total"] == 9 and "T-BP" not in rows  # the withdrawn school is not counted
    assert [t["unit_code"] for t in view["targets"]["items"]] == BY_NAME
    assert {code: r["status"] for code, r in rows.items()} == {
        "T-HB": "approved", "T-LP": "returned", "T-PD": "overdue", "T-LH": "overdue", "T-DT": "submitted_late",
        "T-NP": "submitted_on_time", "T-HS": "draft", "T-TL": "not_started", "T-LVL": "approved"}
    assert rows["T-DT"]["status_label"] == "Nộp muộn" and rows["T-DT"]["late_text"] == "nộp muộn 1 ngày 2 giờ"
    assert rows["T-DT"]["group_id"] == str(units["p2"].id) and rows["T-LVL"]["group_id"] == str(units["so"].id)
    assert rows["T-NP"]["workflow_status"] == "under_review" and rows["T-NP"]["late_seconds"] == 0
    assert rows["T-LH"]["overdue_seconds"] == 26 * 3600 and rows["T-LH"]["overdue_text"] == "quá hạn 1 ngày 2 giờ"
    assert rows["T-LH"]["submission_id"] is None and rows["T-LH"]["workflow_status"] is None
    assert rows["T-PD"]["workflow_status"] == "draft" and rows["T-PD"]["overdue_seconds"] == 26 * 3600
    assert datetime.fromisoformat(rows["T-LH"]["due_at"]) == s.due and rows["T-LH"]["due_at"].endswith("Z")
    assert datetime.fromisoformat(rows["T-HS"]["due_at"]) == s.extension_due
    assert datetime.fromisoformat(rows["T-LP"]["due_at"]) == s.resubmission_due
    assert rows["T-HS"]["overdue_seconds"] is None and rows["T-HB"]["approved_at"] is not None


async def test_list_is_paged_filtered_and_searched_while_counts_cover_everything(client: httpx.AsyncClient,
                                                                                 scenario: Scenario) -> None:
    s, units, cid = scenario, scenario.units, scenario.campaign["id"]
    page = (await status_view(client, s.so_admin, cid, limit=3, offset=3)).json()
    overdue = (await status_view(client, s.so_admin, cid, status="overdue")).json()
    waiting = (await status_view(client, s.so_admin, cid, status=["draft", "not_started"])).json()
    searched = (await status_view(client, s.so_admin, cid, q="truong hoa binh")).json()
    by_code = (await status_view(client, s.so_admin, cid, q="t-lvl")).json()
    one_group = (await status_view(client, s.so_admin, cid, group_id=str(units["p2"].id))).json()
    nothing = (await status_view(client, s.so_admin, cid, q="không có trường này")).json()
    past_the_end = (await status_view(client, s.so_admin, cid, offset=50)).json()
    bad_status = await status_view(client, s.so_admin, cid, status="late")

    assert [t["unit_code"] for t in page["targets"]["items"]] == ["T-LH", "T-NP", "T-LVL"]
    assert (page["targets"]["total"], page["targets"]["limit"], page["targets"]["offset"]) == (9, 3, 3)
    assert [t["unit_code"] for t in overdue["targets"]["items"]] == ["T-LH", "T-PD"]
    assert [t["unit_code"] for t in waiting["targets"]["items"]] == ["T-HS", "T-TL"]
    assert [t["unit_name"] for t in searched["targets"]["items"]] == ["Trường THCS Hòa Bình"]
    assert [t["unit_code"] for t in by_code["targets"]["items"]] == ["T-LVL"]
    assert [t["unit_code"] for t in one_group["targets"]["items"]] == ["T-HS", "T-DT", "T-NP", "T-TL"]
    assert [t["unit_code"] for t in past_the_end["targets"]["items"]] == [] and past_the_end["targets"]["total"] == 9
    assert nothing["targets"] == {"items": [], "total": 0, "limit": 50, "offset": 0, "next": None}
    for view in (page, overdue, waiting, searched, one_group, nothing):
        assert view["totals"] == TOTAL and len(view["groups"]) == 3
    assert bad_status.status_code == 422


async def test_phong_reviewer_sees_only_its_schools(client: httpx.AsyncClient, id_session: AsyncSession, sign_in,  # type: ignore[no-untyped-def]
                                                    scenario: Scenario) -> None:
    s, units, cid = scenario, scenario.units, scenario.campaign["id"]
    reviewer = await sign_in(await make_user(id_session, units["p2"], Role.REVIEWER))
    view = (await status_view(client, reviewer, cid)).json()
    searched_elsewhere = (await status_view(client, reviewer, cid, q="hoa binh")).json()
    rolled_up_above = await status_view(client, reviewer, cid, group_unit_id=str(units["so"].id))
    other_phong = await status_view(client, reviewer, cid, group_unit_id=str(units["p1"].id))
    so_under_p1 = (await status_view(client, s.so_admin, cid, group_unit_id=str(units["p1"].id))).json()

    assert view["group_unit"]["id"] == str(units["p2"].id) and view["group_unit"]["name"] == "Phòng GDĐT Mang Thít"
    # its schools are all directly under it: one group, not one per school
    assert [(g["unit"]["id"], g["is_target"], g["label"]) for g in view["groups"]] == [
        (str(units["p2"].id), True, "Trực thuộc Phòng GDĐT Mang Thít")]
    assert view["totals"] == P2 and counts(view["groups"][0]) == P2
    assert {t["unit_code"] for t in view["targets"]["items"]} == {"T-NP", "T-HS", "T-TL", "T-DT"}
    assert searched_elsewhere["targets"]["total"] == 0
    assert rolled_up_above.status_code == 404 and rolled_up_above.json()["code"] == "group_unit_not_found"
    assert other_phong.status_code == 404 and other_phong.json()["code"] == "group_unit_not_found"
    assert so_under_p1["group_unit"]["name"] == "Phòng GDĐT Long Hồ" and so_under_p1["totals"] == P1
    assert [(g["unit"]["id"], counts(g)) for g in so_under_p1["groups"]] == [(str(units["p1"].id), P1)]


async def test_school_users_and_outsiders_are_refused(client: httpx.AsyncClient, id_session: AsyncSession,  # type: ignore[no-untyped-def]
                                                      sign_in, scenario: Scenario) -> None:
    units, cid = scenario.units, scenario.campaign["id"]
    principal = await sign_in(await make_user(id_session, units["s11"], Role.PRINCIPAL))
    other_so = await make_unit(id_session, type=UnitType.DEPARTMENT, name="Sở GDĐT Trà Vinh", code="SO-TV")
    outsider = await sign_in(await make_user(id_session, other_so, Role.AUTHORITY_ADMIN))

    school = await status_view(client, principal, cid)
    school_export = await client.get(f"{API}/campaigns/{cid}/status/export", headers=principal)
    foreign = await status_view(client, outsider, cid)
    anonymous = await client.get(f"{API}/campaigns/{cid}/status")

    assert school.status_code == 403 and school.json()["code"] == "not_allowed"
    assert school_export.status_code == 403
    assert foreign.status_code == 404 and foreign.json()["code"] == "campaign_not_found"
    assert anonymous.status_code == 401


async def test_export_xlsx_has_the_rows_and_the_roll_up_in_vietnamese(client: httpx.AsyncClient,
                                                                      scenario: Scenario) -> None:
    s, cid = scenario, scenario.campaign["id"]
    response = await client.get(f"{API}/campaigns/{cid}/status/export", params={"format": "xlsx"},
                                headers=s.so_admin)
    overdue_only = await client.get(f"{API}/campaigns/{cid}/status/export", params={"status": "overdue"},
                                    headers=s.so_admin)

    assert response.status_code == 200
    assert response.headers["content-type"].startswith(
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Tinh hinh nop bao cao - ') and disposition.isascii()
    encoded = disposition.split("filename*=UTF-8''", 1)[1]
    expected_name = (f"Tình hình nộp báo cáo - {s.campaign['title']} - {in_vietnam(s.now):%d-%m-%Y}.xlsx")
    assert unquote(encoded) == expected_name

    book = openpyxl.load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["Đơn vị", "Tổng hợp"]
    sheet = book["Đơn vị"]
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == XLSX_HEADERS
    assert sheet.freeze_panes == "A2" and sheet.column_dimensions["C"].width > 30
    by_code = {r[1]: r for r in rows[1:]}
    assert [r[1] for r in rows[1:]] == ORDER
    assert [r[0] for r in rows[1:]] == list(range(1, 10))
    assert {r[4] for r in rows[1:]} == {"Chưa bắt đầu", "Đang soạn", "Nộp đúng hạn", "Nộp muộn", "Bị trả lại",
                                        "Đã duyệt", "Quá hạn"}
    assert by_code["T-DT"][2:5] == ("Trường TH&THCS Đức Thành", "Phòng GDĐT Mang Thít", "Nộp muộn")
    assert by_code["T-DT"][5] == in_vietnam(s.due).replace(tzinfo=None)  # Vietnam wall-clock time
    assert by_code["T-DT"][6] == in_vietnam(s.now).replace(tzinfo=None)
    assert by_code["T-DT"][7] == "1 ngày 2 giờ" and by_code["T-DT"][9] == "Đã nộp"
    assert by_code["T-LH"][8] == "1 ngày 2 giờ" and by_code["T-LH"][9] == "Chưa mở báo cáo"
    assert by_code["T-LVL"][3] == "Sở GDĐT Vĩnh Long"  # directly under the Sở
    assert sheet["F2"].number_format == "dd/mm/yyyy hh:mm"

    summary = list(book["Tổng hợp"].iter_rows(values_only=True))
    assert summary[0][0] == f"Tình hình nộp báo cáo: {s.campaign['title']}"
    assert summary[4][:3] == ("Đơn vị", "Mã", "Phải nộp") and summary[4][-2:] == ("Hoàn thành (%)", "Đúng hạn (%)")
    table = {r[0]: r[1:] for r in summary[5:]}
    assert list(table) == ["Phòng GDĐT Long Hồ", "Phòng GDĐT Mang Thít", "Trực thuộc Sở GDĐT Vĩnh Long", "Tổng cộng"]
    assert table["Trực thuộc Sở GDĐT Vĩnh Long"][1] == 1  # the one school directly under the Sở
    assert table["Phòng GDĐT Long Hồ"] == ("P-LH", 4, 0, 0, 2, 0, 0, 1, 1, 2, 50.0, 100.0)
    assert table["Tổng cộng"] == (None, 9, 1, 1, 2, 1, 1, 1, 2, 5, 55.6, 60.0)

    overdue_rows = list(openpyxl.load_workbook(io.BytesIO(overdue_only.content))["Đơn vị"].iter_rows(values_only=True))
    assert [r[1] for r in overdue_rows[1:]] == ["T-LH", "T-PD"]


async def test_export_csv_is_utf8_with_bom_and_the_same_rows(client: httpx.AsyncClient, scenario: Scenario) -> None:
    s, cid = scenario, scenario.campaign["id"]
    response = await client.get(f"{API}/campaigns/{cid}/status/export", params={"format": "csv"},
                                headers=s.so_admin)
    searched = await client.get(f"{API}/campaigns/{cid}/status/export", params={"format": "csv", "q": "hoa binh"},
                                headers=s.so_admin)

    assert response.status_code == 200 and response.headers["content-type"] == "text/csv; charset=utf-8"
    assert "filename*=UTF-8''T%C3%ACnh%20h%C3%ACnh%20n%E1%BB%99p" in response.headers["content-disposition"]
    assert response.headers["content-disposition"].endswith(".csv")
    assert response.content.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0] == XLSX_HEADERS
    assert [r[1] for r in rows[1:]] == ORDER
    by_code = {r[1]: r for r in rows[1:]}
    assert by_code["T-DT"][4] == "Nộp muộn" and by_code["T-DT"][5] == in_vietnam(s.due).strftime("%d/%m/%Y %H:%M")
    assert by_code["T-TL"][4] == "Chưa bắt đầu" and by_code["T-TL"][6] == ""
    searched_rows = list(csv.reader(io.StringIO(searched.content.decode("utf-8-sig"))))
    assert [r[2] for r in searched_rows[1:]] == ["Trường THCS Hòa Bình"]
    assert iso_timestamps(response.content.decode("utf-8-sig")) == []


async def test_deadline_itself_is_still_on_time(client: httpx.AsyncClient, scenario: Scenario,
                                               clock: MovableClock) -> None:
    clock.now = scenario.due
    at_deadline = {t["unit_code"]: t["status"] for t in
                   (await status_view(client, scenario.so_admin, scenario.campaign["id"])).json()["targets"]["items"]}
    clock.now = scenario.due + timedelta(seconds=1)
    just_after = {t["unit_code"]: t["status"] for t in
                  (await status_view(client, scenario.so_admin, scenario.campaign["id"])).json()["targets"]["items"]}

    assert (at_deadline["T-LH"], at_deadline["T-PD"], at_deadline["T-DT"]) == ("not_started", "draft", "submitted_late")
    assert (just_after["T-LH"], just_after["T-PD"], just_after["T-HS"]) == ("overdue", "overdue", "draft")


def test_percentages_round_half_up_and_zero_of_zero_is_null() -> None:
    assert [percent(1, 16), percent(5, 9), percent(2, 3), percent(0, 4), percent(4, 4)] == [6.3, 55.6, 66.7, 0.0,
                                                                                              100.0]
    assert percent(0, 0) is None


async def test_a_reformed_so_counts_its_direct_schools_in_one_group_with_the_same_figures(  # type: ignore[no-untyped-def]
        client: httpx.AsyncClient, id_session: AsyncSession, sign_in, clock: MovableClock) -> None:
    """After 1/7/2025 a Sở has its schools directly under it: one group for all of them (not one per school),
    whose counts, and the chart's figures, are what the list says target by target."""
    units = await make_province(id_session)
    direct = [await make_unit(id_session, parent=units["so"], name=f"Trường Tiểu học Số {i}", code=f"T-SO-{i:02d}",
                              levels=["tieu_hoc"]) for i in range(1, 25)]
    so_admin = await sign_in(await make_user(id_session, units["so"], Role.AUTHORITY_ADMIN))
    year = await make_school_year(client, so_admin)
    due = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    cid = (await make_campaign(client, so_admin, school_year_id=year, due_at=due, levels=ALL_LEVELS))["id"]
    clock.now = due - timedelta(days=1)
    for school in direct[:6]:
        await submitted(client, so_admin, cid, school.id)
    approved = await submitted(client, so_admin, cid, direct[6].id)
    await review(client, so_admin, approved, "approve")
    for school in (*direct[7:10], units["s11"]):
        await drafted(client, so_admin, cid, school.id)
    await submitted(client, so_admin, cid, units["s21"].id)
    clock.now = due + timedelta(hours=5)  # the drafts and the schools without a report are overdue now
    await submitted(client, so_admin, cid, direct[10].id)  # late

    view = (await status_view(client, so_admin, cid, limit=200)).json()
    in_direct = (await status_view(client, so_admin, cid, group_id=str(units["so"].id), limit=200)).json()

    so_hex = units["so"].id.hex
    assert [(g["key"], g["is_target"]) for g in view["groups"]] == [
        (units["p1"].id.hex, False), (units["p2"].id.hex, False), (so_hex, True)]
    items = view["targets"]["items"]
    assert len(items) == view["targets"]["total"] == view["totals"]["targets"] == 4 + 24 + 1
    for group in view["groups"]:  # each group's counts are its targets' statuses, one by one
        mine = [t for t in items if t["group_key"] == group["key"]]
        assert counts(group) == expected(
            len(mine), first_on_time=sum(t["late_seconds"] == 0 for t in mine),
            **{s: sum(t["status"] == s for t in mine) for s in {t["status"] for t in mine}})
    direct_group = view["groups"][2]
    assert direct_group["targets"] == 25 and direct_group["unit"]["id"] == str(units["so"].id)
    assert (direct_group["approved"], direct_group["submitted_late"], direct_group["overdue"]) == (1, 1, 3 + 14)
    assert {t["unit_code"] for t in in_direct["targets"]["items"]} == {
        *(s.code for s in direct), "T-LVL"} and in_direct["targets"]["total"] == 25
    assert all(t["group_id"] == str(units["so"].id) for t in in_direct["targets"]["items"])
    summary = view["summary"]  # the chart, from the same roll-up
    awaiting = [t for t in items if t["workflow_status"] in ("submitted", "under_review", "resubmitted")]
    assert summary["awaiting"] == summary["unassigned"] == len(awaiting) == 6 + 1 + 1
    opened = [t["completeness"] for t in items if t["completeness"] is not None]
    assert len(opened) == 13 and summary["average_completeness"] == round(sum(opened) / len(opened), 1)
