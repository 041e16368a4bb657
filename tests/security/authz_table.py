"""THE authorization table: for every operation of the merged OpenAPI, who may call it on what.

One row per operation: `Rule(target, expect, request)`.

`target` says what the subject columns point at (a unit, a campaign, a submission …; see `SUBJECT_UNITS`).
`expect` holds 9 groups of 3 characters — one group per role in `ROLES` order, one character per subject
(own unit, a unit in scope, a unit out of scope) — and one last character for an anonymous caller:

    a  allowed: the call passed authorization (2xx, or a state/validation answer such as 409/412/422, or a
       wrong password / client secret refused with the operation's own code)
    1  401      3  403      4  404 (hidden: "not found in your scope")
    -  no such cell (e.g. a school has no unit below it; operations on "me" have no other subject)

`commune_viewer_granted` is an official of commune CM to whom the Sở granted `review` (issue 20): its "in" cells
(the HB school, in a campaign of an authority under that Sở) answer as a reviewer's on the review acts, the
reviewer's board, scores and evidence; writes a school makes stay refused (403: the report is no secret to it).

To add an operation: add a row here (the meta-check names any operation that has none).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

ROLES = ("system_admin", "so_admin", "so_reviewer", "phong_admin", "viewer", "commune_viewer",
         "commune_viewer_granted", "principal", "it_officer")
SUBJECTS = ("own", "in", "out")

# role → subject → (unit key for authority-level targets, unit key for school-level targets)
SUBJECT_UNITS: dict[str, dict[str, tuple[str | None, str | None]]] = {
    **{role: {"own": ("SO", None), "in": ("LH", "HB"), "out": ("CT", "CTS")}
       for role in ("system_admin", "so_admin", "so_reviewer")},
    # an authority built under the Sở (LH, above HB and LP); MT beside it holds CN
    **{role: {"own": ("LH", None), "in": ("HB", "HB"), "out": ("MT", "CN")} for role in ("phong_admin", "viewer")},
    # UBND xã Long Phước (CM) owns HB and LP administratively, not CN; it issues nothing and keeps no rubric
    # its colleague to whom the Sở granted `review` (issue 20) points at the same units
    **{role: {"own": ("CM", None), "in": ("HB", "HB"), "out": ("MT", "CN")}
       for role in ("commune_viewer", "commune_viewer_granted")},
    **{role: {"own": ("HB", "HB"), "in": (None, None), "out": ("LP", "LP")} for role in ("principal", "it_officer")},
}
# targets whose subject is a school's resource; the others are an authority's (or any unit's)
SCHOOL_TARGETS = {"school", "submission", "submitted", "evidence", "upload"}
# targets that belong to a person: own = the caller's, out = another user's
PERSONAL_TARGETS = {"calendar_feed", "calendar_token", "feed_item"}

Request = dict[str, Any]  # path params and httpx keyword arguments (json, data, files, params, headers)
RequestBuilder = Callable[[Any, str, str], Awaitable[Request]]  # (world, ref, role) → request


@dataclass(frozen=True)
class Rule:
    target: str
    expect: str
    request: RequestBuilder | None = None


def expected_of_rule_is_consistent(rule: Rule) -> bool:
    """9 groups of 3 outcome characters and one for anonymous callers, nothing else."""
    groups = rule.expect.split()
    return (len(groups) == len(ROLES) + 1 and all(len(g) == len(SUBJECTS) for g in groups[:-1])
            and len(groups[-1]) == 1 and set(rule.expect) <= set("a134- "))


# --- request builders: the body each operation needs to pass validation, so only authorization decides ---

async def _bulk_action(world: Any, ref: str, role: str) -> Request:
    """A scheduled bulk action of the system admin's: only the person who scheduled it sees it."""
    created = await world.ok("POST", f"/api/submissions/campaigns/{world.campaigns['SO']}/bulk-actions", expect=202,
                             json={"kind": "remind", "unit_ids": [world.units["THPT"]]})
    return {"action_id": created["id"]}


_REVIEWER = {"id": "00000000-0000-0000-0000-0000000000aa", "name": "Người thẩm định"}
_SOME_UNIT = "00000000-0000-0000-0000-0000000000bb"


def body(**fields: Any) -> RequestBuilder:
    async def build(world: Any, ref: str, role: str) -> Request:
        return {"json": fields}
    return build


def call(fn: Callable[[Any, str, str], Awaitable[Request]]) -> RequestBuilder:
    return fn


async def _fresh_unit(world: Any, ref: str, role: str) -> Request:
    return {"unit_id": await world.fresh_unit_under(ref)}


async def _merge(world: Any, ref: str, role: str) -> Request:
    unit_id = await world.fresh_unit_under(ref)
    into = await world.fresh_unit_under(ref)
    return {"unit_id": unit_id, "json": {"into_unit_id": into}}


async def _move(world: Any, ref: str, role: str) -> Request:
    return {"unit_id": await world.fresh_unit_under(ref), "json": {"new_parent_id": world.units[ref]}}


async def _create_unit(world: Any, ref: str, role: str) -> Request:
    from tests.security.world import unique
    code = unique("8")[:8]
    return {"json": {"code": code, "name": f"Trường mới {code}", "type": "school", "education_levels": ["thcs"],
                     "parent_id": world.units[ref]}}


async def _create_user(world: Any, ref: str, role: str) -> Request:
    from tests.security.world import unique
    return {"json": {"email": f"{unique('moi')}@kiemthu.edu.vn", "full_name": "Người dùng mới",
                     "unit_id": world.units[ref], "roles": ["viewer"], "send_invite": False}}


