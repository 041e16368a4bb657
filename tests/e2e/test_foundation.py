"""What a new user sees after `make run`: the gateway on its port, demo logins, tree scope, bad tokens refused."""

from __future__ import annotations

import httpx
import pytest

from identity.seed import DEMO_ACCOUNTS, DEMO_COMMUNES, DEMO_PASSWORD, DEMO_UNITS, more_schools
from tests.e2e.conftest import RunningSystem, output_of
from tests.identity.sheets import UNIT_HEADER, XLSX_TYPE, xlsx
from tests.tokens import BAD_TOKEN_KINDS, forge

# A protected endpoint of each service, to prove it refuses bad tokens. A new service must add one here.
PROTECTED_ENDPOINT = {"identity": "/api/identity/me", "submissions": "/api/submissions/campaigns",
                      "evidence": "/api/evidence/files/00000000-0000-0000-0000-000000000000",
                      "scoring": "/api/scoring/rubrics",
                      "notifications": "/api/notifications/feed"}


def _demo_codes_today() -> set[str]:
    """The merged Sở's active units: itself, its communes, every school (the archived Phòng and the merged Sở are
    inactive)."""
    schools = {code for code, _n, unit_type, *_ in [*DEMO_UNITS, *more_schools()]
               if unit_type in ("school", "center")}
    return {"SGD-VL", *schools, *(code for code, _ in DEMO_COMMUNES)}


def test_banner_prints_gateway_url_and_every_demo_login(system: RunningSystem) -> None:
    text = output_of(system)

    assert f"{system.gateway}/" in text
    assert DEMO_PASSWORD in text
    for email, _name, role, _unit in DEMO_ACCOUNTS:
        assert email in text and role.value in text


def test_admin_login_returns_tokens_and_units_are_its_subtree(system: RunningSystem) -> None:
    login = system.sign_in("cntt.so@vinhlong.edu.vn", DEMO_PASSWORD)
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}

    units = httpx.get(f"{system.gateway}/api/identity/units", params={"limit": 500}, headers=headers)

    assert login.status_code == 200
    assert {"access_token", "refresh_token", "expires_in"} <= login.json().keys()
    assert units.status_code == 200
    assert {u["code"] for u in units.json()["items"]} >= _demo_codes_today()
    assert units.headers["x-request-id"]


def test_school_user_gets_404_on_another_school(system: RunningSystem) -> None:
    admin = system.login("cntt.so@vinhlong.edu.vn")
    principal = system.login("hieutruong.hoabinh@vinhlong.edu.vn")
    with system.client() as http:
        other_school = http.get("/api/identity/units", params={"code": "86702001"}, headers=admin).json()["items"][0]
        other_users = http.get("/api/identity/users", params={"unit_id": other_school["id"]}, headers=admin).json()
        other_principal = other_users["items"][0]

        unit = http.get(f"/api/identity/units/{other_school['id']}", headers=principal)
        users = http.get("/api/identity/users", params={"unit_id": other_school["id"]}, headers=principal)
        user = http.get(f"/api/identity/users/{other_principal['id']}", headers=principal)

    assert unit.status_code == 404 and unit.headers["content-type"] == "application/problem+json"
    assert users.status_code in (403, 404)
    assert user.status_code == 404


