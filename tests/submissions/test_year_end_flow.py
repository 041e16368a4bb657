"""The seed-004 year-end campaign of a Phòng, end to end: targets, drafting, on-time and late submits,
return, resubmission, approval, and the history of every step."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from edudx_common.db import utcnow
from identity.units.models import UnitType
from tests.identity.builders import make_province, make_unit, make_user
from tests.submissions.builders import API, FULL_ANSWERS, make_campaign, make_school_year, open_submission, save, submit
from tests.submissions.conftest import MovableClock


async def test_year_end_campaign_of_a_phong(client: httpx.AsyncClient, id_session: AsyncSession, sign_in,  # type: ignore[no-untyped-def]
                                            clock: MovableClock) -> None:
    units = await make_province(id_session)
    combined = await make_unit(id_session, parent=units["p1"], name="Trường TH&THCS Lộc Hòa", code="T-LH",
                               levels=["tieu_hoc", "thcs"])
    await make_unit(id_session, parent=units["p1"], name="Trường Mầm non Sơn Ca", code="T-SC", levels=["mam_non"])
    await make_unit(id_session, parent=units["p1"], type=UnitType.CENTER, name="Trung tâm GDTX", code="TT",
                    levels=["gdtx"])
    phong_admin = await sign_in(await make_user(id_session, units["p1"], Role.AUTHORITY_ADMIN, name="Phạm Văn Hùng"))
    reviewer = await sign_in(await make_user(id_session, units["p1"], Role.REVIEWER, name="Lê Thị Hà"))
    schools = {"on_time": units["s11"], "late": units["s12"], "returned": combined}
    principals = {k: await sign_in(await make_user(id_session, u, Role.PRINCIPAL, name=f"Hiệu trưởng {k}"))
                  for k, u in schools.items()}
    officers = {k: await sign_in(await make_user(id_session, u, Role.SCHOOL_IT_OFFICER, name=f"CNTT {k}"))
                for k, u in schools.items()}

    year = await make_school_year(client, phong_admin)
    due = utcnow() + timedelta(days=3)
    campaign = await make_campaign(client, phong_admin, school_year_id=year, due_at=due)
    targets = (await client.get(f"{API}/campaigns/{campaign['id']}/targets", headers=reviewer)).json()

    # every primary and lower-secondary school of the Phòng, and nothing else
    assert campaign["status"] == "published"
    assert {t["unit_code"] for t in targets["items"]} == {"T-HB", "T-LP", "T-LH"}

    # school 1: the IT officer drafts in two autosaves, cannot submit; the principal submits on time
    draft = await open_submission(client, officers["on_time"], campaign["id"])
    first = await save(client, officers["on_time"], draft, {"s1_result": "Đang soạn…", "s3_posts": 12})
    second = await save(client, officers["on_time"], first.json(), {**FULL_ANSWERS})
    by_officer = await submit(client, officers["on_time"], second.json())
    on_time = await submit(client, principals["on_time"], second.json())
    edit_after_submit = await save(client, officers["on_time"], on_time.json(), {"s3_posts": 60})

    assert first.status_code == 200 and first.json()["version"] == draft["version"] + 1
    assert second.json()["content"]["s3_posts"] == 52
    assert by_officer.status_code == 403 and by_officer.json()["code"] == "not_allowed"
    assert on_time.status_code == 200, on_time.text
    assert on_time.json()["status"] == "submitted" and on_time.json()["late_seconds"] == 0
    assert on_time.json()["late_text"] is None
    assert edit_after_submit.status_code == 409 and edit_after_submit.json()["code"] == "submission_state_conflict"

    # school 2: an incomplete submit is refused by section; completed after the deadline, it is flagged late
    late_draft = await open_submission(client, officers["late"], campaign["id"])
    partial = await save(client, officers["late"], late_draft, {"s1_result": "Có nội dung", "s3_posts": 41})
    incomplete = await submit(client, principals["late"], partial.json())
    completed = await save(client, officers["late"], partial.json(), FULL_ANSWERS)
    clock.now = due + timedelta(days=2, hours=3)
    late = await submit(client, principals["late"], completed.json())

    assert incomplete.status_code == 422 and incomplete.json()["code"] == "incomplete_submission"
    messages = [e["message"] for e in incomplete.json()["errors"]]
    assert any(m.startswith("Mục 3. Ứng dụng CNTT trong công tác thông tin: chưa trả lời") for m in messages)
    assert any(m.startswith("Mục 4a.") for m in messages)
    assert set(incomplete.json()["extra"]["sections"]) == {"1", "2", "3", "4", "4a", "4b", "4c"}
    assert late.status_code == 200
    assert late.json()["late_seconds"] == (2 * 24 + 3) * 3600
    assert late.json()["late_text"] == "nộp muộn 2 ngày 3 giờ"

    # school 3: submitted, returned with comments, revised, resubmitted and approved
    clock.now = due - timedelta(days=1)
    third = await open_submission(client, officers["returned"], campaign["id"])
    third = (await save(client, officers["returned"], third, FULL_ANSWERS)).json()
    third = (await submit(client, principals["returned"], third)).json()
    base = f"{API}/submissions/{third['id']}"
    started = await client.post(f"{base}/start-review", headers=reviewer)
    returned = await client.post(f"{base}/return", headers=reviewer, json={
        "reasons": {"general": "Bổ sung số liệu", "sections": {"3": "Thiếu đường dẫn minh chứng tin bài"},
                    "criteria": {"3.3": "Chưa đủ 40 tin bài"}},
        "resubmission_due_at": (due + timedelta(days=5)).isoformat()})
    school_view = (await client.get(base, headers=officers["returned"])).json()
    revised = await save(client, officers["returned"], school_view, {"s3_posts": 45})
    resubmitted = await submit(client, principals["returned"], revised.json())
    approve_too_early_by_school = await client.post(f"{base}/approve", headers=principals["returned"], json={})
    approved = await client.post(f"{base}/approve", headers=reviewer, json={"comment": "Đạt yêu cầu",
                                                                            "confirm_unit_name": third["unit_name"]})
    history = (await client.get(f"{base}/history", headers=reviewer)).json()["items"]
    versions = (await client.get(f"{base}/versions", headers=officers["returned"])).json()["items"]

    assert started.json()["status"] == "under_review"
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert school_view["return_reasons"]["sections"]["3"] == "Thiếu đường dẫn minh chứng tin bài"
    assert "edit" in school_view["allowed_actions"]
    assert resubmitted.json()["status"] == "resubmitted" and resubmitted.json()["submit_count"] == 2
    assert approve_too_early_by_school.status_code == 403
    assert approved.json()["status"] == "approved"
    assert [e["action"] for e in history] == ["created", "edited", "submitted", "review_started", "returned",
                                             "edited", "resubmitted", "approved"]
    assert history[2]["actor_name"] == "Hiệu trưởng returned"
    assert history[4]["actor_name"] == "Lê Thị Hà"
    assert history[4]["detail"]["reasons"]["criteria"]["3.3"] == "Chưa đủ 40 tin bài"
    assert all(e["at"].endswith("Z") for e in history)
    assert [v["number"] for v in versions] == [1, 2]
    assert versions[0]["content"]["s3_posts"] == 52 and versions[1]["content"]["s3_posts"] == 45