async def _create_campaign(world: Any, ref: str, role: str) -> Request:
    from datetime import timedelta

    from edudx_common.db import utcnow
    from submissions.outlines.seed import SEED_004_DEFINITION
    now = utcnow()
    return {"json": {"title": "Đợt báo cáo mới", "kind": "year_end_report", "school_year_id": world.school_year_id,
                     "issuer_unit_id": world.units[ref], "opens_at": (now - timedelta(days=1)).isoformat(),
                     "due_at": (now + timedelta(days=10)).isoformat(), "outline": SEED_004_DEFINITION}}


async def _fresh_campaign(world: Any, ref: str, role: str) -> Request:
    return {"campaign_id": await world.fresh_campaign_for(ref)}


async def _fresh_campaign_target(world: Any, ref: str, role: str) -> Request:
    return {"campaign_id": await world.fresh_campaign_for(ref), "unit_id": world.target_school_of(ref)}


async def _target(world: Any, ref: str, role: str) -> Request:
    return {"unit_id": world.target_school_of(ref)}


async def _extension(world: Any, ref: str, role: str) -> Request:
    return {"unit_id": world.target_school_of(ref), "json": {"due_at": None, "reason": "Gia hạn kiểm thử"}}


async def _add_target(world: Any, ref: str, role: str) -> Request:
    return {"json": {"unit_id": world.target_school_of(ref)}}


async def _open_submission(world: Any, ref: str, role: str) -> Request:
    # a campaign of its own: opening an existing draft is reading it (reviewers and viewers may), opening a
    # new one is preparing it (they may not) — a shared campaign would make the answer depend on cell order
    return {"campaign_id": await world.fresh_campaign_for(ref), "params": {"unit_id": world.target_school_of(ref)}}


async def _save_draft(world: Any, ref: str, role: str) -> Request:
    from tests.submissions.builders import FULL_ANSWERS
    # a stale version: an allowed caller is told 412, a refused one never gets that far
    return {"json": {"values": FULL_ANSWERS}, "headers": {"If-Match": '"1"'}}


async def _submit(world: Any, ref: str, role: str) -> Request:
    return {"json": {}, "headers": {"If-Match": '"1"'}}


async def _version(world: Any, ref: str, role: str) -> Request:
    return {"number": "1"}


async def _fresh_draft(world: Any, ref: str, role: str) -> Request:
    return {"submission_id": (await world.fresh_submission(ref))["id"]}


async def _fresh_evidence(world: Any, ref: str, role: str) -> Request:
    return {"item_id": await world.fresh_evidence(ref)}


async def _upload_file(world: Any, ref: str, role: str) -> Request:
    from tests.security.world import unique_pdf
    return {"data": {"submission_id": world.submissions[ref]["id"], "title": "Minh chứng"},
            "files": {"file": ("minh-chung.pdf", unique_pdf(), "application/pdf")}}


async def _signed_report(world: Any, ref: str, role: str) -> Request:
    from tests.security.world import unique_pdf
    return {"files": {"file": ("bao-cao-da-ky.pdf", unique_pdf(), "application/pdf")}}


async def _create_link(world: Any, ref: str, role: str) -> Request:
    return {"json": {"submission_id": world.submissions[ref]["id"], "title": "Cổng thông tin",
                     "url": "https://thcshoabinh.edu.vn/tin-tuc"}}


async def _create_upload(world: Any, ref: str, role: str) -> Request:
    return {"json": {"submission_id": world.submissions[ref]["id"], "size": 1000, "file_name": "ke-hoach.pdf",
                     "content_type": "application/pdf"}}


async def _fresh_upload(world: Any, ref: str, role: str) -> Request:
    return {"upload_id": await world.fresh_upload(ref)}


async def _login(world: Any, ref: str, role: str) -> Request:
    from tests.security.world import DEMO_PASSWORD, ROLE_ACCOUNTS
    return {"json": {"email": ROLE_ACCOUNTS["principal"], "password": DEMO_PASSWORD}}


async def _refresh(world: Any, ref: str, role: str) -> Request:
    return {"json": {"refresh_token": await world.fresh_refresh_token()}}


async def _import_file(world: Any, ref: str, role: str) -> Request:
    return {"files": {"file": ("danh-sach.xlsx", b"not a workbook", "application/vnd.openxmlformats-officedocument"
                                                                     ".spreadsheetml.sheet")},
            "params": {"dry_run": "true"}}


async def _import_units(world: Any, ref: str, role: str) -> Request:
    return {**await _import_file(world, ref, role), "params": {"dry_run": "true", "parent_id": world.units[ref]}}


async def _event(world: Any, ref: str, role: str) -> Request:
    import uuid

    from edudx_common.db import utcnow
    return {"json": {"id": str(uuid.uuid4()), "type": "authz.check", "occurred_at": utcnow().isoformat(),
                     "payload": {}}}


async def _event_batch(world: Any, ref: str, role: str) -> Request:
    return {"json": {"events": [(await _event(world, ref, role))["json"]]}}


async def _rubric(world: Any, ref: str, role: str) -> Request:
    from tests.security.world import RUBRIC_BODY
    return {"json": RUBRIC_BODY}


async def _outline(world: Any, ref: str, role: str) -> Request:
    from submissions.outlines.seed import SEED_004_DEFINITION
    return {"json": {"name": "Đề cương mới", "definition": SEED_004_DEFINITION}}


