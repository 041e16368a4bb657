"""A rubric as data: groups, criteria of four kinds, level bands, and the settings that decide a class or level.

A rubric version is immutable once saved, so its whole definition is one document (stored as JSON): scores
refer to criteria by code, and a campaign refers to one version. `problems()` lists everything wrong with a
definition in Vietnamese, naming the group or criterion at fault, before anything is stored.
"""

from __future__ import annotations

from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from typing import Annotated

from pydantic import Field, StringConstraints

from edudx_common.errors import FieldError
from edudx_common.text import CRITERION_CODE, CRITERION_CODE_EXAMPLES, CRITERION_CODE_PATTERN
from edudx_common.types import FiniteFloat, RequestModel, SingleLine

Code = Annotated[SingleLine, StringConstraints(min_length=1, max_length=20)]
# A criterion's code is checked by `problems()` (a Vietnamese message naming it); the schema states the pattern.
CriterionCode = Annotated[Code, Field(description=f"Mã tiêu chí, ví dụ {CRITERION_CODE_EXAMPLES}: một đến năm phần "
                                                  "chữ Latinh và chữ số (mỗi phần tối đa 8 ký tự) nối bằng dấu chấm",
                                      json_schema_extra={"pattern": CRITERION_CODE_PATTERN})]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=4000)]
Label = Annotated[SingleLine, StringConstraints(min_length=1, max_length=100)]
GroupTitle = Annotated[SingleLine, StringConstraints(min_length=1, max_length=4000)]
Points = Annotated[FiniteFloat, Field(ge=0, le=10_000)]


def dec(value: float | int | Decimal) -> Decimal:
    """Points as exact decimals: 0.1 + 0.2 must be 0.3 when a criterion's steps are added up."""
    return value if isinstance(value, Decimal) else Decimal(str(value))


class CriterionKind(StrEnum):
    POINTS = "points"  # 0..max on the step
    BLOCKS = "blocks"  # fixed-block sub-items, each present or absent
    LEVELS = "levels"  # one of several described levels, each worth its points
    MANDATORY = "mandatory"  # điều kiện bắt buộc: đạt / chưa đạt, no points
    COMPUTED = "computed"  # filled by the server from the published results of the units an authority manages


class ComputedMeasure(StrEnum):
    COUNT = "count"  # how many of the managed units are at one of the levels
    SHARE = "share"  # that many out of every managed unit with a published result, as a share of the maximum


class ClassificationMode(StrEnum):
    TOTAL_BANDS = "total_bands"  # seed 004: one class from the total score
    GROUP_LEVELS = "group_levels"  # QĐ 4725: a level for each group from its own total


class OverallLevel(StrEnum):
    NONE = "none"  # levels per group only
    LOWEST_GROUP = "lowest_group"  # one overall level: the weakest group's


class MandatoryFailure(StrEnum):
    NO_EFFECT = "no_effect"
    CAP_LOWEST = "cap_lowest"  # the group (and the overall level or class) drops to the lowest band
    NOT_CLASSIFIED = "not_classified"  # no level or class is given while a condition is not met


class Band(RequestModel):
    """A class or level over a range of points; each edge says whether it belongs to the band."""

    label: Label
    min: Points | None = Field(default=None, description="Cận dưới; bỏ trống: không giới hạn dưới")
    min_inclusive: bool = True
    max: Points | None = Field(default=None, description="Cận trên; bỏ trống: không giới hạn trên")
    max_inclusive: bool = False

    def contains(self, value: Decimal) -> bool:
        if self.min is not None and (value < dec(self.min) or (value == dec(self.min) and not self.min_inclusive)):
            return False
        return not (self.max is not None
                    and (value > dec(self.max) or (value == dec(self.max) and not self.max_inclusive)))

    def describe(self) -> str:
        low = "" if self.min is None else f"{'từ' if self.min_inclusive else 'trên'} {num(self.min)}"
        high = "" if self.max is None else f"{'đến' if self.max_inclusive else 'dưới'} {num(self.max)}"
        return f"{self.label} ({' '.join(p for p in (low, high) if p)})"


class SubItem(RequestModel):
    """A fixed block (present or absent) or a described level of a criterion."""

    code: Code
    text: Text
    points: Points


class EvidenceAttribute(RequestModel):
    """A fact the evidence of a criterion must state, e.g. the solution's name, or built / rented / bought."""

    key: Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
    label: Label
    choices: list[Label] = Field(default_factory=list, description="Giá trị được phép; trống: tự do")


