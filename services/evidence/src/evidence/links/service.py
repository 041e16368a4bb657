"""Links as evidence (portal article, LMS course, TEMIS or CSDL ngành record), under the same rules as a file."""

from __future__ import annotations

import unicodedata
import uuid
from collections.abc import Mapping, Sequence
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from edudx_common.auth import Principal
from edudx_common.scope import UnitTree
from evidence.clients.submissions import SubmissionInfo, SubmissionsClient
from evidence.errors import InvalidLink
from evidence.files import service as files_service
from evidence.files.models import EvidenceItem, EvidenceKind
from evidence.files.schemas import EvidenceRead
from evidence.links.schemas import LinkCreate

MAX_URL = 2000
LINK_SCHEMES = ("http", "https")


async def add_link(session: AsyncSession, principal: Principal, payload: LinkCreate, *,
                   submissions: SubmissionsClient, tree: UnitTree) -> EvidenceRead:
    info = await files_service.submission_in_scope(principal, payload.submission_id, submissions=submissions,
                                                   tree=tree)
    item = await create_link(session, principal, info, url=payload.url, title=payload.title, note=payload.note,
                             criterion_codes=payload.criterion_codes, replaces_id=payload.replaces_id,
                             screenshot_id=payload.screenshot_id, attributes=payload.attributes)
    return await files_service.read_item(session, item)


def check_url(raw: str) -> str:
    """An http(s) address with a host, as typed (trimmed); `javascript:`, `file:`, `data:` and the like never."""
    url = raw.strip()
    if not url:
        raise InvalidLink("Thiếu đường liên kết.")
    if len(url) > MAX_URL:
        raise InvalidLink(f"Đường liên kết dài quá {MAX_URL} ký tự.")
    if any(ch.isspace() or unicodedata.category(ch)[0] == "C" for ch in url):
        raise InvalidLink("Đường liên kết không được chứa khoảng trắng hay ký tự điều khiển.")
    try:
        parts = urlsplit(url)
        host = parts.hostname
        _ = parts.port
    except ValueError:
        raise InvalidLink("Đường liên kết không đúng định dạng.") from None
    if parts.scheme.lower() not in LINK_SCHEMES:
        raise InvalidLink("Chỉ chấp nhận đường liên kết bắt đầu bằng http:// hoặc https:// "
                          "(ví dụ https://truong.edu.vn/bai-viet).")
    if not host:
        raise InvalidLink("Đường liên kết thiếu tên miền (ví dụ https://truong.edu.vn/bai-viet).")
    if parts.username is not None or parts.password is not None:
        raise InvalidLink("Đường liên kết không được chứa tên đăng nhập hay mật khẩu.")
    return url


async def create_link(session: AsyncSession, principal: Principal, info: SubmissionInfo, *, url: str, title: str,
                      note: str | None, criterion_codes: Sequence[str], replaces_id: uuid.UUID | None,
                      screenshot_id: uuid.UUID | None = None,
                      attributes: Mapping[str, str] | None = None) -> EvidenceItem:
    """A link as evidence (portal article, LMS course, TEMIS record), under the same rules as a file."""
    files_service.ensure_editable(principal, info)
    checked = check_url(url)
    name = title.strip()
    if not name:
        raise InvalidLink("Hãy đặt tên cho minh chứng (ví dụ 'Bài viết trên cổng thông tin của trường').")
    replaced = await files_service.replaced_item(session, info, str(replaces_id) if replaces_id else None)
    if screenshot_id is not None:
        screenshot = await session.get(EvidenceItem, screenshot_id)
        if (screenshot is None or screenshot.submission_id != info.id or screenshot.kind != EvidenceKind.FILE.value
                or not (screenshot.content_type or "").startswith("image/")):
            raise InvalidLink("Ảnh chụp màn hình phải là một tệp ảnh đã tải lên cùng báo cáo này.")
    item = EvidenceItem(
        submission_id=info.id, unit_id=info.unit_id, draft_number=info.draft_number, kind=EvidenceKind.LINK.value,
        title=name, description=(note or "").strip() or None,
        criterion_codes=files_service.parse_criteria(criterion_codes),
        url=checked, replaces_id=replaced, screenshot_id=screenshot_id, attributes=dict(attributes or {}),
        uploaded_by=principal.subject,
        uploaded_by_name=principal.name,
    )
    session.add(item)
    await session.flush()
    files_service.record_audit(session, principal, info, "evidence.linked", item)
    return item