async def _fresh_feed(world: Any, ref: str, role: str) -> Request:
    feed_id, _token = await world.fresh_calendar_feed(ref)
    return {"feed_id": feed_id}


async def _fresh_results_campaign(world: Any, ref: str, role: str) -> Request:
    return {"campaign_id": await world.fresh_campaign_for(ref)}


async def _calendar_feed(world: Any, ref: str, role: str) -> Request:
    return {"json": {"scope": "unit", "unit_id": world.units[ref], "name": "Lịch đơn vị"}}


SCORES = {"scores": [{"criterion_code": "1.1", "points": 1}]}


async def _integration_token(world: Any) -> Request:
    return {"data": {"grant_type": "client_credentials", "client_id": "edx_khongtontai", "client_secret": "sai"}}


async def _integration_client(world: Any, ref: str, role: str) -> Request:
    return {"json": {"name": "Bảng điều khiển kiểm thử", "unit_id": world.units[ref]}}


async def _fresh_integration_client(world: Any, ref: str, role: str) -> Request:
    created = await world.ok("POST", "/api/identity/integration-clients", expect=201,
                             json={"name": "Ứng dụng kiểm thử", "unit_id": world.units[ref]})
    return {"client_pk": created["id"]}


# A global address literal, accepted without a DNS look-up; the factory pauses each webhook at once, so nothing is
# ever sent there. The create cell sends a private address: refused (422) only after the caller's rights passed.
WEBHOOK_URL = "https://1.1.1.1/edudx-kiem-thu"


async def _webhook(world: Any, ref: str, role: str) -> Request:
    return {"json": {"url": "https://10.0.0.1/edudx", "event_types": ["campaign.closed"],
                     "unit_id": world.units[ref]}}


async def _fresh_webhook(world: Any, ref: str, role: str) -> Request:
    created = await world.ok("POST", "/api/notifications/webhooks", expect=201,
                             json={"url": WEBHOOK_URL, "event_types": ["campaign.closed"],
                                   "unit_id": world.units[ref]})
    await world.ok("PATCH", f"/api/notifications/webhooks/{created['id']}", json={"enabled": False})
    return {"subscription_id": created["id"]}


async def _fresh_webhook_change(world: Any, ref: str, role: str) -> Request:
    return {**await _fresh_webhook(world, ref, role), "json": {"enabled": False}}


async def _fresh_webhook_delivery(world: Any, ref: str, role: str) -> Request:
    return {**await _fresh_webhook(world, ref, role), "delivery_id": world.delivery_id}


# SYS SOA SOR PHA VIE COM PRI ITO ANON — own/in/out each
# COM, the commune official (UBND xã, administrative owner of HB and LP, not on their professional path): reads the
# unit tree of its schools, their campaigns, status and submissions (the submissions service's commune rule) and
# published results; every write and review action is refused (403, or 404 where the service finds the resource
# only on the professional path); evidence files, working (unpublished) results, score sheets and reminder
# policies are not part of that following: 404 like any unit out of scope.
TABLE: dict[str, Rule] = {}

