"""The embedded run's last year before the reform, seeded through the gateway by the demo's people: Phòng GDĐT huyện
Long Hồ's 2024-2025 QĐ 4725 cycle for three of its schools, then the Phòng's archive (1/7/2025).

Identity seeds the Phòng still active, with its accounts (`identity.cli seed-demo --office-archived-later`). Its
admin issues the school-year 2024-2025 self-assessment from the QĐ 4725 preset of that year (dates that were real
then: due 31/5/2025); each school's principal self-assesses and submits; the Phòng's admin assesses, approves and
publishes the results, then closes the campaign (scripts/demo_assessment.py's cycle, with the Phòng as issuer). The
demo is seeded after those dates: as in the 2025-2026 cycle, each school has an extension so nothing reads as late.

Then the system admin archives the Phòng with a real `archive_office` reorganisation effective 1/7/2025, prepared
(the preview is checked: the Phòng's schools move to the Sở, its accounts stop) and confirmed through
`/api/identity/reorganisations`, so `unit.changed` reaches submissions and scoring as it would for a real one. The
script waits until identity has delivered those events before the rest of the demo is seeded: the Sở's campaigns
must see the schools where they are now. The closed campaign keeps its frozen paths; the Sở (above the Phòng)
reads it and its published results, each school's principal reads its own, and nobody can act on it.

Prints JSON: {"last_year_campaign_id": …, "title": …}. Running it again (the Phòng archived) does nothing.
"""

from __future__ import annotations

import json
import re
import time

import httpx
from demo_assessment import SeedFailed, login, main, ok, run_cycle

SYSTEM_ADMIN = "admin@edudx.vn"
OFFICE = "PGD-LH"
OFFICE_ADMIN = "cntt.longho@vinhlong.edu.vn"
SO = "SGD-VL"
# (school code, its principal): three of the Phòng's schools
SCHOOLS = [("86701001", "hieutruong.hoasen@vinhlong.edu.vn"), ("86702002", "hieutruong.hoaphu@vinhlong.edu.vn"),
           ("86702003", "hieutruong.phuduc@vinhlong.edu.vn")]
SCHOOL_YEAR = "2024-2025"
SCHOOL_YEAR_END = 2025
TITLE = f"Tự đánh giá mức độ chuyển đổi số năm học {SCHOOL_YEAR}"
REFORM = "2025-07-01"
# identity's events must reach these before the Sở's campaigns are seeded
RECEIVERS = ("submissions", "scoring")
EVENTS_WITHIN = 120.0


def seed(gateway: str, identity: str) -> dict[str, str]:
    with httpx.Client(base_url=gateway, timeout=60) as http:
        admin = login(identity, SYSTEM_ADMIN)
        office = ok(http.get("/api/identity/units/lookup", params={"code": OFFICE}, headers=admin))
        if not office["active"]:
            found = ok(http.get("/api/submissions/campaigns", params={"q": TITLE}, headers=admin))["items"]
            return {"last_year_campaign_id": found[0]["id"] if found else "", "title": TITLE}
        cid, title = run_cycle(http, identity, admin_email=OFFICE_ADMIN, reviewer_email=OFFICE_ADMIN,
                               issuer_code=OFFICE, schools=SCHOOLS, school_year=SCHOOL_YEAR,
                               school_year_end=SCHOOL_YEAR_END,
                               instructions="Trường tự đánh giá theo bộ chỉ số, tải minh chứng và nộp; Phòng GDĐT "
                                            "đánh giá ngoài.")
        archive(http, admin, office)
    wait_delivered(identity)
    return {"last_year_campaign_id": cid, "title": title}


def archive(http: httpx.Client, admin: dict[str, str], office: dict[str, object]) -> None:
    """The Phòng's archive as a person does it: prepared, its preview read, confirmed."""
    so = ok(http.get("/api/identity/units/lookup", params={"code": SO}, headers=admin))
    prepared = ok(http.post("/api/identity/reorganisations", headers=admin, json={
        "kind": "archive_office", "unit_id": office["id"], "effective_date": REFORM,
        "note": "NĐ 142/2025/NĐ-CP: không tổ chức cấp huyện từ 1/7/2025"}), 201)
    preview = prepared["preview"]
    moved_to = {move["new_parent"]["id"] for move in preview["moves"] if move["new_parent"]}
    stopped = {change["email"] for change in preview["access_changes"] if change["change"] == "deactivated"}
    if moved_to != {so["id"]} or OFFICE_ADMIN not in stopped:
        raise SeedFailed(f"unexpected preview of the archive: {json.dumps(preview, ensure_ascii=False)[:1000]}")
    ok(http.post(f"/api/identity/reorganisations/{prepared['id']}/confirm", headers=admin))


def wait_delivered(identity: str) -> None:
    """Until identity's outbox holds nothing for submissions and scoring (its metrics, read at scrape time)."""
    pattern = re.compile(r'^edudx_outbox_pending_messages\{([^}]*)\} (\S+)$', re.MULTILINE)
    deadline = time.monotonic() + EVENTS_WITHIN
    while True:
        text = ok_text(httpx.get(f"{identity}/metrics", timeout=30))
        pending: dict[str, float] = {}
        for labels, value in pattern.findall(text):
            named = dict(re.findall(r'(\w+)="([^"]*)"', labels))
            if named.get("service") == "identity":
                pending[named.get("receiver", "")] = float(value)
        if all(pending.get(receiver, 0.0) == 0.0 for receiver in RECEIVERS):
            return
        if time.monotonic() > deadline:
            raise SeedFailed(f"identity's events not delivered within {EVENTS_WITHIN:.0f} s: {pending}")
        time.sleep(0.5)


def ok_text(response: httpx.Response) -> str:
    if response.status_code != 200:
        raise SeedFailed(f"GET {response.request.url.path}: {response.status_code}")
    return response.text


if __name__ == "__main__":
    main(seed, __doc__)
