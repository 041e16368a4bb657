"""The embedded run's demo province: merged in 2025, its Phòng archived by a real reorganisation, communes and
clusters, one account per role; seeding twice changes nothing."""

from __future__ import annotations

from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from identity.auth.passwords import Passwords
from identity.reorganisations.models import Reorganisation
from identity.seed import DEMO_PASSWORD, seed_demo

UNITS = "/api/identity/units"


async def _login(client: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await client.post("/api/identity/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def _all(client: httpx.AsyncClient, url: str, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = await client.get(url, params={"limit": 200, **params}, headers=headers)
    assert response.status_code == 200, response.text
    return list(response.json()["items"])


async def test_demo_province_as_it_stands_in_2026(client: httpx.AsyncClient, session: AsyncSession) -> None:
    passwords = Passwords(fast=True)
    accounts, ids = await seed_demo(session, passwords)
    await session.commit()
    again, same_ids = await seed_demo(session, passwords)
    await session.commit()
    reorganisations = (await session.execute(select(func.count()).select_from(Reorganisation))).scalar_one()

    assert same_ids == ids and [a.email for a in again] == [a.email for a in accounts]
    assert reorganisations == 2  # the archive and the merge, done once
    so = await _login(client, "cntt.so@vinhlong.edu.vn")
    today = await _all(client, UNITS, so)
    schools = [u for u in today if u["type"] in ("school", "center")]
    communes = [u for u in today if u["type"] == "commune"]
    assert 55 <= len(schools) <= 65 and len(communes) == 7
    assert all(len(c["code"]) == 5 for c in communes)
    assert {u["parent_id"] for u in schools} == {ids["SGD-VL"]}
    assert "PGD-LH" not in {u["code"] for u in today}
    hoa_binh = next(u for u in schools if u["code"] == "86703001")
    assert hoa_binh["commune"]["name"] == "UBND xã Long Phước"
    assert [c["name"] for c in hoa_binh["clusters"]] == ["Cụm 1 – Long Hồ"]
    clusters = (await client.get("/api/identity/clusters", headers=so)).json()
    grants = (await client.get("/api/identity/commune-grants", headers=so)).json()
    assert [(g["user_email"], g["rights"], g["in_force"]) for g in grants["items"]] == [
        ("vhxh.longchau@vinhlong.gov.vn", ["reminders", "review"], True)]  # seeded once, Long Phước's stays read-only
    assert next(a for a in accounts if a.email == "vhxh.longchau@vinhlong.gov.vn").granted
    assert sorted(c["name"] for c in clusters["items"]) == ["Cụm 1 – Long Hồ", "Cụm 2 – Mang Thít"]

    office = (await client.get(f"{UNITS}/{ids['PGD-LH']}", headers=so)).json()
    assert office["active"] is False and office["name"] == "Phòng Giáo dục và Đào tạo huyện Long Hồ"
    assert office["inactive_from"] == "2025-07-01"
    last_year = await _all(client, f"{UNITS}/{ids['PGD-LH']}/subtree", so, as_of="2025-06-30")
    assert {u["code"] for u in last_year} == {"PGD-LH", "86701001", "86701002", "86702001", "86702002",
                                              "86702003", "86703001", "86703002", "86704001"}
    # on the eve of the reform the Phòng was active; on the day itself it had stopped
    assert next(u for u in last_year if u["code"] == "PGD-LH")["active"] is True
    on_the_day = await _all(client, f"{UNITS}/{ids['PGD-LH']}/subtree", so, as_of="2025-07-01")
    assert [(u["code"], u["active"], u["inactive_from"]) for u in on_the_day] == [("PGD-LH", False, "2025-07-01")]
    ben_tre_then = await _all(client, f"{UNITS}/{ids['SGD-BT']}/subtree", so, as_of="2025-06-30")
    assert next(u for u in ben_tre_then if u["code"] == "SGD-BT")["active"] is True  # merged only on 1/7/2025
    assert next(u for u in last_year if u["code"] == "86703001")["commune"] is None  # no commune owned it yet
    before_merge = await _all(client, f"{UNITS}/{ids['SGD-VL']}/children", so, as_of="2025-06-30")
    assert "SGD-BT" not in {u["code"] for u in before_merge}
    merged = (await client.get(f"{UNITS}/{ids['SGD-BT']}", headers=so)).json()
    assert merged["merged_into_id"] == ids["SGD-VL"] and merged["name"] == "Sở Giáo dục và Đào tạo Bến Tre"
    for email in ("cntt.longho@vinhlong.edu.vn", "xem.longho@vinhlong.edu.vn"):
        refused = await client.post("/api/identity/auth/login", json={"email": email, "password": DEMO_PASSWORD})
        assert refused.status_code == 401

    official = await _login(client, "vhxh.longphuoc@vinhlong.gov.vn")
    own = await _all(client, UNITS, official, commune_id=ids["29275"])
    assert {"86703001", "86702001", "86704001"} <= {u["code"] for u in own}
    assert all(u["commune"]["id"] == ids["29275"] for u in own)
    refused_write = await client.patch(f"{UNITS}/{ids['86703001']}", json={"name": "Đổi tên"}, headers=official)
    assert refused_write.status_code == 403