# public operations that do not look at the caller, tried once with a token and once without (logins and
# password resets are rate-limited per address: one cell per role would trip the limit)
PUBLIC_ONCE = "a-- --- --- --- --- --- --- --- --- a"
# only an authority admin of the unit or above: reviewers and viewers 403 before any look-up, schools 403
ADMINS_OF_UNIT = "aaa aa4 333 aa4 333 333 333 3-3 3-3 1"
TABLE.update({
    # --- identity ---
    "GET /api/identity/.well-known/jwks.json": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- a"),
    "POST /api/identity/auth/login": Rule("none", PUBLIC_ONCE, _login),
    "POST /api/identity/auth/logout": Rule("none", PUBLIC_ONCE, _refresh),
    "POST /api/identity/auth/password-reset": Rule("none", PUBLIC_ONCE, body(email="khongton.tai@kiemthu.edu.vn")),
    "POST /api/identity/auth/password-reset/confirm":
        Rule("none", PUBLIC_ONCE, body(token="khong-hop-le", new_password="Mat-khau-moi-2025!")),
    "POST /api/identity/auth/refresh": Rule("none", PUBLIC_ONCE, _refresh),
    "POST /api/identity/auth/token": Rule("none", PUBLIC_ONCE, call(lambda w, r, role: _service_token(w))),
    # for services only (F13): every user, a system admin too, is 403
    "GET /api/identity/auth/revoked-sessions": Rule("none", "3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 1"),
    "GET /api/identity/me": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "PATCH /api/identity/me": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1", body(phone=None)),
    "POST /api/identity/me/password":
        Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1",
             body(current_password="sai-mat-khau", new_password="Mat-khau-moi-2025!")),
    "GET /api/identity/units": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/identity/units": Rule("unit", "aaa aa4 333 aa4 333 333 333 3-3 3-3 1", _create_unit),
    "POST /api/identity/units/import": Rule("unit", "aaa aaa 333 aaa 333 333 333 3-3 3-3 1", _import_units),
    "GET /api/identity/units/import/template": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1"),
    "GET /api/identity/units/{unit_id}": Rule("unit", "aaa aa4 aa4 aa4 aa4 aa4 aa4 a-4 a-4 1"),
    "PATCH /api/identity/units/{unit_id}": Rule("unit", "aaa aa4 333 aa4 333 333 333 3-3 3-3 1", body(phone=None)),
    "GET /api/identity/units/{unit_id}/ancestors": Rule("unit", "aaa aa4 aa4 aa4 aa4 aa4 aa4 a-4 a-4 1"),
    "GET /api/identity/units/{unit_id}/children": Rule("unit", "aaa aa4 aa4 aa4 aa4 aa4 aa4 a-4 a-4 1"),
    "POST /api/identity/units/{unit_id}/deactivate": Rule("unit", "aaa aa4 333 aa4 333 333 333 3-3 3-3 1", _fresh_unit),
    "GET /api/identity/units/{unit_id}/history": Rule("unit", "aaa aa4 aa4 aa4 aa4 aa4 aa4 a-4 a-4 1"),
    "POST /api/identity/units/{unit_id}/merge": Rule("unit", "aaa aa4 333 aa4 333 333 333 3-3 3-3 1", _merge),
    "POST /api/identity/units/{unit_id}/move": Rule("unit", "aaa aa4 333 aa4 333 333 333 3-3 3-3 1", _move),
    "POST /api/identity/units/{unit_id}/reactivate": Rule("unit", "aaa 3a4 333 3a4 333 333 333 3-3 3-3 1"),
    "GET /api/identity/units/{unit_id}/subtree": Rule("unit", "aaa aa4 aa4 aa4 aa4 aa4 aa4 a-4 a-4 1"),
    # integration clients: authority admins of the unit or above (F19)
    "GET /api/identity/integration-clients": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1"),
    "POST /api/identity/integration-clients": Rule("unit", ADMINS_OF_UNIT, _integration_client),
    "GET /api/identity/integration-clients/{client_pk}": Rule("unit", ADMINS_OF_UNIT, _fresh_integration_client),
    "POST /api/identity/integration-clients/{client_pk}/revoke":
        Rule("unit", ADMINS_OF_UNIT, _fresh_integration_client),
    "POST /api/identity/oauth/token": Rule("none", PUBLIC_ONCE, call(lambda w, r, role: _integration_token(w))),
    "GET /api/identity/users": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/identity/users": Rule("unit", "aaa aa4 333 aa4 333 333 333 3-3 3-3 1", _create_user),
    "POST /api/identity/users/import": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1", _import_file),
    "GET /api/identity/users/import/template": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1"),
    "GET /api/identity/users/{user_id}": Rule("user", "aaa aa4 aa4 aa4 a44 a44 a44 a-4 a-4 1"),
    "PATCH /api/identity/users/{user_id}": Rule("user", "aaa aa4 333 aa4 333 333 333 3-3 3-3 1", body(phone=None)),
    # --- submissions ---
    "GET /api/submissions/campaigns": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/submissions/campaigns": Rule("unit", "aaa aa3 333 aa3 333 333 333 3-3 3-3 1", _create_campaign),
    "GET /api/submissions/campaigns/{campaign_id}": Rule("campaign", "aaa aa4 aa4 aa4 aa4 -a4 -a4 a-4 a-4 1"),
    # a mirror's bulk read: whoever sees the campaign, its submissions in the caller's subtree (F19)
    "GET /api/submissions/campaigns/{campaign_id}/submissions":
        Rule("campaign", "aaa aa4 aa4 aa4 aa4 -a4 -a4 a-4 a-4 1"),
    # the campaigns the matrix points at are published: allowed callers get 409 (only a draft is deleted)
    "DELETE /api/submissions/campaigns/{campaign_id}": Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1"),
    "PATCH /api/submissions/campaigns/{campaign_id}":
        Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1", body(instructions="Nộp đúng hạn.")),
    "POST /api/submissions/campaigns/{campaign_id}/archive":
        Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1", _fresh_campaign),
    "POST /api/submissions/campaigns/{campaign_id}/close":
        Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1", _fresh_campaign),
    "POST /api/submissions/campaigns/{campaign_id}/copy":
        Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1", body(school_year_id=None)),
    "POST /api/submissions/campaigns/{campaign_id}/publish": Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1"),
    "POST /api/submissions/campaigns/{campaign_id}/reopen": Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1"),
    "POST /api/submissions/campaigns/{campaign_id}/assignments":
        Rule("campaign", "aaa aa4 aa4 aa4 334 -34 -a4 3-4 3-4 1", body(unit_ids=[_SOME_UNIT], reviewer=_REVIEWER)),
    "POST /api/submissions/campaigns/{campaign_id}/assignments/auto":
        Rule("campaign", "aaa aa4 aa4 aa4 334 -34 -a4 3-4 3-4 1", body(reviewers=[_REVIEWER])),
    "POST /api/submissions/campaigns/{campaign_id}/bulk-actions":
        Rule("campaign", "aaa aa4 aa4 aa4 334 -34 -a4 3-4 3-4 1", body(kind="remind", unit_ids=[_SOME_UNIT])),
    "GET /api/submissions/campaigns/{campaign_id}/review-queue/next":
        Rule("campaign", "aaa aa4 aa4 aa4 334 -34 -a4 3-4 3-4 1"),
    "GET /api/submissions/bulk-actions/{action_id}":
        Rule("none", "a-- 4-- 4-- 4-- 4-- 4-- 4-- 4-- 4-- 1", _bulk_action),
    "DELETE /api/submissions/bulk-actions/{action_id}":
        Rule("none", "a-- 4-- 4-- 4-- 4-- 4-- 4-- 4-- 4-- 1", _bulk_action),
    "POST /api/submissions/bulk-actions/{action_id}/run":
        Rule("none", "a-- 4-- 4-- 4-- 4-- 4-- 4-- 4-- 4-- 1", _bulk_action),
    "POST /api/submissions/events": Rule("none", "3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 1", _event),
    "POST /api/submissions/events/batch": Rule("none", "3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 1", _event_batch),
    "GET /api/submissions/campaigns/{campaign_id}/status": Rule("campaign", "aaa aa4 aa4 aa4 aa4 -a4 -a4 3-4 3-4 1"),
    "GET /api/submissions/campaigns/{campaign_id}/status/export":
        Rule("campaign", "aaa aa4 aa4 aa4 aa4 -a4 -a4 3-4 3-4 1"),
    "POST /api/submissions/campaigns/{campaign_id}/submissions":
        Rule("campaign", "aaa aa4 334 aa4 334 -44 -44 a-4 a-4 1", _open_submission),
    "GET /api/submissions/campaigns/{campaign_id}/targets": Rule("campaign", "aaa aa4 aa4 aa4 aa4 -a4 -a4 a-4 a-4 1"),
    "POST /api/submissions/campaigns/{campaign_id}/targets":
        Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1", _add_target),
    "GET /api/submissions/campaigns/{campaign_id}/targets/preview":
        Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1"),
    "DELETE /api/submissions/campaigns/{campaign_id}/targets/{unit_id}":
        Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1", _fresh_campaign_target),
    "PUT /api/submissions/campaigns/{campaign_id}/targets/{unit_id}/extension":
        Rule("campaign", "aaa aa4 334 aa4 334 -34 -34 3-4 3-4 1", _extension),
    "GET /api/submissions/outlines": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/submissions/outlines": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1", _outline),
    "GET /api/submissions/outlines/{outline_id}": Rule("outline", "aa- a4- a4- a-- a-- --- --- --- --- -"),
    "PUT /api/submissions/outlines/{outline_id}": Rule("outline", "aa- a4- 33- a-- 3-- --- --- --- --- -", _outline),
    "GET /api/submissions/school-years": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/submissions/school-years": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1", body(name="2019-2020")),
    "GET /api/submissions/submissions": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "GET /api/submissions/submissions/{submission_id}": Rule("submission", "-aa -a4 -a4 -a4 -a4 -a4 -a4 a-4 a-4 1"),
    "PATCH /api/submissions/submissions/{submission_id}":
        Rule("submission", "-aa -a4 -34 -a4 -34 -44 -44 a-4 a-4 1", _save_draft),
    "POST /api/submissions/submissions/{submission_id}/approve":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -34 -a4 3-4 3-4 1", body(comment=None)),
    "GET /api/submissions/submissions/{submission_id}/approval-check":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -34 -a4 3-4 3-4 1"),
    "POST /api/submissions/submissions/{submission_id}/claim":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -34 -a4 3-4 3-4 1"),
    # a draft of its own: on a shared one another role's claim (cells run concurrently) refuses the reviewer
    "POST /api/submissions/submissions/{submission_id}/release":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -34 -a4 3-4 3-4 1", _fresh_draft),
    "POST /api/submissions/submissions/{submission_id}/decline":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -34 -a4 3-4 3-4 1", body(reason="Xung đột lợi ích")),
    "GET /api/submissions/submissions/{submission_id}/checklist":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -a4 -a4 a-4 a-4 1"),
    "GET /api/submissions/submissions/{submission_id}/export":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -a4 -a4 a-4 a-4 1"),
    "POST /api/submissions/submissions/{submission_id}/forward":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -34 -a4 3-4 3-4 1", body(comment=None)),
    "GET /api/submissions/submissions/{submission_id}/history":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -a4 -a4 a-4 a-4 1"),
    "POST /api/submissions/submissions/{submission_id}/return":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -34 -a4 3-4 3-4 1", body(reasons={"general": "Bổ sung minh chứng."})),
    "POST /api/submissions/submissions/{submission_id}/start-review":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -34 -a4 3-4 3-4 1"),
    "POST /api/submissions/submissions/{submission_id}/submit":
        Rule("submission", "-aa -a4 -34 -a4 -34 -34 -34 a-4 3-4 1", _submit),
    "GET /api/submissions/submissions/{submission_id}/signature":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -a4 -a4 a-4 a-4 1"),
    "POST /api/submissions/submissions/{submission_id}/signature":
        Rule("submission", "-aa -a4 -34 -a4 -34 -34 -34 a-4 3-4 1", _signed_report),
    "GET /api/submissions/submissions/{submission_id}/signature/file":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -a4 -a4 a-4 a-4 1"),
    "GET /api/submissions/submissions/{submission_id}/versions":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -a4 -a4 a-4 a-4 1"),
    "GET /api/submissions/submissions/{submission_id}/versions/{number}":
        Rule("submitted", "-aa -a4 -a4 -a4 -a4 -a4 -a4 a-4 a-4 1", _version),
    # --- evidence ---
    "POST /api/evidence/files": Rule("school", "-aa -a4 -34 -a4 -34 -44 -34 a-4 a-4 1", _upload_file),
    "DELETE /api/evidence/files/{item_id}": Rule("evidence", "-aa -a4 -34 -a4 -34 -44 -44 a-4 a-4 1", _fresh_evidence),
    "GET /api/evidence/files/{item_id}": Rule("evidence", "-aa -a4 -a4 -a4 -a4 -44 -44 a-4 a-4 1"),
    "GET /api/evidence/files/{item_id}/content": Rule("evidence", "-aa -a4 -a4 -a4 -a4 -44 -44 a-4 a-4 1"),
    "GET /api/evidence/files/{item_id}/download": Rule("evidence", "-aa -a4 -a4 -a4 -a4 -44 -44 a-4 a-4 1"),
    "POST /api/evidence/files/{item_id}/review":
        Rule("evidence", "-aa -a4 -a4 -a4 -34 -44 -a4 3-4 3-4 1", body(state="accepted")),
    "POST /api/evidence/links": Rule("school", "-aa -a4 -34 -a4 -34 -44 -34 a-4 a-4 1", _create_link),
    "GET /api/evidence/submissions/{submission_id}/catalogue.xlsx":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -44 -a4 a-4 a-4 1"),
    "GET /api/evidence/submissions/{submission_id}/files": Rule("submission", "-aa -a4 -a4 -a4 -a4 -44 -a4 a-4 a-4 1"),
    "POST /api/evidence/uploads": Rule("school", "-aa -a4 -34 -a4 -34 -44 -34 a-4 a-4 1", _create_upload),
    "POST /api/evidence/uploads/{upload_id}/complete":
        Rule("upload", "-aa -44 -44 -44 -44 -44 -44 4-4 4-4 1", _fresh_upload),
    # --- scoring ---
    "GET /api/scoring/campaigns/{campaign_id}/results": Rule("campaign", "aaa aa4 aa4 aa4 aa4 -44 -44 3-3 3-3 1"),
    "GET /api/scoring/campaigns/{campaign_id}/results/export":
        Rule("campaign", "aaa aa4 aa4 aa4 aa4 -44 -44 3-3 3-3 1"),
    "DELETE /api/scoring/campaigns/{campaign_id}/results/publication":
        Rule("campaign", "aaa aa4 334 aa4 334 -44 -44 3-3 3-3 1"),
    "POST /api/scoring/campaigns/{campaign_id}/results/publish":
        Rule("campaign", "aaa aa4 334 aa4 334 -44 -44 3-3 3-3 1", _fresh_results_campaign),
    "GET /api/scoring/campaigns/{campaign_id}/results/published":
        Rule("campaign", "aaa aaa aaa aaa aaa -aa -aa a-a a-a 1"),
    "GET /api/scoring/campaigns/{campaign_id}/results/published/signed.pdf":
        Rule("campaign", "aaa aaa aaa aaa aaa -aa -aa a-a a-a 1"),
    "PUT /api/scoring/campaigns/{campaign_id}/results/settings":
        Rule("campaign", "aaa aa4 334 aa4 334 -44 -44 3-3 3-3 1", body(ranking_enabled=True)),
    "POST /api/scoring/events": Rule("none", "3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 1", _event),
    "POST /api/scoring/events/batch": Rule("none", "3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 1", _event_batch),
    "GET /api/scoring/public/units/{unit_id}/badge": Rule("school", "-aa -aa -aa -aa -aa -aa -aa a-a a-a a"),
    "GET /api/scoring/public/units/{unit_id}/dx-level": Rule("school", "-aa -aa -aa -aa -aa -aa -aa a-a a-a a"),
    "GET /api/scoring/rubrics": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/scoring/rubrics": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1", _rubric),
    "POST /api/scoring/rubrics/import": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1", _import_file),
    "GET /api/scoring/rubrics/import/template": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    # rubrics by id: only within the owner's reach (its unit, the units above and below it), else 404 (F16)
    "GET /api/scoring/rubrics/{rubric_id}": Rule("rubric", "aaa aa4 aa4 a-4 a-4 --4 --4 --- --- -"),
    "GET /api/scoring/rubrics/{rubric_id}/export": Rule("rubric", "aaa aa4 aa4 a-4 a-4 --4 --4 --- --- -"),
    "GET /api/scoring/rubrics/{rubric_id}/versions": Rule("rubric", "aaa aa4 aa4 a-4 a-4 --4 --4 --- --- -"),
    "POST /api/scoring/rubrics/{rubric_id}/versions": Rule("rubric", "aaa a34 334 a-4 3-4 --4 --4 --- --- -", _rubric),
    "PATCH /api/scoring/submissions/{submission_id}/review-scores":
        Rule("submission", "-aa -a4 -a4 -a4 -34 -44 -a4 3-4 3-4 1", body(**SCORES)),
    "GET /api/scoring/submissions/{submission_id}/scores": Rule("submission", "-aa -a4 -a4 -a4 -a4 -44 -a4 a-4 a-4 1"),
    "GET /api/scoring/submissions/{submission_id}/scores/export":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -44 -a4 a-4 a-4 1"),
    "GET /api/scoring/submissions/{submission_id}/self-scores/completeness":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -44 -a4 a-4 a-4 1"),
    "PATCH /api/scoring/submissions/{submission_id}/self-scores":
        Rule("submission", "-aa -a4 -34 -a4 -34 -44 -34 a-4 a-4 1", body(**SCORES)),
    # --- notifications ---
    "GET /api/notifications/calendar-feeds": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/notifications/calendar-feeds": Rule("unit", "aaa aa4 aa4 aa4 aa4 a44 a44 a-4 a-4 1", _calendar_feed),
    "DELETE /api/notifications/calendar-feeds/{feed_id}":
        Rule("calendar_feed", "a-a a-4 a-4 a-4 a-4 a-4 a-4 a-4 a-4 1", _fresh_feed),
    "POST /api/notifications/calendar-feeds/{feed_id}/regenerate":
        Rule("calendar_feed", "a-a a-4 a-4 a-4 a-4 a-4 a-4 a-4 a-4 1", _fresh_feed),
    "GET /api/notifications/calendar/{token}.ics": Rule("calendar_token", "a-a a-a a-a a-a a-a a-a a-a a-a a-a a"),
    "POST /api/notifications/campaigns/{campaign_id}/reconcile":
        Rule("campaign", "aaa aa4 334 aa4 334 -44 -44 4-4 4-4 1"),
    "DELETE /api/notifications/campaigns/{campaign_id}/reminder-policy":
        Rule("campaign", "aaa aa4 334 aa4 334 -44 -44 4-4 4-4 1"),
    "GET /api/notifications/campaigns/{campaign_id}/reminder-policy":
        Rule("campaign", "aaa aa4 aa4 aa4 aa4 -44 -44 4-4 4-4 1"),
    "PUT /api/notifications/campaigns/{campaign_id}/reminder-policy":
        Rule("campaign", "aaa aa4 334 aa4 334 -44 -44 4-4 4-4 1", body(days_before=[7, 1])),
    # webhooks: authority admins of the unit or above (F19)
    "GET /api/notifications/webhooks": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1"),
    "POST /api/notifications/webhooks": Rule("unit", ADMINS_OF_UNIT, _webhook),
    "GET /api/notifications/webhooks/{subscription_id}": Rule("unit", ADMINS_OF_UNIT, _fresh_webhook),
    "PATCH /api/notifications/webhooks/{subscription_id}": Rule("unit", ADMINS_OF_UNIT, _fresh_webhook_change),
    "DELETE /api/notifications/webhooks/{subscription_id}": Rule("unit", ADMINS_OF_UNIT, _fresh_webhook),
    "GET /api/notifications/webhooks/{subscription_id}/deliveries": Rule("unit", ADMINS_OF_UNIT, _fresh_webhook),
    "POST /api/notifications/webhooks/{subscription_id}/deliveries/{delivery_id}/redeliver":
        Rule("unit", ADMINS_OF_UNIT, _fresh_webhook_delivery),
    "GET /api/notifications/deliveries": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1"),
    "GET /api/notifications/deliveries/summary": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1"),
    "POST /api/notifications/deliveries/resend-failed":
        Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1", body(campaign_id="00000000-0000-4000-8000-000000000000")),
    "POST /api/notifications/deliveries/{delivery_id}/retry":
        Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1", call(lambda w, r, role: _delivery(w))),
    # service tokens only, of a producer allowed for the type: a system admin's token too is 403 (F7)
    "POST /api/notifications/events": Rule("none", "3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 1", _event),
    "POST /api/notifications/events/batch": Rule("none", "3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 3-- 1", _event_batch),
    "GET /api/notifications/feed": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/notifications/feed/read-all": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "GET /api/notifications/feed/unread-count": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/notifications/feed/{item_id}/read": Rule("feed_item", "--4 --4 --4 --4 --4 --4 --4 a-- a-4 1"),
    "POST /api/notifications/feed/{item_id}/unread": Rule("feed_item", "--4 --4 --4 --4 --4 --4 --4 a-- a-4 1"),
    "GET /api/notifications/preferences/me": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "PUT /api/notifications/preferences/me": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1", body(email={})),
})


