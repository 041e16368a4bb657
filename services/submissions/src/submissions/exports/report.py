"""From a submission, its campaign's outline and its unit to the `PrintableReport` the renderers print."""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from edudx_common.timezone import describe_delay, format_vn, in_vietnam
from submissions.clients.identity import IdentityClient
from submissions.exports.document import FieldValue, PrintableReport, Section, TableValue
from submissions.outlines.schemas import FieldKind, OutlineDefinition, OutlineField, OutlineSection
from submissions.workflow.models import SubmissionVersion

if TYPE_CHECKING:
    from submissions.workflow.service import Context

PLACE_PREFIXES = ("tỉnh ", "thành phố ", "tp. ", "tp ", "quận ", "huyện ", "thị xã ")


def place_from_address(address: str | None) -> str:
    """'Xã Lộc Hòa, huyện Long Hồ, tỉnh Vĩnh Long' → 'Long Hồ': the district names the place in a letter."""
    if not address:
        return "……………"
    parts = [p.strip() for p in address.split(",") if p.strip()]
    chosen = parts[-2] if len(parts) >= 2 else parts[-1]
    lowered = chosen.lower()
    for prefix in PLACE_PREFIXES:
        if lowered.startswith(prefix):
            return chosen[len(prefix):].strip()
    return chosen


async def printable_report(identity: IdentityClient, ctx: Context,
                           submitted: SubmissionVersion | None) -> PrintableReport:
    """The submission (a submitted version, or the draft when `submitted` is None) as a printable report,
    with the school's address and governing body as identity knows them now."""
    school = await identity.unit(ctx.target.unit_id)
    parent_id = school.ancestor_ids[-1] if school.ancestor_ids else None
    governing = (await identity.unit(parent_id)).name if parent_id else ctx.campaign.issuer_name
    return build_report(
        outline=OutlineDefinition.model_validate(ctx.campaign.outline),
        content=submitted.content if submitted else ctx.submission.content,
        unit_name=ctx.target.unit_name, unit_code=ctx.target.unit_code, governing_body=governing,
        address=school.address, campaign_title=ctx.campaign.title, legal_reference=ctx.campaign.legal_reference,
        issuer_name=ctx.campaign.issuer_name, version_number=submitted.number if submitted else None,
        submitted_at=submitted.submitted_at if submitted else None,
        late_seconds=submitted.late_seconds if submitted else None,
    )


def build_report(*, outline: OutlineDefinition, content: dict[str, Any], unit_name: str, unit_code: str,
                 governing_body: str, address: str | None, campaign_title: str, legal_reference: str | None,
                 issuer_name: str, version_number: int | None, submitted_at: datetime.datetime | None,
                 late_seconds: int | None) -> PrintableReport:
    if version_number is None or submitted_at is None:
        note = "Bản nháp, chưa nộp"
    else:
        note = f"Bản nộp lần {version_number}, {format_vn(submitted_at)}"
        if late_seconds:
            note += f" (nộp muộn {describe_delay(late_seconds)})"
    return PrintableReport(
        governing_body=governing_body,
        unit_name=unit_name,
        document_number=f"Số:       /BC-{unit_code}",
        place=place_from_address(address),
        date=in_vietnam(submitted_at).date() if submitted_at else None,
        title="BÁO CÁO",
        subtitle=campaign_title,
        legal_basis=[f"Căn cứ {legal_reference}."] if legal_reference else [],
        sections=[_section(s, content) for s in outline.sections],
        recipients=[f"{issuer_name} (để báo cáo);", "Lưu: VT."],
        signer_title="HIỆU TRƯỞNG",
        signer_name=None,
        status_note=note,
    )


def _section(section: OutlineSection, content: dict[str, Any]) -> Section:
    return Section(number=section.number, title=section.title,
                   fields=[_field(f, content.get(f.id)) for f in section.fields],
                   subsections=[_section(s, content) for s in section.sections])


def _field(field: OutlineField, value: Any) -> FieldValue:
    if field.kind == FieldKind.TABLE:
        columns = field.columns or []
        rows = [[_cell(c.kind, row.get(c.id)) for c in columns] for row in value or []]
        return FieldValue(label=field.label, kind="table", value=TableValue([c.label for c in columns], rows))
    return FieldValue(label=field.label, kind=field.kind.value, value=_cell(field.kind, value), unit=field.unit)


def _cell(kind: FieldKind, value: Any) -> Any:
    if kind == FieldKind.DATE and isinstance(value, str):
        return datetime.date.fromisoformat(value)
    return value
