"""The data the authorization matrix runs against, built through the gateway as real users would build it.

The demo province of the embedded run (2026: no Phòng tier, schools under the Sở and a commune) gives the seeded
accounts. On top of it, as a system admin would build it through the API: two authorities under the Sở ("LH" and
"MT", of the legacy Phòng type only a system admin may still create) with schools moved under them by confirmed
reorganisations, so scope rules are checked one level deeper than the Sở; their admin and viewer accounts, activated
by invitation; a second province (out of everybody's scope but the system admin's); and, in each, the campaigns,
submissions, evidence, rubrics, outlines, calendar feeds and users the matrix points at. Resources are filed by the
*unit key* they belong to, so a cell "sub-authority admin × out of scope" finds the Cái Nhum school's submission.
"""

from __future__ import annotations

import asyncio
import itertools
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import httpx

from edudx_common.db import utcnow
from submissions.outlines.seed import SEED_004_DEFINITION
from tests.evidence.samples import pdf_bytes
from tests.submissions.builders import FULL_ANSWERS

DEMO_PASSWORD = "EduDX@2025"

# role → seeded demo e-mail (identity's seed); the unit each belongs to is read from its token
ROLE_ACCOUNTS: dict[str, str] = {
    "system_admin": "admin@edudx.vn",
    "so_admin": "cntt.so@vinhlong.edu.vn",
    "so_reviewer": "thamdinh.so@vinhlong.edu.vn",
    # UBND xã Long Phước's official: owns (administratively) the HB and LP schools, follows them read-only
    "commune_viewer": "vhxh.longphuoc@vinhlong.gov.vn",
    "principal": "hieutruong.hoabinh@vinhlong.edu.vn",
    "it_officer": "cntt.hoabinh@vinhlong.edu.vn",
}
# role → (unit key, identity role) of the accounts made by invitation in the authority "LH" built here
INVITED_ROLES: dict[str, tuple[str, str]] = {
    "phong_admin": ("LH", "authority_admin"),
    "viewer": ("LH", "viewer"),
}
# the refresh and logout cells end sessions: they get sessions of a demo account no cell acts as
SPARE_ACCOUNT = "vhxh.longchau@vinhlong.gov.vn"

# unit key → demo unit code; LH and MT (authorities under the Sở), CT and CTS (a second province) are made here
UNIT_CODES: dict[str, str] = {
    "SO": "SGD-VL", "CM": "29275", "HB": "86703001", "LP": "86702001", "CN": "86712001", "THPT": "86720001",
}
# the authorities built under the Sở and the demo schools moved under each (HB and LP are commune CM's schools)
SUB_AUTHORITIES: dict[str, tuple[str, ...]] = {"LH": ("HB", "LP"), "MT": ("CN",)}
SCHOOL_KEYS = ("HB", "LP", "CN", "CTS")
# which authority issues the campaign a school reports in
ISSUER_OF: dict[str, str] = {"HB": "LH", "LP": "LH", "CN": "MT", "CTS": "CT", "THPT": "SO"}
# where a fresh unit beside `key` goes (a commune has no units below it: its fresh units go under its Sở)
PARENT_OF: dict[str, str] = {"HB": "LH", "LP": "LH", "CN": "MT", "CTS": "CT", "THPT": "SO", "CM": "SO"}
# the school each authority's campaign targets
TARGET_OF: dict[str, str] = {"SO": "THPT", "LH": "HB", "MT": "CN", "CT": "CTS"}

_counter = itertools.count(1)


def unique_pdf() -> bytes:
    """Evidence with the same bytes is the same evidence (the service returns the existing item): vary them."""
    return pdf_bytes(f"Kế hoạch ứng dụng CNTT {unique('')}")


def unique(prefix: str) -> str:
    return f"{prefix}{next(_counter):04d}{uuid.uuid4().hex[:4]}"