async def _lookup_code(world: Any, ref: str, role: str) -> Request:
    unit = await world.ok("GET", f"/api/identity/units/{world.units[ref]}")
    return {"params": {"code": unit["code"]}}


async def _fresh_reorganisation(world: Any, ref: str, role: str) -> Request:
    """A pending recode of a fresh unit under `ref`'s authority: confirming or cancelling it consumes it."""
    from tests.security.world import unique
    unit_id = await world.fresh_unit_under(ref)
    created = await world.ok("POST", "/api/identity/reorganisations", expect=201,
                             json={"kind": "recode", "unit_id": unit_id, "new_code": unique("KTMOI")})
    return {"reorganisation_id": created["id"]}


async def _propose_reorganisation(world: Any, ref: str, role: str) -> Request:
    from tests.security.world import unique
    return {"json": {"kind": "recode", "unit_id": await world.fresh_unit_under(ref), "new_code": unique("KTMOI")}}


async def _cluster(world: Any, ref: str, role: str) -> Request:
    from tests.security.world import unique
    return {"json": {"owner_unit_id": world.units[ref], "code": unique("CUM-"), "name": "Cụm kiểm thử"}}


async def _fresh_cluster(world: Any, ref: str, role: str) -> Request:
    """A cluster of the demo Sở, made for the cell (what a cell changes is nobody else's)."""
    from tests.security.world import unique
    created = await world.ok("POST", "/api/identity/clusters", expect=201,
                             json={"owner_unit_id": world.units["SO"], "code": unique("CUM-"),
                                   "name": "Cụm kiểm thử"})
    return {"cluster_id": created["id"]}


