"""Identity's audit trail: sign-ins, passwords, accounts and units leave one append-only record each, with the
request id; failed requests leave none (except a failed sign-in, which is the fact recorded); a Phòng admin reads
only its subtree; the CSV export is the list."""

from __future__ import annotations

import csv
import io
import json
import uuid
from datetime import UTC, datetime

import httpx
import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Role
from tests.identity.builders import PASSWORD, login, make_province, make_user

AUDIT = "/api/identity/audit"
LOGIN = "/api/identity/auth/login"


def _rid() -> dict[str, str]:
    return {"X-Request-ID": f"audit-{uuid.uuid4().hex[:16]}"}


async def _records(client: httpx.AsyncClient, headers: dict[str, str], **params: object) -> list[dict[str, object]]:
    response = await client.get(AUDIT, headers=headers, params={"limit": 500, **params})
    assert response.status_code == 200, response.text
    items: list[dict[str, object]] = response.json()["items"]
    return items


async def test_login_and_failed_logins_are_recorded_without_the_email(client: httpx.AsyncClient,
                                                                      session: AsyncSession) -> None:
    started = datetime.now(UTC).isoformat()
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.SYSTEM_ADMIN)
    user = await make_user(session, units["s11"], Role.PRINCIPAL, email="hieutruong.audit@vinhlong.edu.vn")
    ok_id, wrong_id, unknown_id = _rid(), _rid(), _rid()

    ok = await client.post(LOGIN, json={"email": user.email, "password": PASSWORD}, headers=ok_id)
    wrong = await client.post(LOGIN, json={"email": user.email, "password": "sai-mat-khau-9"}, headers=wrong_id)
    unknown = await client.post(LOGIN, json={"email": "khong-co.audit@vinhlong.edu.vn", "password": "sai-mat-khau-9"},
                                headers=unknown_id)
    assert (ok.status_code, wrong.status_code, unknown.status_code) == (200, 401, 401)

    records = await _records(client, await login(client, admin), occurred_from=started,
                             action=["auth.login", "auth.login_failed"])
    by_request = {r["request_id"]: r for r in records}
    assert by_request[ok_id["X-Request-ID"]]["action"] == "auth.login"
    assert by_request[ok_id["X-Request-ID"]]["actor_id"] == str(user.id)
    assert by_request[ok_id["X-Request-ID"]]["unit_id"] == str(units["s11"].id)
    assert by_request[wrong_id["X-Request-ID"]]["action"] == "auth.login_failed"
    assert by_request[wrong_id["X-Request-ID"]]["target_id"] == str(user.id)
    assert by_request[wrong_id["X-Request-ID"]]["actor_kind"] == "anonymous"
    assert by_request[unknown_id["X-Request-ID"]]["target_id"] is None
    assert sum(r["request_id"] in {ok_id["X-Request-ID"], wrong_id["X-Request-ID"], unknown_id["X-Request-ID"]}
               for r in records) == 3
    dumped = json.dumps(records)
    assert "audit@vinhlong.edu.vn" not in dumped and "sai-mat-khau-9" not in dumped and PASSWORD not in dumped


