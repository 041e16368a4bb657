"""The upload form through the generated Python SDK (issue 19): the spec puts `submission_id` before the file,
the generated client sends it first, and the server — which authorises and checks the quota before it reads the
file — accepts the upload with its other fields. A client sending the file before `submission_id` is refused."""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.evidence.conftest import World
from tests.evidence.samples import API, pdf_bytes
from tests.sdk import generated_python_client


@pytest.fixture(scope="module")
def sdk(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ModuleType]:
    with generated_python_client(tmp_path_factory.mktemp("sdk")) as package:
        yield package


def _names(multipart: list[tuple[str, object]]) -> list[str]:
    return [name for name, _ in multipart]


def test_the_generated_form_sends_the_submission_before_the_file(sdk: ModuleType) -> None:
    models = importlib.import_module("edudx_api_client.models")
    types = importlib.import_module("edudx_api_client.types")
    body = models.EvidenceUploadForm(
        submission_id="6f1c2a9e-0b7d-4c55-9a51-2f0d6c1e8b21", title="Kế hoạch", criterion_codes="1.1",
        file=types.File(payload=b"%PDF-1.4", file_name="ke-hoach.pdf", mime_type="application/pdf"))

    names = _names(body.to_multipart())

    # what the server needs to authorise comes first; the optional fields follow (the server takes them after the
    # file too: they are saved with it, see the next test)
    assert names[:2] == ["submission_id", "file"]
    assert sorted(names[2:]) == ["criterion_codes", "title"]


async def test_an_upload_through_the_generated_client_is_accepted(sdk: ModuleType, evidence_app: Any,
                                                                   client: httpx.AsyncClient, world: World) -> None:
    models = importlib.import_module("edudx_api_client.models")
    types = importlib.import_module("edudx_api_client.types")
    upload = importlib.import_module("edudx_api_client.api.evidence.evidence_upload_file")
    token = world.s11_officer["Authorization"].removeprefix("Bearer ")
    school = sdk.AuthenticatedClient(base_url="http://evidence", token=token,
                                     httpx_args={"transport": httpx.ASGITransport(app=evidence_app)})
    content = pdf_bytes("Kế hoạch qua SDK")

    answer = await upload.asyncio_detailed(client=school, body=models.EvidenceUploadForm(
        submission_id=world.s11_submission["id"], title="Kế hoạch CNTT (SDK)", criterion_codes="1.1",
        file=types.File(payload=content, file_name="ke-hoach-sdk.pdf", mime_type="application/pdf")))

    assert answer.status_code == 201, answer.content
    assert answer.parsed.title == "Kế hoạch CNTT (SDK)" and answer.parsed.size == len(content)


async def test_a_file_sent_before_its_submission_is_refused(client: httpx.AsyncClient, world: World) -> None:
    boundary = "edudx-thu"
    parts = [("file", 'filename="a.pdf"\r\nContent-Type: application/pdf', pdf_bytes("a")),
             ("submission_id", "", world.s11_submission["id"].encode())]
    body = b"".join(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; {extra}\r\n\r\n'.replace(
        "; \r\n", "\r\n").encode() + value + b"\r\n" for name, extra, value in parts) + f"--{boundary}--\r\n".encode()

    refused = await client.post(f"{API}/files", content=body, headers={
        **world.s11_officer, "Content-Type": f"multipart/form-data; boundary={boundary}"})

    assert refused.status_code == 422 and refused.json()["code"] == "invalid_upload"
    assert "submission_id" in refused.json()["detail"]