async def _fresh_cluster_change(world: Any, ref: str, role: str) -> Request:
    return {**await _fresh_cluster(world, ref, role), "json": {"name": "Cụm kiểm thử đổi tên"}}


async def _fresh_cluster_members(world: Any, ref: str, role: str) -> Request:
    return {**await _fresh_cluster(world, ref, role), "json": {"unit_ids": []}}


async def _campaign_presets(world: Any, ref: str, role: str) -> Request:
    return {"params": {"school_year_end": "2026"}}


# Issue 20's operations: the unit model after 1/7/2025 (codes, dated relations, clusters, reorganisations); and
# scoring's authority index, publication preview, sector exchange file and campaign presets.
TABLE.update({
    "GET /api/identity/units/lookup": Rule("unit", "aaa aa4 aa4 aa4 aa4 aa4 aa4 a-4 a-4 1", _lookup_code),
    "GET /api/identity/units/{unit_id}/codes": Rule("unit", "aaa aa4 aa4 aa4 aa4 aa4 aa4 a-4 a-4 1"),
    "GET /api/identity/units/{unit_id}/relations": Rule("unit", "aaa aa4 aa4 aa4 aa4 aa4 aa4 a-4 a-4 1"),
    "GET /api/identity/clusters": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/identity/clusters": Rule("unit", ADMINS_OF_UNIT, _cluster),
    "PATCH /api/identity/clusters/{cluster_id}": Rule("none", "a-- a-- 3-- 4-- 4-- 4-- 4-- 4-- 4-- 1",
                                                      _fresh_cluster_change),
    "PUT /api/identity/clusters/{cluster_id}/members": Rule("none", "a-- a-- 3-- 4-- 4-- 4-- 4-- 4-- 4-- 1",
                                                            _fresh_cluster_members),
    "GET /api/identity/reorganisations": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1"),
    "POST /api/identity/reorganisations":
        Rule("unit", "aaa aa4 334 aa4 334 444 444 4-4 4-4 1", _propose_reorganisation),
    "GET /api/identity/reorganisations/{reorganisation_id}": Rule("unit", ADMINS_OF_UNIT, _fresh_reorganisation),
    "POST /api/identity/reorganisations/{reorganisation_id}/confirm":
        Rule("unit", ADMINS_OF_UNIT, _fresh_reorganisation),
    "POST /api/identity/reorganisations/{reorganisation_id}/cancel":
        Rule("unit", ADMINS_OF_UNIT, _fresh_reorganisation),
    "GET /api/scoring/campaigns/{campaign_id}/results/publish-preview":
        Rule("campaign", "aaa aa4 aa4 aa4 aa4 -44 -44 3-3 3-3 1"),
    "GET /api/scoring/campaigns/{campaign_id}/results/published/exchange":
        Rule("campaign", "aaa aaa aaa aaa aaa -aa -aa a-a a-a 1"),
    "GET /api/scoring/rubrics/campaign-presets":
        Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1", _campaign_presets),
    "GET /api/scoring/submissions/{submission_id}/authority-index":
        Rule("submission", "-aa -a4 -a4 -a4 -a4 -44 -a4 a-4 a-4 1"),
    "POST /api/scoring/submissions/{submission_id}/authority-index":
        Rule("submission", "-aa -a4 -34 -a4 -34 -44 -34 a-4 a-4 1"),
})


