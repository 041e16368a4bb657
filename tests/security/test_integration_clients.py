"""Issue 19: integration clients in the authorization matrix's world. Through the gateway on the real system: a
client of one Sở reads its own subtree only, a read-only client writes nothing, and a revoked client's token stops
working at every service within seconds."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningSystem
from tests.security.world import ROLE_ACCOUNTS, World, demo_units, login, unique
from tests.support import on_postgres

pytestmark = pytest.mark.skipif(on_postgres(), reason="runs once, on the SQLite pass (one system start)")

CLIENTS = "/api/identity/integration-clients"


async def _client_token(world: World, *, unit_key: str, role: str, scope: str = "read") -> dict[str, Any]:
    created = await world.ok("POST", CLIENTS, role=role, expect=201,
                             json={"name": f"Bảng điều khiển {unit_key}", "unit_id": world.units[unit_key],
                                   "scope": scope})
    token = await world.http.post("/api/identity/oauth/token", data={
        "grant_type": "client_credentials", "client_id": created["client_id"],
        "client_secret": created["client_secret"]})
    assert token.status_code == 200, token.text
    return {"id": created["id"], "headers": {"Authorization": f"Bearer {token.json()['access_token']}"}}


async def _small_world(http: httpx.AsyncClient) -> World:
    """The demo province's Sở and a second province's Sở, each with a published campaign and a submitted report."""
    roles = ("system_admin", "so_admin")
    tokens = await asyncio.gather(*(login(http, ROLE_ACCOUNTS[role]) for role in roles))
    world = World(http=http, units={}, headers={role: {"Authorization": f"Bearer {t['access_token']}"}
                                                for role, t in zip(roles, tokens, strict=True)})
    world.units = await demo_units(world)
    ct = await world.ok("POST", "/api/identity/units", expect=201, json={
        "code": unique("SGD-CT-"), "name": "Sở Giáo dục và Đào tạo Cần Thơ (kiểm thử)", "type": "department",
        "parent_id": None})
    world.units["CT"] = str(ct["id"])
    cts = await world.ok("POST", "/api/identity/units", expect=201, json={
        "code": unique("927")[:8], "name": "Trường THCS Cái Răng (kiểm thử)", "type": "school",
        "education_levels": ["thcs"], "parent_id": world.units["CT"]})
    world.units["CTS"] = str(cts["id"])
    years = await world.ok("GET", "/api/submissions/school-years")
    world.school_year_id = str(years["items"][0]["id"])
    rubrics = await world.ok("GET", "/api/scoring/rubrics")
    world.rubric_id = str(next(r["id"] for r in rubrics["items"]
                               if r["title"].startswith("Tiêu chuẩn đánh giá nhiệm vụ")))
    for issuer, school in (("SO", "THPT"), ("CT", "CTS")):
        world.campaigns[issuer] = await world.fresh_campaign(issuer, [school])
        world.submitted[school] = await world._open_filled(world.campaigns[issuer], school, submitted=True)
    return world


def test_a_client_of_one_so_reads_its_subtree_only_and_a_read_only_client_writes_nothing(
        system: RunningSystem) -> None:
    async def run() -> dict[str, int]:
        async with httpx.AsyncClient(base_url=system.gateway, timeout=60) as http:
            world = await _small_world(http)
            vinh_long = await _client_token(world, unit_key="SO", role="so_admin")
            can_tho = await _client_token(world, unit_key="CT", role="system_admin")
            so, ct = vinh_long["headers"], can_tho["headers"]
            own_campaign, other_campaign = world.campaigns["SO"], world.campaigns["CT"]
            own_report, other_report = world.submitted["THPT"]["id"], world.submitted["CTS"]["id"]
            calls = {
                "own campaign": http.get(f"/api/submissions/campaigns/{own_campaign}", headers=so),
                "own status": http.get(f"/api/submissions/campaigns/{own_campaign}/status", headers=so),
                "own report": http.get(f"/api/submissions/submissions/{own_report}", headers=so),
                "own evidence": http.get(f"/api/evidence/submissions/{own_report}/files", headers=so),
                "other campaign": http.get(f"/api/submissions/campaigns/{other_campaign}", headers=so),
                "other status": http.get(f"/api/submissions/campaigns/{other_campaign}/status", headers=so),
                "other report": http.get(f"/api/submissions/submissions/{other_report}", headers=so),
                "other evidence": http.get(f"/api/evidence/submissions/{other_report}/files", headers=so),
                "other unit": http.get(f"/api/identity/units/{world.units['CT']}", headers=so),
                "ct reads vinh long": http.get(f"/api/submissions/campaigns/{own_campaign}", headers=ct),
                "ct reads its own": http.get(f"/api/submissions/campaigns/{other_campaign}", headers=ct),
                "write: campaign": http.post("/api/submissions/campaigns", json={"title": "x"}, headers=so),
                "write: review": http.post(f"/api/submissions/submissions/{own_report}/start-review", json={},
                                           headers=so),
                "write: client": http.post(CLIENTS, json={"name": "x"}, headers=so),
                "write: feed": http.post("/api/notifications/feed/read-all", headers=so),
            }
            answers = dict(zip(calls, await asyncio.gather(*calls.values()), strict=True))
            listed = await http.get("/api/submissions/campaigns", headers=so, params={"limit": 500})
            assert listed.status_code == 200, listed.text
            ids = {c["id"] for c in listed.json()["items"]}
            assert own_campaign in ids and other_campaign not in ids
            # revoked: refused by every service within the revocation poll (a few seconds)
            await world.ok("POST", f"{CLIENTS}/{vinh_long['id']}/revoke", role="so_admin")
            for _attempt in range(60):
                after = await http.get(f"/api/submissions/campaigns/{own_campaign}", headers=so)
                if after.status_code == 401:
                    break
                await asyncio.sleep(0.5)
            return {name: r.status_code for name, r in answers.items()} | {"after revocation": after.status_code}

    seen = asyncio.run(run())
    assert seen == {
        "own campaign": 200, "own status": 200, "own report": 200, "own evidence": 200,
        "other campaign": 404, "other status": 404, "other report": 404, "other evidence": 404, "other unit": 404,
        "ct reads vinh long": 404, "ct reads its own": 200,
        "write: campaign": 403, "write: review": 403, "write: client": 403, "write: feed": 403,
        "after revocation": 401,
    }, seen