class ComputedFrom(RequestModel):
    """An authority index criterion (QĐ 3806 kind): a figure over the published results of the units the
    authority manages (their latest publication of a campaign of `campaign_kind`)."""

    measure: ComputedMeasure
    levels: list[Label] = Field(min_length=1, description="Các mức / xếp loại được đếm, ví dụ ['Mức 2', 'Mức 3']")
    campaign_kind: Annotated[SingleLine, StringConstraints(max_length=40)] | None = Field(
        default=None, description="Chỉ kết quả của các đợt loại này (ví dụ dx_self_assessment); trống: mọi đợt")


class Criterion(RequestModel):
    code: CriterionCode
    text: Text
    kind: CriterionKind = CriterionKind.POINTS
    max_points: Points = 0
    step: Points | None = Field(default=None, description="Bước điểm; trống: bước chung của bộ tiêu chí")
    evidence_expected: str | None = Field(default=None, max_length=2000, description="Minh chứng cần có")
    evidence_required: bool = False
    evidence_attributes: list[EvidenceAttribute] = Field(default_factory=list)
    items: list[SubItem] = Field(default_factory=list, description="Khối điểm (blocks) hoặc các mức (levels)")
    bands: list[Band] = Field(default_factory=list, description="Mức riêng của tiêu chí (tùy chọn)")
    required_for_level: Label | None = Field(
        default=None, description="Chỉ với điều kiện bắt buộc: mức cần đạt điều kiện này (ví dụ 'Mức 3' — 'II.1 phải "
                                  "đạt để xếp Mức 3'). Chưa đạt thì mức của nhóm (và mức chung, xếp loại) không cao "
                                  "hơn mức ngay dưới; để trống: theo cài đặt chung khi chưa đạt điều kiện")
    computed: ComputedFrom | None = Field(
        default=None, description="Chỉ với tiêu chí tính tự động (computed): số hoặc tỷ lệ trường trực thuộc đạt "
                                  "các mức đã công bố")


class Group(RequestModel):
    code: Code
    title: GroupTitle
    max_points: Points
    criteria: list[Criterion]
    bands: list[Band] = Field(default_factory=list, description="Mức riêng của nhóm (tùy chọn)")


class RubricDefinition(RequestModel):
    title: Annotated[SingleLine, StringConstraints(min_length=1, max_length=500)]
    description: str | None = Field(default=None, max_length=4000)
    reference_note: str | None = Field(default=None, max_length=1000,
                                       description="Ví dụ 'Mẫu tham khảo — đối chiếu với văn bản gốc'")
    mode: ClassificationMode = ClassificationMode.TOTAL_BANDS
    max_total: Points | None = Field(default=None, description="Tổng điểm chuẩn (xếp loại theo tổng điểm)")
    step: Points = Field(default=0.25, gt=0, description="Bước điểm chung")
    bands: list[Band] = Field(default_factory=list,
                              description="Xếp loại theo tổng điểm, hoặc mức chung của mỗi nhóm (theo nhóm)")
    overall_level: OverallLevel = OverallLevel.NONE
    mandatory_failure: MandatoryFailure = MandatoryFailure.NO_EFFECT
    large_gap_ratio: float = Field(default=0.5, gt=0, le=1,
                                   description="Chênh lệch tự chấm / thẩm định từ tỷ lệ này của điểm chuẩn trở "
                                               "lên thì được đánh dấu")
    review_reason_required: bool = Field(
        default=False, description="Đánh giá ngoài: điểm thẩm định khác điểm tự chấm phải có lý do (nhận xét) "
                                   "cho từng tiêu chí thay đổi")
    groups: list[Group] = Field(min_length=1)

    def criteria(self) -> dict[str, tuple[Group, Criterion]]:
        return {c.code: (g, c) for g in self.groups for c in g.criteria}

    def group_bands(self, group: Group) -> list[Band]:
        return group.bands or (self.bands if self.mode is ClassificationMode.GROUP_LEVELS else [])

    @property
    def ranks_by_level(self) -> bool:
        """Results rank by the overall level first, then by points: with levels per group the points of the
        groups added up would put a Mức 1 unit above a Mức 2 one."""
        return self.mode is ClassificationMode.GROUP_LEVELS and self.overall_level is not OverallLevel.NONE

    def capped_bands(self, group: Group) -> list[Band]:
        """The bands a condition of the group names in `required_for_level`: the group's levels, or the classes
        by total score when the rubric classifies by total."""
        return self.group_bands(group) or (self.bands if self.mode is ClassificationMode.TOTAL_BANDS else [])


