from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from edudx_common.auth import CurrentPrincipal, CurrentUser
from edudx_common.db import SessionDep
from edudx_common.downloads import content_disposition
from edudx_common.errors import PROBLEM_RESPONSES
from edudx_common.pagination import PageParamsDep
from edudx_common.sync import SyncParamsDep
from edudx_common.tables import audit
from scoring.deps import ClockDep, EventsDep, EvidenceDep, IdentityDep, SubmissionsDep, UnitTreeDep
from scoring.errors import ResultsSigningNotConfigured
from scoring.results import service
from scoring.results.schemas import (
    CampaignResultsRead,
    PublishedResultsRead,
    PublishPreviewRead,
    ResultsSettingsUpdate,
)
from scoring.results.service import XLSX_MEDIA_TYPE, ExchangeFormat, GroupBy, PublishedFilterDep, ResultsFilterDep

router = APIRouter(prefix="/campaigns/{campaign_id}/results", tags=["results"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=CampaignResultsRead)
async def get_results(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                      submissions: SubmissionsDep, identity: IdentityDep, tree: UnitTreeDep, page: PageParamsDep,
                      chosen: ResultsFilterDep) -> CampaignResultsRead:
    """Results of every unit that has submitted: final score (review score where given), class or levels,
    rank (equal totals share a rank), distribution by class, summaries per sub-authority and last school
    year beside this one, all over every unit; `rows` is one page of the units matching the filters (ranks
    stay those among every unit). `group_by=commune|cluster|level` groups by the schools' commune, clusters or
    education levels instead of the sub-authorities (`child`). For the issuing authority and those above it; an
    authority below the issuer sees its own units; a commune's officials (read only) the commune's schools."""
    campaign, within, commune = await service.results_scope(session, principal, campaign_id,
                                                            submissions=submissions, tree=tree)
    return await service.results_page(session, campaign, submissions=submissions, identity=identity, within=within,
                                      chosen=chosen, page=page, commune_id=commune)


@router.get("/export", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}, "text/csv": {}}}})
async def export_results(
    campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, submissions: SubmissionsDep,
    identity: IdentityDep, evidence: EvidenceDep, tree: UnitTreeDep,
    include_units: Annotated[bool, Query(description="Thêm một trang cho mỗi đơn vị (STT | Nội dung | Điểm "
                                                     "chuẩn | Tự chấm | Điểm thẩm định | Minh chứng); chỉ với xlsx")]
    = False,
    group_by: Annotated[GroupBy, Query(
        description="Cột nhóm: child (đơn vị trực thuộc, mặc định), commune (xã/phường), cluster (cụm trường), "
                    "level (cấp học)")] = GroupBy.CHILD,
    format: Annotated[ExchangeFormat, Query(description="xlsx (mặc định) hoặc csv (chỉ bảng tổng "
                                                        "hợp)")] = ExchangeFormat.XLSX,
) -> Response:
    """The results as XLSX: a summary sheet of every unit (scores, class, rank, last year), and on request
    one sheet per unit in the familiar layout; or the summary as CSV. `group_by=commune|cluster|level` makes the
    group column the schools' commune, clusters or levels (units listed group by group, by rank within each), as
    on the results page. Who reads what is the results page's rule: a commune's officials (read only) get the
    commune's schools."""
    campaign, within, commune = await service.results_scope(session, principal, campaign_id,
                                                            submissions=submissions, tree=tree)
    download = await service.results_download(session, campaign, submissions=submissions, identity=identity,
                                              evidence=evidence, within=within, commune_id=commune,
                                              group_by=group_by, include_units=include_units, format=format)
    return _download(download.body, download.media_type, download.filename)


def _download(body: bytes, media_type: str, name: str) -> Response:
    return Response(body, media_type=media_type, headers={"Content-Disposition": content_disposition(name)})


@router.put("/settings", response_model=CampaignResultsRead)
async def update_settings(campaign_id: uuid.UUID, body: ResultsSettingsUpdate, session: SessionDep,
                          principal: CurrentUser, submissions: SubmissionsDep, identity: IdentityDep,
                          tree: UnitTreeDep) -> CampaignResultsRead:
    """Whether the campaign's ranking is shown and published (some authorities publish classes only)."""
    campaign, within = await service.campaign_in_scope(principal, campaign_id, submissions=submissions, tree=tree)
    await service.update_settings(session, principal, campaign, within, ranking_enabled=body.ranking_enabled,
                                  issuer_path=await audit.unit_path_via(tree, campaign.issuer_unit_id))
    return service.to_read(await service.compute(session, campaign, submissions=submissions, identity=identity))


@router.get("/publish-preview", response_model=PublishPreviewRead)
async def preview_publication(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                              submissions: SubmissionsDep, tree: UnitTreeDep) -> PublishPreviewRead:
    """What `POST …/publish` would do now, for its confirmation: how many results it publishes (approved
    reports), and the units not fully reviewed, not approved, or late (submitted late or overdue), counted and
    named (at most `names_limit` names per list), with a Vietnamese `warning` to show. Changes nothing."""
    campaign, _ = await service.campaign_in_scope(principal, campaign_id, submissions=submissions, tree=tree)
    return await service.publish_preview(session, campaign, submissions=submissions)


