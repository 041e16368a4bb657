"""What the submissions service asks evidence: whether every evidence item of a report was reviewed."""

from __future__ import annotations

import uuid

from pydantic import BaseModel

from edudx_common.errors import BadGateway
from edudx_common.http import ServiceClient


class EvidenceState(BaseModel):
    id: uuid.UUID
    title: str
    review_state: str
    replaced_by_id: uuid.UUID | None = None


class EvidenceClient:
    def __init__(self, client: ServiceClient | None) -> None:
        self._client = client

    @property
    def wired(self) -> bool:
        return self._client is not None

    async def items(self, submission_id: uuid.UUID) -> list[EvidenceState]:
        """The report's current evidence (replaced items left out); empty when no evidence service is wired."""
        if self._client is None:
            return []
        response, found = await self._client.get_all(f"/api/evidence/submissions/{submission_id}/files")
        if response.status_code != 200:
            raise BadGateway(f"Dịch vụ evidence trả lời HTTP {response.status_code}: chưa kiểm tra được minh chứng.")
        items = [EvidenceState.model_validate(item) for item in found]
        return [item for item in items if item.replaced_by_id is None]