def criterion_step(definition: RubricDefinition, criterion: Criterion) -> Decimal:
    return dec(criterion.step if criterion.step is not None else definition.step)


def num(value: float | Decimal) -> str:
    """9.5 → '9,5'; 20.0 → '20' (Vietnamese decimal comma)."""
    text = f"{dec(value).normalize():f}"
    return text.replace(".", ",")


# --- validation ----------------------------------------------------------------------------------------------


def problems(definition: RubricDefinition) -> list[FieldError]:
    """Everything that makes a definition unusable, each naming its group or criterion; empty when valid."""
    found: list[FieldError] = []

    def add(field: str, message: str) -> None:
        found.append(FieldError(field=field, message=message))

    seen: set[str] = set()
    for gi, group in enumerate(definition.groups):
        where = f"groups[{gi}]"
        if group.code in seen:
            add(f"{where}.code", f"Mã '{group.code}' bị trùng.")
        seen.add(group.code)
        if not group.criteria:
            add(f"{where}.criteria", f"Nhóm {group.code} chưa có tiêu chí nào.")
        for ci, criterion in enumerate(group.criteria):
            cwhere = f"{where}.criteria[{ci}]"
            if criterion.code in seen:
                add(f"{cwhere}.code", f"Mã '{criterion.code}' bị trùng.")
            seen.add(criterion.code)
            if not CRITERION_CODE.match(criterion.code):
                add(f"{cwhere}.code",
                    f"Mã tiêu chí '{criterion.code}' không hợp lệ (ví dụ: {CRITERION_CODE_EXAMPLES}).")
            if criterion.required_for_level is not None:
                for message in _cap_problems(definition, group, criterion):
                    add(f"{cwhere}.required_for_level", f"Tiêu chí {criterion.code}: {message}")
            for message in _criterion_problems(definition, criterion):
                add(cwhere, f"Tiêu chí {criterion.code}: {message}")
            for message in band_problems(criterion.bands, dec(criterion.max_points)):
                add(f"{cwhere}.bands", f"Mức của tiêu chí {criterion.code}: {message}")
        criteria_sum = sum((dec(c.max_points) for c in group.criteria), Decimal(0))
        if group.criteria and criteria_sum != dec(group.max_points):
            add(f"{where}.max_points", f"Nhóm {group.code} ({group.title}): tổng điểm chuẩn các tiêu chí là "
                                       f"{num(criteria_sum)}, không khớp điểm chuẩn của nhóm {num(group.max_points)}.")
        group_bands = definition.group_bands(group)
        if definition.mode is ClassificationMode.GROUP_LEVELS and not group_bands:
            add(f"{where}.bands", f"Nhóm {group.code}: xếp mức theo nhóm cần các mức (của nhóm hoặc mức chung).")
        for message in band_problems(group_bands, dec(group.max_points)):
            add(f"{where}.bands", f"Mức của nhóm {group.code}: {message}")

    groups_sum = sum((dec(g.max_points) for g in definition.groups), Decimal(0))
    if definition.mode is ClassificationMode.TOTAL_BANDS:
        if definition.max_total is None:
            add("max_total", "Xếp loại theo tổng điểm cần tổng điểm chuẩn.")
        elif groups_sum != dec(definition.max_total):
            add("max_total", f"Tổng điểm chuẩn các nhóm là {num(groups_sum)}, không khớp tổng điểm chuẩn "
                             f"{num(definition.max_total)}.")
        if not definition.bands:
            add("bands", "Xếp loại theo tổng điểm cần các mức xếp loại.")
        for message in band_problems(definition.bands, dec(definition.max_total or groups_sum)):
            add("bands", f"Xếp loại: {message}")
    elif definition.max_total is not None and dec(definition.max_total) != groups_sum:
        add("max_total", f"Tổng điểm chuẩn các nhóm là {num(groups_sum)}, không khớp tổng điểm chuẩn "
                         f"{num(definition.max_total)}.")
    return found


def _cap_problems(definition: RubricDefinition, group: Group, criterion: Criterion) -> list[str]:
    if criterion.kind is not CriterionKind.MANDATORY:
        return ["chỉ điều kiện bắt buộc mới gắn với một mức cần đạt."]
    labels = [b.label for b in ordered_bands(definition.capped_bands(group))]
    if criterion.required_for_level not in labels:
        return [f"không có mức '{criterion.required_for_level}' để gắn điều kiện (các mức: "
                f"{', '.join(labels) or 'chưa có'})."]
    if labels.index(criterion.required_for_level) == 0:
        return [f"'{criterion.required_for_level}' là mức thấp nhất, không thể là mức cần đạt điều kiện."]
    return []