@dataclass
class World:
    http: httpx.AsyncClient
    headers: dict[str, dict[str, str]]  # role → Authorization header
    units: dict[str, str]  # unit key → id
    school_year_id: str = ""
    rubric_id: str = ""  # the seed-004 rubric every campaign here scores against
    campaigns: dict[str, str] = field(default_factory=dict)  # issuer key → published campaign
    submissions: dict[str, dict[str, Any]] = field(default_factory=dict)  # school key → submission (a draft)
    submitted: dict[str, dict[str, Any]] = field(default_factory=dict)  # school key → a submitted one
    evidence: dict[str, str] = field(default_factory=dict)  # school key → evidence file id
    users: dict[str, str] = field(default_factory=dict)  # unit key → a plain user of that unit
    role_users: dict[str, str] = field(default_factory=dict)  # role → its own user id
    rubrics: dict[str, str] = field(default_factory=dict)  # unit key → rubric it maintains
    outlines: dict[str, str] = field(default_factory=dict)  # unit key → outline it maintains
    feeds: dict[str, str] = field(default_factory=dict)  # role → a calendar feed of that user
    feed_tokens: dict[str, str] = field(default_factory=dict)  # role → that feed's secret token
    feed_items: dict[str, str] = field(default_factory=dict)  # role → an in-app feed item of that user
    refresh_tokens: list[str] = field(default_factory=list)
    delivery_id: str = ""  # an e-mail delivery that does not exist: only admins get as far as looking it up

    @property
    def admin(self) -> dict[str, str]:
        return self.headers["system_admin"]

    async def ok(self, method: str, url: str, *, role: str = "system_admin", expect: int | tuple[int, ...] = 200,
                 **kwargs: Any) -> Any:
        response = await self.http.request(method, url, headers={**self.headers[role], **kwargs.pop("headers", {})},
                                           **kwargs)
        expected = expect if isinstance(expect, tuple) else (expect,)
        assert response.status_code in expected, f"{method} {url} → {response.status_code} {response.text}"
        return response.json() if response.content and "json" in response.headers.get("content-type", "") else None

    # --- factories: fresh resources for cells whose call would change or destroy what it points at ---

    async def fresh_unit(self, parent_key: str) -> str:
        code = unique("9")[:8]
        created = await self.ok("POST", "/api/identity/units", expect=201, json={
            "code": code, "name": f"Trường kiểm thử phân quyền {code}", "type": "school",
            "education_levels": ["thcs"], "parent_id": self.units[parent_key]})
        return str(created["id"])

    async def fresh_unit_under(self, key: str) -> str:
        """A new school beside a school, or below an authority: something a destructive call may consume."""
        return await self.fresh_unit(PARENT_OF.get(key, key))

    def target_school_of(self, key: str) -> str:
        """The school a campaign of `key` targets (a school key stands for itself)."""
        return self.units[TARGET_OF.get(key, key)]

    async def fresh_campaign_for(self, key: str) -> str:
        school = TARGET_OF.get(key, key)
        return await self.fresh_campaign(ISSUER_OF[school], [school])

    def campaign_of(self, key: str) -> str:
        return self.campaigns[key] if key in self.campaigns else self.campaigns[ISSUER_OF[key]]

    async def fresh_upload(self, school_key: str) -> str:
        """A direct upload whose bytes have reached the S3 server: only `complete` is left to do."""
        content = unique_pdf()
        created = await self.ok("POST", "/api/evidence/uploads", expect=201, json={
            "submission_id": self.submissions[school_key]["id"], "size": len(content), "file_name": "ke-hoach.pdf",
            "content_type": "application/pdf"})
        async with httpx.AsyncClient(timeout=30) as s3:
            sent = await s3.put(created["url"], content=content, headers=created.get("headers") or {})
        assert sent.status_code == 200, sent.text
        return str(created["upload_id"])

    async def fresh_refresh_token(self) -> str:
        """One of the spare sessions' refresh tokens (logins are rate-limited: no new ones per cell)."""
        return self.refresh_tokens.pop()

    async def fresh_campaign(self, issuer_key: str, school_keys: list[str], *, publish: bool = True) -> str:
        now = utcnow()
        created = await self.ok("POST", "/api/submissions/campaigns", expect=201, json={
            "title": f"Đợt kiểm thử phân quyền {unique('')}", "kind": "year_end_report",
            "school_year_id": self.school_year_id, "issuer_unit_id": self.units[issuer_key],
            "opens_at": (now - timedelta(days=1)).isoformat(), "due_at": (now + timedelta(days=20)).isoformat(),
            "outline": SEED_004_DEFINITION, "rubric_id": self.rubric_id,
            "targets": {"unit_ids": [self.units[k] for k in school_keys]}})
        if publish:
            await self.ok("POST", f"/api/submissions/campaigns/{created['id']}/publish")
        return str(created["id"])

    async def fresh_submission(self, school_key: str, *, submitted: bool = False) -> dict[str, Any]:
        """A draft with every answer filled (or submitted), in a campaign of its own."""
        campaign_id = await self.fresh_campaign(ISSUER_OF[school_key], [school_key])
        return await self._open_filled(campaign_id, school_key, submitted=submitted)

    async def _open_filled(self, campaign_id: str, school_key: str, *, submitted: bool = False) -> dict[str, Any]:
        draft = await self.ok("POST", f"/api/submissions/campaigns/{campaign_id}/submissions",
                              params={"unit_id": self.units[school_key]})
        saved = await self.ok("PATCH", f"/api/submissions/submissions/{draft['id']}", json={"values": FULL_ANSWERS},
                              headers={"If-Match": f'"{draft["version"]}"'})
        if submitted:
            # The rubric's every criterion needs a self-score before a submit; 0 needs no evidence.
            rubric = await self.ok("GET", f"/api/scoring/rubrics/{self.rubric_id}")
            codes = [c["code"] for g in rubric["definition"]["groups"] for c in g["criteria"]]
            await self.ok("PATCH", f"/api/scoring/submissions/{draft['id']}/self-scores",
                          json={"scores": [{"criterion_code": code, "points": 0} for code in codes]})
            saved = await self.ok("POST", f"/api/submissions/submissions/{draft['id']}/submit", json={},
                                  headers={"If-Match": f'"{saved["version"]}"'})
        return dict(saved)

    async def fresh_evidence(self, school_key: str) -> str:
        submission_id = self.submissions[school_key]["id"]
        created = await self.ok("POST", "/api/evidence/files", expect=(200, 201),
                                data={"submission_id": submission_id, "title": "Kế hoạch ứng dụng CNTT",
                                      "criterion_codes": "1.1"},
                                files={"file": ("ke-hoach.pdf", unique_pdf(), "application/pdf")})
        return str(created["id"])

    async def fresh_calendar_feed(self, role: str) -> tuple[str, str]:
        created = await self.ok("POST", "/api/notifications/calendar-feeds", role=role, expect=201,
                                json={"scope": "user", "name": "Lịch hạn nộp"})
        token = str(created["url"]).rsplit("/", 1)[-1].removesuffix(".ics")
        return str(created["id"]), token


