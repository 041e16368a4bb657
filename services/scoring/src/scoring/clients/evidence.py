"""What scoring asks the evidence service: a submission's evidence items (only the fields we read)."""

from __future__ import annotations

import uuid

from pydantic import BaseModel, Field

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient


class EvidenceInfo(BaseModel):
    id: uuid.UUID
    kind: str
    title: str
    criterion_codes: list[str]
    codes: list[str] = Field(default_factory=list)
    attributes: dict[str, str] = Field(default_factory=dict)
    review_state: str
    replaced_by_id: uuid.UUID | None = None

    @property
    def usable(self) -> bool:
        """Counts as evidence: not marked wrong by a reviewer and not replaced by a newer item."""
        return self.review_state != "wrong" and self.replaced_by_id is None


class EvidenceClient:
    def __init__(self, client: ServiceClient) -> None:
        self._client = client

    async def items(self, submission_id: uuid.UUID) -> list[EvidenceInfo]:
        response, items = await self._client.get_all(f"/api/evidence/submissions/{submission_id}/files")
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ evidence trả lời HTTP {response.status_code}.")
        return [EvidenceInfo.model_validate(i) for i in items]