async def test_user_created_once_with_request_id_and_failed_create_leaves_nothing(client: httpx.AsyncClient,
                                                                               session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    created_id, invalid_id, taken_id = _rid(), _rid(), _rid()
    body = {"email": "gv.audit@vinhlong.edu.vn", "full_name": "Trần Thị Bình", "unit_id": str(units["s11"].id),
            "roles": ["school_it_officer"]}

    created = await client.post("/api/identity/users", json=body, headers={**headers, **created_id})
    invalid = await client.post("/api/identity/users", json={**body, "email": "khong-phai-email"},
                                headers={**headers, **invalid_id})
    taken = await client.post("/api/identity/users", json=body, headers={**headers, **taken_id})
    assert (created.status_code, invalid.status_code, taken.status_code) == (201, 422, 409)

    records = await _records(client, headers, action="user.created", unit_id=str(units["s11"].id))
    assert len(records) == 1
    record = records[0]
    assert record["request_id"] == created_id["X-Request-ID"] == created.headers["X-Request-ID"]
    assert record["actor_id"] == str(admin.id) and record["actor_roles"] == ["authority_admin"]
    assert record["actor_unit_id"] == str(units["p1"].id)
    assert record["target_type"] == "user" and record["target_id"] == created.json()["id"]
    assert record["changes"]["roles"] == {"before": None, "after": ["school_it_officer"]}  # type: ignore[index]
    assert "gv.audit" not in json.dumps(record) and "Bình" not in json.dumps(record)
    everything = await _records(client, headers, unit_id=str(units["s11"].id))
    assert not {invalid_id["X-Request-ID"], taken_id["X-Request-ID"]} & {r["request_id"] for r in everything}

    renamed = await client.patch(f"/api/identity/users/{created.json()['id']}", headers=headers,
                                 json={"full_name": "Trần Thị Bình An", "roles": ["principal"]})
    assert renamed.status_code == 200
    [change] = await _records(client, headers, action="user.updated", target_id=created.json()["id"])
    assert change["changes"] == {"roles": {"before": ["school_it_officer"], "after": ["principal"]},
                                 "personal_fields_changed": ["full_name"]}


async def test_password_change_is_recorded_without_any_password(client: httpx.AsyncClient,
                                                               session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s12"], Role.PRINCIPAL)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, user)

    refused = await client.post("/api/identity/me/password", headers=headers,
                                json={"current_password": "khong-dung-1", "new_password": "Song-Hau-chay-2025"})
    changed = await client.post("/api/identity/me/password", headers=headers,
                                json={"current_password": PASSWORD, "new_password": "Song-Hau-chay-2025"})
    assert (refused.status_code, changed.status_code) == (401, 204)

    records = await _records(client, await login(client, admin), action="auth.password_changed",
                             actor_id=str(user.id))
    assert len(records) == 1 and records[0]["request_id"] == changed.headers["X-Request-ID"]
    assert records[0]["changes"] is None
    assert "Song-Hau-chay-2025" not in json.dumps(records)


async def test_phong_admin_reads_only_its_subtree_and_schools_are_refused(client: httpx.AsyncClient,
                                                                         session: AsyncSession) -> None:
    units = await make_province(session)
    so_admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    p1_admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
    school = await make_user(session, units["s11"], Role.PRINCIPAL)
    so_headers = await login(client, so_admin)
    for unit in ("s11", "s21", "s0"):
        response = await client.post("/api/identity/users", headers=so_headers, json={
            "email": f"{unit}.scope@vinhlong.edu.vn", "full_name": "Lê Văn Cường", "unit_id": str(units[unit].id),
            "roles": ["principal"]})
        assert response.status_code == 201

    seen_by_so = await _records(client, so_headers, action="user.created", unit_id=str(units["so"].id))
    p1_headers = await login(client, p1_admin)
    seen_by_p1 = await _records(client, p1_headers, action="user.created")
    assert {r["unit_id"] for r in seen_by_so} == {str(units[u].id) for u in ("s11", "s21", "s0")}
    assert {r["unit_id"] for r in seen_by_p1} == {str(units["s11"].id)}
    assert await _records(client, p1_headers, action="user.created", unit_id=str(units["s21"].id)) == []

    assert (await client.get(AUDIT, headers=await login(client, school))).status_code == 403
    assert (await client.get(AUDIT)).status_code == 401
    assert (await client.get(f"{AUDIT}/export.csv", headers=await login(client, school))).status_code == 403


async def test_export_is_the_filtered_list_as_csv(client: httpx.AsyncClient, session: AsyncSession) -> None:
    units = await make_province(session)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    for n in range(3):
        assert (await client.patch(f"/api/identity/units/{units['s22'].id}", headers=headers,
                                   json={"name": f"Trường Mầm non Hoa Sen {n}"})).status_code == 200
    params = {"action": "unit.updated", "unit_id": str(units["p2"].id)}

    listed = await _records(client, headers, **params)
    exported = await client.get(f"{AUDIT}/export.csv", headers=headers, params=params)

    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    assert "attachment" in exported.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(exported.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Mã bản ghi", "Thời điểm (UTC)", "Mã yêu cầu"]
    assert [r[0] for r in rows[1:]] == [r["id"] for r in listed] and len(listed) == 3
    assert [json.loads(r[-1])["name"]["after"] for r in rows[1:]] == [f"Trường Mầm non Hoa Sen {n}" for n in (2, 1, 0)]


async def test_audit_log_refuses_update_and_delete(identity_app: object, client: httpx.AsyncClient,
                                                  session: AsyncSession) -> None:
    units = await make_province(session)
    await login(client, await make_user(session, units["s11"], Role.PRINCIPAL))
    engine = identity_app.state.engine  # type: ignore[attr-defined]
    for statement in ("UPDATE audit_log SET action = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(Exception, match="append-only"):
            async with engine.begin() as conn:
                await conn.execute(text(statement))
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT count(*) FROM audit_log WHERE action = 'x'"))).scalar_one() == 0


async def test_own_profile_change_records_which_fields_not_their_values(client: httpx.AsyncClient,
                                                                         session: AsyncSession) -> None:
    units = await make_province(session)
    user = await make_user(session, units["s21"], Role.SCHOOL_IT_OFFICER)
    admin = await make_user(session, units["p2"], Role.AUTHORITY_ADMIN)

    changed = await client.patch("/api/identity/me", headers=await login(client, user),
                                 json={"full_name": "Phạm Thị Duyên", "phone": "0912345678"})
    assert changed.status_code == 200, changed.text

    [record] = await _records(client, await login(client, admin), action="user.profile_updated",
                              target_id=str(user.id))
    assert record["changes"] == {"personal_fields_changed": ["full_name", "phone"]}
    assert record["actor_id"] == str(user.id) and record["request_id"] == changed.headers["X-Request-ID"]
    assert "0912345678" not in json.dumps(record) and "Duyên" not in json.dumps(record)
