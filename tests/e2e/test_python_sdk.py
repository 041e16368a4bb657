"""The Python SDK, generated from the public document as a province's developer would (openapi-python-client,
no warning), drives the running system through the gateway: log in, list campaigns, open a draft and save it with
If-Match, upload evidence, self-score, read the notification feed."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.e2e.conftest import RunningSystem
from tests.evidence.samples import pdf_bytes
from tests.sdk import generated_python_client


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    with generated_python_client(tmp_path_factory.mktemp("sdk")) as package:
        yield package


def _api(name: str) -> Any:
    return importlib.import_module(f"edudx_api_client.api.{name}")


def test_a_school_works_through_the_generated_python_client(system: RunningSystem, sdk: ModuleType) -> None:
    models = importlib.import_module("edudx_api_client.models")
    anonymous = sdk.Client(base_url=system.gateway, raise_on_unexpected_status=True)

    login = _api("auth.auth_login").sync_detailed(
        client=anonymous, body=models.LoginRequest(email="hieutruong.hoabinh@vinhlong.edu.vn", password="EduDX@2025"))
    assert login.status_code == 200, login.content
    school = sdk.AuthenticatedClient(base_url=system.gateway, token=login.parsed.access_token,
                                     raise_on_unexpected_status=True)

    campaigns = _api("campaigns.campaigns_list").sync(client=school)
    assert isinstance(campaigns, models.CampaignSummaryPage) and campaigns.total >= 1
    campaign_id = campaigns.items[0].id

    opened = _api("submissions.submissions_open").sync_detailed(campaign_id, client=school)
    assert opened.status_code in (200, 201), opened.content
    draft = opened.parsed
    read = _api("submissions.submissions_get").sync_detailed(draft.id, client=school)
    etag = read.headers["etag"]
    assert etag == f'"{read.parsed.version}"'

    values = models.DraftUpdateValues.from_dict({})
    saved = _api("submissions.submissions_save_draft").sync_detailed(
        draft.id, client=school, body=models.DraftUpdate(values=values), if_match=etag)
    assert saved.status_code == 200, saved.content
    stale = _api("submissions.submissions_save_draft").sync_detailed(
        draft.id, client=school, body=models.DraftUpdate(values=values), if_match='"0"')
    assert stale.status_code == 412 and stale.parsed.code == "stale_submission"

    # Direct upload, as an integrator sends large files: a ticket, the bytes to the object store, the completion.
    content = pdf_bytes("Kế hoạch SDK")
    ticket = _api("evidence.evidence_create_upload").sync(client=school, body=models.UploadCreate(
        submission_id=draft.id, file_name="ke-hoach-sdk.pdf", size=len(content), content_type="application/pdf",
        title="Kế hoạch ứng dụng CNTT (SDK)"))
    assert isinstance(ticket, models.UploadTicket), ticket
    put = httpx.put(ticket.url, content=content, headers=ticket.headers.additional_properties, timeout=30)
    assert put.status_code == 200, put.text
    completed = _api("evidence.evidence_complete_upload").sync_detailed(ticket.upload_id, client=school)
    assert completed.status_code == 201, completed.content
    assert completed.parsed.kind == models.EvidenceKind.FILE and completed.parsed.duplicate is False

    scored = _api("scores.scores_save_self").sync_detailed(draft.id, client=school, body=models.SelfScoresUpdate(
        scores=[models.SelfScoreInput(criterion_code="1.1", points=3)]))
    assert scored.status_code == 200, scored.content

    feed = _api("feed.feed_list").sync(client=school, limit=10)
    assert isinstance(feed, models.FeedItemPage) and feed.limit == 10

    refused = _api("campaigns.campaigns_list").sync_detailed(client=anonymous)
    assert refused.status_code == 401 and refused.parsed.code == "unauthorized"
