"""The submit waits for the self-scores the rubric requires: the submissions service asks scoring over REST
(service token) and refuses with the list; the school's checklist shows the same list; a save of several
criteria names every criterion at fault, not only the first."""

from __future__ import annotations

import httpx

from tests.scoring.conftest import Stack, World
from tests.scoring.test_rubric_rules import SEED_004_MAXIMA
from tests.scoring.test_year_end_scoring import API, REQUIRED, full_marks, prepare
from tests.submissions.builders import FULL_ANSWERS, save, submit

SUBMISSIONS = "/api/submissions/submissions"


async def test_submit_is_refused_while_criteria_are_not_self_scored(stack: Stack, world: World) -> None:
    submission = await prepare(stack, world, "s11")
    officer, principal = world.users["s11_officer"], world.users["s11_principal"]
    scored_first = [m for m in full_marks() if m["criterion_code"] in ("1.1", "1.2", "1.3", "2.1")]
    async with (httpx.AsyncClient(base_url=stack.url("submissions")) as sub,
                httpx.AsyncClient(base_url=stack.url("scoring")) as scoring):
        partial = await scoring.patch(f"{API}/submissions/{submission['id']}/self-scores", headers=officer,
                                      json={"scores": scored_first})
        current = (await sub.get(f"{SUBMISSIONS}/{submission['id']}", headers=officer)).json()
        answered = await save(sub, officer, current, FULL_ANSWERS)
        checklist = await sub.get(f"{SUBMISSIONS}/{submission['id']}/checklist", headers=principal)
        refused = await submit(sub, principal, answered.json())
        still_draft = (await sub.get(f"{SUBMISSIONS}/{submission['id']}", headers=principal)).json()
        rest = await scoring.patch(f"{API}/submissions/{submission['id']}/self-scores", headers=officer,
                                   json={"scores": [m for m in full_marks() if m not in scored_first]})
        ready = (await sub.get(f"{SUBMISSIONS}/{submission['id']}/checklist", headers=principal)).json()
        submitted = await submit(sub, principal, answered.json())

    unscored = [code for code in SEED_004_MAXIMA if code not in ("1.1", "1.2", "1.3", "2.1")]
    assert partial.status_code == 200 and answered.status_code == 200
    assert checklist.status_code == 200, checklist.text
    body = checklist.json()
    assert (body["ready"], body["criteria_count"], body["scored_count"]) == (False, 21, 4)
    assert [i["criterion_code"] for i in body["items"]] == unscored
    assert {i["kind"] for i in body["items"]} == {"score"}
    assert body["items"][0]["message"] == "Nhóm 1: chưa tự chấm tiêu chí 1.4"
    assert (refused.status_code, refused.json()["code"]) == (422, "incomplete_submission")
    assert refused.json()["extra"]["criteria"] == unscored and refused.json()["extra"]["score"] == 17
    assert {e["field"] for e in refused.json()["errors"]} == {f"self_scores.{code}" for code in unscored}
    assert "17 tiêu chí chưa tự chấm" in refused.json()["detail"]
    assert still_draft["status"] == "draft" and still_draft["submit_count"] == 0
    assert rest.status_code == 200, rest.text
    assert ready["ready"] is True and ready["items"] == [] and ready["scored_count"] == 21
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"


async def test_a_score_that_lost_its_evidence_is_on_the_checklist(stack: Stack, world: World) -> None:
    submission = await prepare(stack, world, "s12")
    officer = world.users["s12_officer"]
    async with (httpx.AsyncClient(base_url=stack.url("evidence")) as ev,
                httpx.AsyncClient(base_url=stack.url("scoring")) as scoring,
                httpx.AsyncClient(base_url=stack.url("submissions")) as sub):
        assert (await scoring.patch(f"{API}/submissions/{submission['id']}/self-scores", headers=officer,
                                    json={"scores": full_marks()})).status_code == 200
        items = (await ev.get(f"/api/evidence/submissions/{submission['id']}/files", headers=officer)).json()
        for item in items["items"]:
            assert (await ev.delete(f"/api/evidence/files/{item['id']}", headers=officer)).status_code in (200, 204)
        completeness = await scoring.get(f"{API}/submissions/{submission['id']}/self-scores/completeness",
                                         headers=officer)
        checklist = (await sub.get(f"{SUBMISSIONS}/{submission['id']}/checklist", headers=officer)).json()

    assert completeness.status_code == 200, completeness.text
    missing = completeness.json()["missing"]
    assert [m["code"] for m in missing] == REQUIRED and {m["kind"] for m in missing} == {"evidence"}
    assert completeness.json()["scored_count"] == 21 and completeness.json()["complete"] is False
    assert {i["kind"] for i in checklist["items"]} == {"answer", "evidence"}


async def test_a_refused_save_names_every_criterion_at_fault(stack: Stack, world: World) -> None:
    async with httpx.AsyncClient(base_url=stack.url("submissions")) as sub:
        submission = (await sub.post(f"/api/submissions/campaigns/{world.campaign['id']}/submissions",
                                     headers=world.users["s21_officer"])).json()
    async with httpx.AsyncClient(base_url=stack.url("scoring")) as scoring:
        refused = await scoring.patch(f"{API}/submissions/{submission['id']}/self-scores",
                                      headers=world.users["s21_officer"], json={"scores": [
                                          {"criterion_code": "1.1", "points": 3},  # fine
                                          {"criterion_code": "1.2", "points": 5},  # needs evidence
                                          {"criterion_code": "1.3", "points": 2.8},  # off the step
                                          {"criterion_code": "2.2", "points": 5}]})  # needs evidence
        sheet = (await scoring.get(f"{API}/submissions/{submission['id']}/scores",
                                   headers=world.users["s21_officer"])).json()

    assert (refused.status_code, refused.json()["code"]) == (422, "invalid_scores")
    errors = refused.json()["errors"]
    assert [e["field"] for e in errors] == ["scores[1]", "scores[2]", "scores[3]"]
    assert [code in e["message"] for e, code in zip(errors, ["1.2", "1.3", "2.2"], strict=True)] == [True] * 3
    assert "3 tiêu chí chưa lưu được" in refused.json()["detail"]
    assert sheet["scored_count"] == 0  # nothing written, not even the good one
