"""Identity publishes every change other services' copies depend on (`user.changed`, `unit.changed`) through its
outbox, in the transaction that makes it, whatever path made it — the API or code writing the tables — and
nothing for what no copy holds (signing in, passwords)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

import identity.models
from edudx_common.auth import Role
from edudx_common.migrations import service_metadata
from edudx_common.tables.outbox import OutboxMessage
from identity.config import Settings
from identity.main import create_app
from tests.identity.builders import login, make_province, make_user
from tests.support import empty_tables, free_port


@pytest.fixture
async def publishing_app(identity_settings: Settings) -> AsyncIterator[Any]:
    """Identity telling a notifications service that is not running: the events wait in the outbox."""
    settings = identity_settings.model_copy(
        update={"event_receivers": {"notifications": f"http://127.0.0.1:{free_port()}"}})
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        yield app
        await empty_tables(app.state.engine, service_metadata(identity.models))


async def _changes(app: Any) -> list[tuple[str, dict[str, Any]]]:
    async with app.state.session_factory() as session:
        rows = (await session.execute(select(OutboxMessage).where(OutboxMessage.receiver == "notifications")
                                      .order_by(OutboxMessage.created_at))).scalars().all()
    return [(r.event_type, r.payload) for r in rows]


async def test_account_and_unit_changes_are_published_and_sign_ins_are_not(publishing_app: Any) -> None:
    async with publishing_app.state.session_factory() as session:
        units = await make_province(session)
        admin = await make_user(session, units["p1"], Role.AUTHORITY_ADMIN)
        teacher = await make_user(session, units["s11"], Role.SCHOOL_IT_OFFICER)
    created = await _changes(publishing_app)
    transport = httpx.ASGITransport(app=publishing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
        headers = await login(client, admin)
        await client.post("/api/identity/auth/login", json={"email": admin.email, "password": "sai-mat-khau"})
        after_sign_ins = await _changes(publishing_app)
        moved = await client.patch(f"/api/identity/users/{teacher.id}", headers=headers,
                                   json={"unit_id": str(units["s12"].id)})
        renamed = await client.patch(f"/api/identity/units/{units['s12'].id}", headers=headers,
                                     json={"email": "vanthu.s12@vinhlong.edu.vn"})
        promoted = await client.post("/api/identity/users", headers=headers, json={
            "email": "hieutruong.moi@vinhlong.edu.vn", "full_name": "Hiệu Trưởng Mới",
            "unit_id": str(units["s11"].id), "roles": ["principal"], "send_invite": False})
    later = (await _changes(publishing_app))[len(after_sign_ins):]

    assert {t for t, _ in created} == {"unit.changed", "user.changed"}
    assert {uuid.UUID(p["unit_id"]) for t, p in created if t == "unit.changed"} == {u.id for u in units.values()}
    assert after_sign_ins == created  # signing in (and failing to) changes nothing another service copies
    assert moved.status_code == renamed.status_code == 200 and promoted.status_code == 201
    user_events = [p for t, p in later if t == "user.changed"]
    assert {"user_id": str(teacher.id), "unit_ids": sorted([str(units["s11"].id), str(units["s12"].id)]),
            } == {k: user_events[0][k] for k in ("user_id", "unit_ids")}
    assert [p["unit_id"] for t, p in later if t == "unit.changed"] == [str(units["s12"].id)]
    assert any(p["user_id"] == promoted.json()["id"] and p["unit_ids"] == [str(units["s11"].id)]
               for p in user_events[1:])
    positions = [p["position"] for _, p in later]
    assert positions == sorted(positions) and all(p > 0 for p in positions)


async def test_a_move_tells_the_former_path_and_a_commune_change_both_communes(publishing_app: Any) -> None:
    async with publishing_app.state.session_factory() as session:
        units = await make_province(session)
        admin = await make_user(session, units["so"], Role.AUTHORITY_ADMIN)
    transport = httpx.ASGITransport(app=publishing_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://identity") as client:
        headers = await login(client, admin)
        commune = await client.post("/api/identity/units", headers=headers, json={
            "code": "29227", "name": "UBND Phường 1", "type": "commune", "parent_id": str(units["so"].id)})
        linked = await client.patch(f"/api/identity/units/{units['s11'].id}", headers=headers,
                                    json={"commune_id": commune.json()["id"]})
        before = len(await _changes(publishing_app))
        archive = await client.post("/api/identity/reorganisations", headers=headers,
                                    json={"kind": "archive_office", "unit_id": str(units["p1"].id)})
        assert len(await _changes(publishing_app)) == before  # a preview tells nobody anything
        confirmed = await client.post(f"/api/identity/reorganisations/{archive.json()['id']}/confirm",
                                      headers=headers)
    events = {p["unit_id"]: p for t, p in (await _changes(publishing_app))[before:] if t == "unit.changed"}

    assert linked.status_code == 200 and confirmed.status_code == 200
    school = events[str(units["s11"].id)]
    assert school["former_path"] == units["s11"].path
    assert school["path"] == f"{units['so'].path}{units['s11'].id.hex}/"
    assert school["commune_id"] == commune.json()["id"]
    assert events[str(units["p1"].id)]["former_path"] is None  # archived where it was: stopped, not moved