@pytest.mark.parametrize("kind", BAD_TOKEN_KINDS)
def test_every_service_rejects_bad_tokens(system: RunningSystem, kind: str) -> None:
    assert set(system.services) <= PROTECTED_ENDPOINT.keys(), "add a protected endpoint for the new service"
    good = system.login("cntt.so@vinhlong.edu.vn")["Authorization"].split(" ", 1)[1]
    private_pem = (system.var / "keys" / "identity-signing.pem").read_bytes()
    headers = {"Authorization": f"Bearer {forge(kind, good, private_pem)}"}

    for name, base in system.services.items():
        direct = httpx.get(f"{base}{PROTECTED_ENDPOINT[name]}", headers=headers)
        through_gateway = httpx.get(f"{system.gateway}{PROTECTED_ENDPOINT[name]}", headers=headers)
        accepted = httpx.get(f"{system.gateway}{PROTECTED_ENDPOINT[name]}",
                             headers={"Authorization": f"Bearer {good}"})

        assert direct.status_code == 401, (name, kind, direct.text)
        assert through_gateway.status_code == 401, (name, kind, through_gateway.text)
        assert through_gateway.json()["code"] == "unauthorized"
        assert accepted.status_code in (200, 404)  # accepted: the token passed, whatever the resource


def test_merged_openapi_and_docs(system: RunningSystem) -> None:
    spec = httpx.get(f"{system.gateway}/api/openapi.json")
    docs = httpx.get(f"{system.gateway}/api/docs")

    assert spec.status_code == 200
    assert "/api/identity/auth/login" in spec.json()["paths"]
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


def test_commune_official_lists_its_schools_read_only_through_the_gateway(system: RunningSystem) -> None:
    official = system.login("vhxh.longphuoc@vinhlong.gov.vn")
    with system.client() as http:
        me = http.get("/api/identity/me", headers=official).json()
        commune_id = me["unit_id"]
        own = http.get("/api/identity/units", params={"commune_id": commune_id}, headers=official)
        school = next(u for u in own.json()["items"] if u["code"] == "86703001")
        write = http.patch(f"/api/identity/units/{school['id']}", json={"name": "Đổi tên"}, headers=official)
        outside = http.get("/api/identity/units", params={"q": "cai nhum", "type": "school"}, headers=official)

    assert me["unit_type"] == "commune" and own.status_code == 200
    assert {"86703001", "86702001", "86704001"} <= {u["code"] for u in own.json()["items"]}
    assert write.status_code == 403
    assert outside.json()["items"] == []


def test_import_500_schools_under_the_so_through_the_gateway(system: RunningSystem) -> None:
    admin = system.login("cntt.so@vinhlong.edu.vn")
    with system.client() as http:
        phong = http.get("/api/identity/units", params={"code": "SGD-VL"}, headers=admin).json()["items"][0]
        rows = [UNIT_HEADER] + [
            [str(i), f"E2E{i:04d}", f"Trường Tiểu học Thử Nghiệm {i}", "Trường", "Tiểu học", "", "", "", ""]
            for i in range(1, 501)
        ]
        params = {"parent_id": phong["id"]}

        def post(content: bytes) -> httpx.Response:
            return http.post("/api/identity/units/import", params=params, headers=admin,
                             files={"file": ("danh-sach-truong.xlsx", content, XLSX_TYPE)})

        def count() -> int:
            return int(http.get(f"/api/identity/units/{phong['id']}/subtree", params={"limit": 1},
                                headers=admin).json()["total"])

        before = count()
        first = post(xlsx(rows))
        after_first = count()
        second = post(xlsx(rows))
        bad_rows = [row[:] for row in rows]
        bad_rows[57][4] = "Đại học"  # Excel row 58 (the header is row 1)
        bad_rows[1][2] = "Trường Tiểu học Đổi Tên"
        refused = post(xlsx(bad_rows))
        after_refused = http.get("/api/identity/units", params={"q": "E2E0001"}, headers=admin).json()["items"][0]
        after_all = count()

    assert first.status_code == 200, first.text
    assert first.json()["created"] == 500
    assert after_first == before + 500
    assert second.json()["created"] == 0 and second.json()["updated"] == 0 and second.json()["unchanged"] == 500
    assert refused.status_code == 422 and refused.json()["code"] == "import_rejected"
    assert [e["row"] for e in refused.json()["errors"]] == [58]
    assert after_refused["name"] == "Trường Tiểu học Thử Nghiệm 1"  # the valid change in that file was not written
    assert after_all == after_first