@router.post("/publish", response_model=CampaignResultsRead)
async def publish_results(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentUser,
                          submissions: SubmissionsDep, identity: IdentityDep, tree: UnitTreeDep, events: EventsDep,
                          clock: ClockDep) -> CampaignResultsRead:
    """Publish the results of the approved submissions (the issuing authority's admins). Each school then
    sees its final score and class, the public DX level shows the published level, and the units are told.
    Publishing again replaces what was published. The submission states are read afresh from submissions first;
    409 `copy_not_current` with `Retry-After` while scoring has not yet received an approved submission."""
    campaign, within = await service.campaign_in_scope(principal, campaign_id, submissions=submissions, tree=tree)
    await service.bring_states_up_to_date(session, campaign, submissions=submissions)
    school_year = await submissions.school_year_name(campaign.school_year_id)
    await service.publish(session, principal, campaign, within, events=events, clock=clock, school_year=school_year,
                          issuer_path=await audit.unit_path_via(tree, campaign.issuer_unit_id))
    return await service.results_page(session, campaign, submissions=submissions, identity=identity)


@router.delete("/publication", status_code=status.HTTP_204_NO_CONTENT, response_class=Response)
async def unpublish_results(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentUser,
                            submissions: SubmissionsDep, tree: UnitTreeDep) -> Response:
    """Withdraw a publication (e.g. published by mistake): schools and the public badge no longer show it."""
    campaign, within = await service.campaign_in_scope(principal, campaign_id, submissions=submissions, tree=tree)
    await service.unpublish(session, principal, campaign, within,
                            issuer_path=await audit.unit_path_via(tree, campaign.issuer_unit_id))
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/published", response_model=PublishedResultsRead)
async def get_published_results(campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal,
                                submissions: SubmissionsDep, tree: UnitTreeDep, page: PageParamsDep,
                                chosen: PublishedFilterDep, sync: SyncParamsDep) -> PublishedResultsRead:
    """The published results (classes, and ranks where the campaign publishes them), for every signed-in user
    of the issuer's subtree, schools included. 404 `results_not_published` before publication. For mirroring:
    with `updated_since` or `cursor` the rows published since then, ordered by (published_at, unit_id) and
    continued by `next_cursor` (publishing again stamps every row anew; see docs/integrations.md)."""
    campaign = await submissions.campaign(campaign_id)
    return await service.published(session, principal, campaign, tree, chosen, page, sync)


@router.get("/published/exchange", response_class=Response,
            responses={200: {"content": {XLSX_MEDIA_TYPE: {}, "text/csv": {}}}})
async def export_published_exchange(
    campaign_id: uuid.UUID, session: SessionDep, principal: CurrentPrincipal, submissions: SubmissionsDep,
    identity: IdentityDep, tree: UnitTreeDep,
    format: Annotated[ExchangeFormat, Query(description="csv hoặc xlsx")] = ExchangeFormat.XLSX,
) -> Response:
    """The published results in the exchange layout schools and the sector database use: one row per school
    (mã trường, tên, cấp học, each group's points and level, total, level or class, rank where published, school
    year, campaign, publication date), as CSV (UTF-8 with BOM) or XLSX; docs/results-exchange.md lists the
    columns. Same audience as `GET …/published`; 404 `results_not_published` before publication."""
    campaign = await submissions.campaign(campaign_id)
    download = await service.exchange_download(session, principal, campaign, tree, identity=identity, format=format)
    return _download(download.body, download.media_type, download.filename)


@router.get("/published/signed.pdf", response_class=Response,
            responses={200: {"content": {"application/pdf": {}}, "description": "Văn bản kết quả đã ký số"}})
async def get_signed_results_document(campaign_id: uuid.UUID, request: Request, session: SessionDep,
                                      principal: CurrentPrincipal, submissions: SubmissionsDep,
                                      tree: UnitTreeDep) -> Response:
    """The published results as a PDF document of the issuing authority (unit, score, class, rank where
    published), digitally signed with the organisation's certificate configured on the server (PKCS#12,
    `SCORING_RESULTS_SIGNING_PKCS12_FILE`). Same audience as `GET …/published`; 409
    `results_signing_not_configured` when the server holds no certificate."""
    signer = request.app.state.results_signer
    if signer is None:
        raise ResultsSigningNotConfigured("Máy chủ chưa được cấu hình chứng thư số của cơ quan để ký văn bản "
                                          "kết quả. Hãy báo quản trị viên hệ thống.")
    campaign = await submissions.campaign(campaign_id)
    pdf = await service.results_document(session, principal, campaign, tree)
    issuer = campaign.issuer_name or ""
    from edudx_common.pdfsign import sign_pdf  # pyHanko is slow to import: not at start-up

    signed = await sign_pdf(pdf, signer, field_name="CoQuanBanHanh", reason=f"Công bố kết quả - {issuer}"[:200])
    name = f"Kết quả đã ký số - {campaign.title[:100].replace('/', '-')}.pdf"
    return Response(signed, media_type="application/pdf",
                    headers={"Content-Disposition": content_disposition(name), "Cache-Control": "private, no-store"})