async def _fresh_commune_official(world: Any) -> str:
    """An official of commune CM made for the cell: a grant, and a revocation (which ends the grantee's sessions),
    touch nobody a cell acts as."""
    from tests.security.world import unique
    made = await world.ok("POST", "/api/identity/users", expect=201, json={
        "email": f"{unique('xa')}@vinhlong.gov.vn", "full_name": "Cán bộ xã kiểm thử", "unit_id": world.units["CM"],
        "roles": ["viewer"], "send_invite": False})
    return str(made["id"])


async def _commune_grant(world: Any, ref: str, role: str) -> Request:
    return {"json": {"user_id": await _fresh_commune_official(world), "rights": ["review"]}}


async def _fresh_commune_grant(world: Any, ref: str, role: str) -> Request:
    created = await world.ok("POST", "/api/identity/commune-grants", expect=201, json={
        "user_id": await _fresh_commune_official(world), "issuer_unit_id": world.units["SO"], "rights": ["reminders"]})
    return {"grant_id": created["id"]}


async def _fresh_commune_grant_change(world: Any, ref: str, role: str) -> Request:
    return {**await _fresh_commune_grant(world, ref, role), "json": {"note": "Gia hạn theo công văn mới"}}


# What a Sở grants a commune official (identity grants/): anyone signed in lists (filtered to the grants of their
# subtree, or of their own commune); only the Sở's admins (and system admins) grant, change and revoke. A Phòng
# admin is refused as an issuer (422: grants come from a Sở); a grant of another Sở is hidden (404).
TABLE.update({
    "GET /api/identity/commune-grants": Rule("none", "a-- a-- a-- a-- a-- a-- a-- a-- a-- 1"),
    "POST /api/identity/commune-grants": Rule("none", "a-- a-- 3-- a-- 3-- 3-- 3-- 3-- 3-- 1", _commune_grant),
    "PATCH /api/identity/commune-grants/{grant_id}": Rule("none", "a-- a-- 4-- 4-- 4-- 4-- 4-- 4-- 4-- 1",
                                                          _fresh_commune_grant_change),
    "DELETE /api/identity/commune-grants/{grant_id}": Rule("none", "a-- a-- 4-- 4-- 4-- 4-- 4-- 4-- 4-- 1",
                                                           _fresh_commune_grant),
})


async def _audit_of_unit(world: Any, ref: str, role: str) -> Request:
    return {"params": {"unit_id": world.units[ref]}}


# Audit trails (one per service, edudx_common.tables.audit): authority admins read their subtree. A unit out of scope
# is not refused but filtered: the rows are limited to the caller's subtree whatever `unit_id` asks for.
AUDIT = "aaa aaa 333 aaa 333 333 333 3-3 3-3 1"
TABLE.update({
    f"GET /api/{service}/audit{suffix}": Rule("unit", AUDIT, _audit_of_unit)
    for service in ("identity", "submissions", "evidence", "scoring", "notifications")
    for suffix in ("", "/export.csv")
})


async def _service_token(world: Any) -> Request:
    return {"data": {"grant_type": "client_credentials", "client_id": "authz-matrix", "client_secret": "sai",
                     "audience": "notifications"}}


async def _delivery(world: Any) -> Request:
    return {"delivery_id": world.delivery_id}