def _criterion_problems(definition: RubricDefinition, criterion: Criterion) -> list[str]:
    maximum = dec(criterion.max_points)
    codes = [i.code for i in criterion.items]
    out: list[str] = []
    if len(set(codes)) != len(codes):
        out.append("mã các mục con bị trùng.")
    if criterion.kind is CriterionKind.POINTS:
        step = criterion_step(definition, criterion)
        if maximum <= 0:
            out.append("điểm chuẩn phải lớn hơn 0.")
        elif step <= 0 or maximum % step != 0:
            out.append(f"điểm chuẩn {num(maximum)} không chia hết cho bước điểm {num(step)}.")
        if criterion.items:
            out.append("tiêu chí chấm điểm trực tiếp không có mục con.")
    elif criterion.kind is CriterionKind.BLOCKS:
        total = sum((dec(i.points) for i in criterion.items), Decimal(0))
        if not criterion.items:
            out.append("tiêu chí theo khối điểm cần ít nhất một khối.")
        elif total != maximum:
            out.append(f"tổng các khối là {num(total)}, không khớp điểm chuẩn {num(maximum)}.")
    elif criterion.kind is CriterionKind.COMPUTED:
        if criterion.computed is None:
            out.append("tiêu chí tính tự động cần cách tính (computed).")
        if maximum <= 0:
            out.append("điểm chuẩn phải lớn hơn 0.")
        if criterion.items:
            out.append("tiêu chí tính tự động không có mục con.")
    elif criterion.kind is CriterionKind.LEVELS:
        if not criterion.items:
            out.append("tiêu chí theo mức cần ít nhất một mức.")
        elif max(dec(i.points) for i in criterion.items) != maximum:
            out.append(f"mức cao nhất phải bằng điểm chuẩn {num(maximum)}.")
    else:
        if maximum != 0 or criterion.items:
            out.append("điều kiện bắt buộc chỉ có đạt / chưa đạt, không có điểm và mục con.")
        if criterion.bands:
            out.append("điều kiện bắt buộc không có mức.")
    if criterion.computed is not None and criterion.kind is not CriterionKind.COMPUTED:
        out.append("chỉ tiêu chí tính tự động (computed) có cách tính.")
    for attribute in criterion.evidence_attributes:
        if len(set(attribute.choices)) != len(attribute.choices):
            out.append(f"giá trị của thuộc tính '{attribute.label}' bị trùng.")
    return out


def band_problems(bands: list[Band], maximum: Decimal) -> list[str]:
    """Bands must cover 0..maximum with no gap and no overlap, an edge belonging to exactly one band."""
    if not bands:
        return []
    out: list[str] = []
    labels = [b.label for b in bands]
    if len(set(labels)) != len(labels):
        out.append("tên mức bị trùng.")
    for band in bands:
        if band.min is not None and band.max is not None and (
                dec(band.min) > dec(band.max)
                or (band.min == band.max and not (band.min_inclusive and band.max_inclusive))):
            out.append(f"mức '{band.label}' rỗng (cận dưới không nhỏ hơn cận trên).")
    if out:
        return out
    ordered = sorted(bands, key=lambda b: (b.min is not None, dec(b.min) if b.min is not None else Decimal(0)))
    first = ordered[0]
    if not first.contains(Decimal(0)) and not (first.min is not None and dec(first.min) < 0):
        out.append(f"không có mức nào chứa 0 điểm (mức thấp nhất: {first.describe()}).")
    for low, high in pairwise(ordered):
        if low.max is None or high.min is None:
            out.append(f"mức '{low.label}' và '{high.label}' chồng lên nhau.")
        elif dec(low.max) < dec(high.min) or (low.max == high.min and not low.max_inclusive
                                               and not high.min_inclusive):
            out.append(f"có khoảng trống giữa '{low.describe()}' và '{high.describe()}'.")
        elif dec(low.max) > dec(high.min) or (low.max_inclusive and high.min_inclusive):
            out.append(f"mức '{low.describe()}' và '{high.describe()}' chồng lên nhau.")
    last = ordered[-1]
    if not last.contains(maximum) and not (last.max is None or dec(last.max) > maximum):
        out.append(f"không có mức nào chứa {num(maximum)} điểm (mức cao nhất: {last.describe()}).")
    return out


def ordered_bands(bands: list[Band]) -> list[Band]:
    """Lowest first: the index is the band's rank when levels of different groups are compared."""
    return sorted(bands, key=lambda b: (b.min is not None, dec(b.min) if b.min is not None else Decimal(0)))

