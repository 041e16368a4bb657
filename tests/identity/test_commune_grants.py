"""Rights a Sở grants a commune official (issue 20: "the Sở can grant more"): who may grant, one grant in force per
official, commune and Sở, revoking (kept, sessions ended), the audit trail and the token claim."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import httpx
import jwt
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from edudx_common.auth import Role
from edudx_common.tables.audit import AuditRecord
from identity.auth.models import RefreshToken
from identity.grants.models import CommuneGrant
from identity.units.models import Unit, UnitType
from tests.identity.builders import PASSWORD, login, make_unit, make_user

GRANTS = "/api/identity/commune-grants"


async def _province(session: AsyncSession) -> dict[str, Unit]:
    so = await make_unit(session, type=UnitType.DEPARTMENT, name="Sở GDĐT Vĩnh Long", code="SO-VL")
    other_so = await make_unit(session, type=UnitType.DEPARTMENT, name="Sở GDĐT Bến Tre", code="SO-BT")
    phuong = await make_unit(session, parent=so, type=UnitType.COMMUNE, name="UBND Phường 1", code="29227")
    school = await make_unit(session, parent=so, name="Trường THCS Phường 1", code="T-P1")
    school.commune_id = phuong.id
    session.add(school)
    await session.commit()
    return {"so": so, "other_so": other_so, "phuong": phuong, "school": school}


async def _claims(client: httpx.AsyncClient, email: str) -> dict[str, object]:
    response = await client.post("/api/identity/auth/login", json={"email": email, "password": PASSWORD})
    assert response.status_code == 200, response.text
    return jwt.decode(response.json()["access_token"], options={"verify_signature": False})


async def test_the_so_admin_grants_review_and_the_token_carries_it(client: httpx.AsyncClient,
                                                                   session: AsyncSession) -> None:
    units = await _province(session)
    official = await make_user(session, units["phuong"], Role.VIEWER, name="Lê Thị Xã")
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    assert "commune_grants" not in await _claims(client, official.email)

    created = await client.post(GRANTS, headers=headers, json={
        "user_id": str(official.id), "rights": ["review", "reminders"], "note": "Công văn 123/SGDĐT"})
    assert created.status_code == 201, created.text
    body = created.json()
    assert body["commune_id"] == str(units["phuong"].id) and body["issuer_unit_id"] == str(units["so"].id)
    assert body["rights"] == ["reminders", "review"] and body["in_force"] is True
    assert body["user_name"] == "Lê Thị Xã" and body["issuer_name"] == "Sở GDĐT Vĩnh Long"

    claims = await _claims(client, official.email)
    assert claims["commune_grants"] == [{"commune": units["phuong"].id.hex, "issuer": units["so"].id.hex,
                                         "rights": ["reminders", "review"], "until": None}]

    record = (await session.execute(select(AuditRecord).where(
        AuditRecord.action == "commune_grant.granted", AuditRecord.target_id == body["id"]))).scalars().one()
    assert record.unit_id == units["so"].id and record.changes is not None

    listed = await client.get(GRANTS, headers=headers, params={"commune_id": str(units["phuong"].id)})
    assert listed.status_code == 200
    page = listed.json()
    assert {"items", "total", "limit", "offset", "next"} <= page.keys() and page["total"] == 1
    official_view = await client.get(GRANTS, headers=await login(client, official))
    assert official_view.json()["total"] == 1


async def test_only_the_so_that_holds_the_communes_schools_may_grant(client: httpx.AsyncClient,
                                                                     session: AsyncSession) -> None:
    units = await _province(session)
    official = await make_user(session, units["phuong"], Role.VIEWER)
    reviewer = await make_user(session, units["so"], Role.REVIEWER)
    other_admin = await make_user(session, units["other_so"], Role.AUTHORITY_ADMIN)
    school_user = await make_user(session, units["school"], Role.PRINCIPAL)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    body = {"user_id": str(official.id), "rights": ["review"]}

    refused = await client.post(GRANTS, headers=await login(client, reviewer), json=body)
    assert refused.status_code == 403
    elsewhere = await client.post(GRANTS, headers=await login(client, other_admin), json=body)
    assert elsewhere.status_code == 422 and elsewhere.json()["code"] == "invalid_commune_grant"
    not_commune = await client.post(GRANTS, headers=await login(client, admin),
                                    json={"user_id": str(school_user.id), "rights": ["review"]})
    assert not_commune.status_code == 422 and not_commune.json()["code"] == "invalid_commune_grant"
    bad_dates = await client.post(GRANTS, headers=await login(client, admin), json={
        **body, "valid_from": "2026-12-10", "valid_to": "2026-12-01"})
    assert bad_dates.status_code == 422
    assert (await session.execute(select(CommuneGrant))).scalars().first() is None


async def test_one_grant_in_force_per_official_and_so_update_instead(client: httpx.AsyncClient,
                                                                     session: AsyncSession) -> None:
    units = await _province(session)
    official = await make_user(session, units["phuong"], Role.VIEWER)
    headers = await login(client, await make_user(session, units["so"], Role.AUTHORITY_ADMIN))
    first = await client.post(GRANTS, headers=headers, json={"user_id": str(official.id), "rights": ["reminders"]})
    assert first.status_code == 201
    again = await client.post(GRANTS, headers=headers, json={"user_id": str(official.id), "rights": ["review"]})
    assert again.status_code == 409 and again.json()["code"] == "commune_grant_overlaps"

    until = date.today() + timedelta(days=30)
    updated = await client.patch(f"{GRANTS}/{first.json()['id']}", headers=headers,
                                 json={"rights": ["reminders", "review"], "valid_to": until.isoformat()})
    assert updated.status_code == 200, updated.text
    assert updated.json()["rights"] == ["reminders", "review"] and updated.json()["valid_to"] == until.isoformat()
    claims = await _claims(client, official.email)
    assert claims["commune_grants"][0]["until"] is not None  # type: ignore[index]


async def test_revoking_keeps_the_row_ends_the_sessions_and_the_claim(client: httpx.AsyncClient,
                                                                     session: AsyncSession) -> None:
    units = await _province(session)
    official = await make_user(session, units["phuong"], Role.VIEWER)
    admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    headers = await login(client, admin)
    grant = (await client.post(GRANTS, headers=headers,
                               json={"user_id": str(official.id), "rights": ["review"]})).json()
    signed_in = await client.post("/api/identity/auth/login", json={"email": official.email, "password": PASSWORD})
    refresh_token = signed_in.json()["refresh_token"]

    revoked = await client.delete(f"{GRANTS}/{grant['id']}", headers=headers)
    assert revoked.status_code == 200, revoked.text
    assert revoked.json()["revoked_at"] is not None and revoked.json()["in_force"] is False
    assert revoked.json()["revoked_by"] == str(admin.id)

    # The session that carried the grant is over: its refresh token no longer works, and its id is in the revoked
    # sessions every service polls (so the access token is refused there; tests/scoring shows it end to end).
    assert (await client.post("/api/identity/auth/refresh", json={"refresh_token": refresh_token})).status_code == 401
    sid = uuid.UUID(jwt.decode(signed_in.json()["access_token"], options={"verify_signature": False})["sid"])
    family = (await session.execute(select(RefreshToken).where(RefreshToken.family_id == sid))).scalars().all()
    assert family and all(token.revoked_at is not None for token in family)
    assert "commune_grants" not in await _claims(client, official.email)

    rows = (await session.execute(select(CommuneGrant))).scalars().all()
    assert len(rows) == 1 and rows[0].revoked_at is not None
    actions = (await session.execute(select(AuditRecord.action).where(
        col(AuditRecord.action).startswith("commune_grant."),
        AuditRecord.target_id == grant["id"]))).scalars().all()
    assert sorted(actions) == ["commune_grant.granted", "commune_grant.revoked"]
    assert (await client.delete(f"{GRANTS}/{grant['id']}", headers=headers)).status_code == 404
    # Revoked, a new grant may be given.
    regranted = await client.post(GRANTS, headers=headers, json={"user_id": str(official.id), "rights": ["review"]})
    assert regranted.status_code == 201
    listed = await client.get(GRANTS, headers=headers, params={"include_revoked": "true"})
    assert listed.json()["total"] == 2