SPARE_SESSIONS = 4  # the refresh and logout rows, each called with and without a bearer token


async def login(http: httpx.AsyncClient, email: str) -> dict[str, str]:
    response = await http.post("/api/identity/auth/login", json={"email": email, "password": DEMO_PASSWORD})
    assert response.status_code == 200, response.text
    return dict(response.json())


async def invited_account(world: World, unit_key: str, mail_log: Callable[[], str], *,
                          role: str = "authority_admin",
                          before_login: Callable[[str], Awaitable[None]] | None = None) -> dict[str, str]:
    """An account of `unit_key` with `role`, activated through the invitation the embedded run writes to its log
    (no SMTP server there): what it takes to act in a unit no seeded account belongs to. `before_login` (given the
    user's id) runs once the account is active, before its token is issued (e.g. a grant the token carries)."""
    email = f"{unique('taikhoan')}@kiemthu.edu.vn"
    made = await world.ok("POST", "/api/identity/users", expect=201, json={
        "email": email, "full_name": "Tài khoản kiểm thử", "unit_id": world.units[unit_key],
        "roles": [role], "send_invite": True})
    link = re.compile(re.escape(email) + r".*?token=([A-Za-z0-9_\-]+)|token=([A-Za-z0-9_\-]+).*?" + re.escape(email))
    for _attempt in range(100):
        found = [m.group(1) or m.group(2) for line in mail_log().splitlines() if (m := link.search(line))]
        if found:
            break
        await asyncio.sleep(0.2)
    else:
        raise AssertionError(f"no invitation for {email} in the log")
    password = f"Kiem-thu-{uuid.uuid4().hex[:8]}!"
    await world.ok("POST", "/api/identity/auth/password-reset/confirm", expect=204,
                   json={"token": found[-1], "new_password": password})
    if before_login is not None:
        await before_login(str(made["id"]))
    response = await world.http.post("/api/identity/auth/login", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


async def demo_units(world: World) -> dict[str, str]:
    """unit key → id of the demo units, looked up by code: a listing's first page no longer holds them all once an
    earlier test of the run has made hundreds of units."""
    found = await asyncio.gather(*(world.ok("GET", "/api/identity/units/lookup", params={"code": code})
                                   for code in UNIT_CODES.values()))
    return {key: str(unit["id"]) for key, unit in zip(UNIT_CODES, found, strict=True)}


async def reorganise(world: World, **change: Any) -> None:
    """Prepare a reorganisation and confirm it, as a system admin does in the SPA."""
    prepared = await world.ok("POST", "/api/identity/reorganisations", expect=201, json=change)
    confirmed = await world.ok("POST", f"/api/identity/reorganisations/{prepared['id']}/confirm")
    assert confirmed["status"] == "confirmed", confirmed


async def build_sub_authorities(world: World) -> None:
    """Two authorities under the Sở, each with demo schools moved under it by a confirmed `move_unit`."""
    for key, schools in SUB_AUTHORITIES.items():
        code = unique(f"KT-{key}-")
        created = await world.ok("POST", "/api/identity/units", expect=201, json={
            "code": code, "name": f"Đơn vị quản lý kiểm thử {code}", "type": "district_office",
            "parent_id": world.units["SO"]})
        world.units[key] = str(created["id"])
        for school in schools:
            await reorganise(world, kind="move_unit", unit_id=world.units[school], new_parent_id=world.units[key],
                             note="Kiểm thử phân quyền: đơn vị quản lý cấp dưới Sở")


async def build_world(http: httpx.AsyncClient, *, mail_log: Callable[[], str]) -> World:
    logins = await asyncio.gather(*(login(http, email) for email in ROLE_ACCOUNTS.values()))
    # Sessions of their own for the refresh and logout cells: a logout ends its session's access tokens at once
    # (revoked sessions), so the sessions whose tokens every other cell uses are never handed out.
    spare = await asyncio.gather(*(login(http, SPARE_ACCOUNT) for _ in range(SPARE_SESSIONS)))
    world = World(http=http, units={}, headers={
        role: {"Authorization": f"Bearer {tokens['access_token']}"} for role, tokens in zip(ROLE_ACCOUNTS, logins,
                                                                                           strict=True)},
                  refresh_tokens=[tokens["refresh_token"] for tokens in spare])
    world.units = await demo_units(world)
    await build_sub_authorities(world)
    for role, (key, identity_role) in INVITED_ROLES.items():
        world.headers[role] = await invited_account(world, key, mail_log, role=identity_role)

    async def grant_review(user_id: str) -> None:
        await world.ok("POST", "/api/identity/commune-grants", role="so_admin", expect=201, json={
            "user_id": user_id, "rights": ["review"], "note": "Kiểm thử phân quyền: Sở giao thẩm định cho xã"})

    # an official of commune CM to whom the Sở granted `review` (issue 20): its token carries the grant
    world.headers["commune_viewer_granted"] = await invited_account(world, "CM", mail_log, role="viewer",
                                                                    before_login=grant_review)
    # the second province: a Sở and one school, nobody's business but the system admin's
    ct = await world.ok("POST", "/api/identity/units", expect=201, json={
        "code": unique("SGD-CT-"), "name": "Sở Giáo dục và Đào tạo Cần Thơ (kiểm thử)", "type": "department",
        "parent_id": None})
    world.units["CT"] = str(ct["id"])
    cts = await world.ok("POST", "/api/identity/units", expect=201, json={
        "code": unique("927")[:8], "name": "Trường THCS Cái Răng (kiểm thử)", "type": "school",
        "education_levels": ["thcs"], "parent_id": world.units["CT"]})
    world.units["CTS"] = str(cts["id"])

    for role in world.headers:
        me = await world.ok("GET", "/api/identity/me", role=role)
        world.role_users[role] = str(me["id"])
    for key in ("SO", "LH", "MT", "CM", "HB", "LP", "CN", "CT", "CTS"):
        created = await world.ok("POST", "/api/identity/users", expect=201, json={
            "email": f"{unique('nguoidung')}@kiemthu.edu.vn", "full_name": "Người dùng kiểm thử",
            "unit_id": world.units[key], "roles": ["viewer"], "send_invite": False})
        world.users[key] = str(created["id"])

    years = await world.ok("GET", "/api/submissions/school-years")
    world.school_year_id = str(years["items"][0]["id"])
    rubrics = await world.ok("GET", "/api/scoring/rubrics")
    world.rubric_id = str(next(r["id"] for r in rubrics["items"]
                               if r["title"].startswith("Tiêu chuẩn đánh giá nhiệm vụ")))
    for key in ("SO", "LH"):
        owner = "so_admin" if key == "SO" else "phong_admin"
        rubric = await world.ok("POST", "/api/scoring/rubrics", role=owner, expect=201, json=RUBRIC_BODY)
        world.rubrics[key] = str(rubric["id"])
        outline = await world.ok("POST", "/api/submissions/outlines", role=owner, expect=201,
                                 json={"name": f"Đề cương {key}", "definition": SEED_004_DEFINITION})
        world.outlines[key] = str(outline["id"])
    # rubrics outside each seeded account's scope: an authority beside LH, a Sở of another province
    for key in ("MT", "CT"):
        admin = await invited_account(world, key, mail_log)
        created = await http.post("/api/scoring/rubrics", headers=admin, json=RUBRIC_BODY)
        assert created.status_code == 201, created.text
        world.rubrics[key] = str(created.json()["id"])

    for issuer, schools in {"SO": ["THPT"], "LH": ["HB"], "MT": ["CN"], "CT": ["CTS"]}.items():
        world.campaigns[issuer] = await world.fresh_campaign(issuer, schools)
    # LP reports in a campaign of its own, so the HB school's "out of scope" campaign is one it is not in
    world.campaigns["LP"] = await world.fresh_campaign("LH", ["LP"])
    for school in SCHOOL_KEYS:
        campaign = world.campaigns[school if school == "LP" else ISSUER_OF[school]]
        world.submissions[school] = await world._open_filled(campaign, school)
    for school in SCHOOL_KEYS:
        world.evidence[school] = await world.fresh_evidence(school)
        world.submitted[school] = await world.fresh_submission(school, submitted=True)
    for role in world.headers:
        world.feeds[role], world.feed_tokens[role] = await world.fresh_calendar_feed(role)
    # the school's staff hear of the campaigns published above through events: wait until they have
    for _attempt in range(60):
        for role in world.headers:
            feed = await world.ok("GET", "/api/notifications/feed", role=role)
            items = feed["items"]
            if items:
                world.feed_items[role] = str(items[0]["id"])
        if {"principal", "it_officer"} <= world.feed_items.keys():
            break
        await asyncio.sleep(1)
    world.delivery_id = str(uuid.uuid4())  # see PASSED_AUTHORIZATION in matrix.py
    return world


RUBRIC_BODY: dict[str, Any] = {
    "title": "Bộ tiêu chí kiểm thử phân quyền",
    "groups": [{"code": "1", "title": "Dạy học", "max_points": 10, "criteria": [
        {"code": "1.1", "text": "Bài giảng điện tử", "max_points": 10}]}],
    "max_total": 10,
    "bands": [{"label": "Chưa đạt", "max": 5, "max_inclusive": False}, {"label": "Đạt", "min": 5}],
}
