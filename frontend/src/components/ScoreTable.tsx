// The one score table (STT | Nội dung | Điểm chuẩn | …) the school's self-scoring, the reviewer's scoring and the
// rubric view share: groups with their subtotals, a row per criterion, the screen's own columns after the max.
// Also the pieces both scoring tables put in a row: the input of a mark by the criterion's kind, a mark as text,
// the class tag.
import { ExclamationCircleFilled } from "@ant-design/icons";
import { Checkbox, Input, Radio, Select, Tag } from "antd";
import { Fragment, type ReactNode } from "react";
import { useLang, useT } from "../i18n/lang";
import { formatPoints, stepOf, type Criterion, type Entry, type RubricDefinition } from "../lib/scoring";

const CLASS_COLORS: Record<string, string> = { "Xuất sắc": "green", "Tốt": "blue", "Khá": "cyan", "Trung bình": "orange", "Yếu": "red" };

export function ClassTag({ label }: { label: string | null | undefined }) {
  const t = useT();
  if (!label) return <Tag>{t("Chưa xếp loại", "Not classified")}</Tag>;
  return <Tag color={CLASS_COLORS[label] ?? "geekblue"} className="class-tag">{label}</Tag>;
}

export const KIND_LABEL: Record<string, [string, string]> = {
  blocks: ["Chọn các nội dung đạt", "Tick what is achieved"],
  levels: ["Chọn mức", "Choose the level"],
  mandatory: ["Điều kiện bắt buộc", "Mandatory condition"],
  computed: ["Tính tự động từ kết quả đã công bố của các trường trực thuộc", "Computed from the managed schools' published results"],
};

/** The value of a mark as text: "2,5", "Đạt", "a, c (12)", "Mức 2". */
export function markText(criterion: Criterion | undefined, mark: Entry | null | undefined, t: (vi: string, en: string) => string, lang: "vi" | "en"): string {
  if (!mark) return "—";
  const kind = criterion?.kind ?? "points";
  if (kind === "mandatory") return mark.passed === true ? t("Đạt", "Met") : mark.passed === false ? t("Chưa đạt", "Not met") : "—";
  if (kind === "blocks") return mark.item_codes?.length ? `${mark.item_codes.join(", ")} (${formatPoints(mark.points, lang)})` : formatPoints(mark.points, lang);
  if (kind === "levels") return (criterion?.items ?? []).find((i) => i.code === mark.level_code)?.text ?? mark.level_code ?? "—";
  return formatPoints(mark.points, lang);
}

/** The input of one criterion's score by its kind: points on the step, đạt/chưa đạt, blocks, level. */
function MarkInput({ criterion, definition, entry, text, onText, onChange, disabled, idPrefix }: {
  criterion: Criterion;
  definition: RubricDefinition;
  entry: Entry | undefined;
  text: string | undefined;
  onText: (text: string) => void;
  onChange: (patch: Entry) => void;
  disabled?: boolean;
  idPrefix: string;
}) {
  const t = useT();
  const { lang } = useLang();
  const kind = criterion.kind ?? "points";
  const id = `${idPrefix}-${criterion.code}`;
  if (kind === "mandatory")
    return (
      <Radio.Group id={id} disabled={disabled} value={entry?.passed ?? undefined} onChange={(e) => onChange({ passed: e.target.value as boolean })}
        aria-label={`${t("Tiêu chí", "Criterion")} ${criterion.code}`}>
        <Radio value={true}>{t("Đạt", "Met")}</Radio>
        <Radio value={false}>{t("Chưa đạt", "Not met")}</Radio>
      </Radio.Group>
    );
  // Filled by the server from the published results of the schools the unit manages (authority index).
  if (kind === "computed")
    return <span id={id}>{typeof entry?.points === "number" ? formatPoints(entry.points, lang) : "—"} <span className="muted small">({t("tính tự động", "computed")})</span></span>;
  if (kind === "blocks")
    return (
      <Checkbox.Group disabled={disabled} className="choice-list" value={entry?.item_codes ?? []} onChange={(v) => onChange({ item_codes: v as string[] })}
        options={(criterion.items ?? []).map((i) => ({ value: i.code, label: `${i.code}) ${i.text} (${formatPoints(i.points, lang)})` }))} />
    );
  if (kind === "levels")
    return (
      <Select id={id} disabled={disabled} allowClear style={{ width: "100%" }} placeholder={t("Chọn mức", "Choose the level")} value={entry?.level_code ?? undefined}
        onChange={(v) => onChange({ level_code: (v as string | undefined) ?? null })}
        options={(criterion.items ?? []).map((i) => ({ value: i.code, label: `${i.text} (${formatPoints(i.points, lang)})` }))} />
    );
  const step = stepOf(criterion, definition);
  const value = text ?? (typeof entry?.points === "number" ? formatPoints(entry.points, lang) : "");
  return (
    <Input id={id} disabled={disabled} inputMode="decimal" className="points-input" value={value} placeholder={`0–${formatPoints(criterion.max_points ?? 0, lang)}`}
      aria-label={`${t("Điểm tiêu chí", "Points for criterion")} ${criterion.code}`}
      suffix={<span className="muted small">/{formatPoints(criterion.max_points ?? 0, lang)}</span>}
      title={t(`Bước ${formatPoints(step, lang)} điểm`, `Steps of ${formatPoints(step, lang)}`)}
      onChange={(e) => onText(e.target.value)} />
  );
}

/** What a row of either scoring table holds while it is edited: the mark, the points as typed, the remark. */
export interface ScoreRowEdit {
  entry: Entry;
  text?: string;
}

/** The editable score of one criterion, the same in both tables: the mark's input, its problem, and the
 * remark under it (the school's note or the reviewer's comment). */
export function ScoreCell({ criterion, definition, row, problem, disabled, idPrefix, onUpdate, remark }: {
  criterion: Criterion;
  definition: RubricDefinition;
  row: ScoreRowEdit;
  problem: string | undefined;
  disabled: boolean;
  idPrefix: string;
  onUpdate: (patch: { text?: string; entry?: Entry }) => void;
  remark: { value: string; placeholder: string; label: string; onChange: (value: string) => void };
}) {
  return (
    <>
      <MarkInput criterion={criterion} definition={definition} entry={row.entry} text={row.text} disabled={disabled} idPrefix={idPrefix}
        onText={(text) => onUpdate({ text })} onChange={(entry) => onUpdate({ entry })} />
      {problem && <div className="score-error" role="alert"><ExclamationCircleFilled /> {problem}</div>}
      <Input.TextArea className="mt-small" disabled={disabled} autoSize={{ minRows: 1, maxRows: 4 }} maxLength={2000} value={remark.value}
        placeholder={remark.placeholder} aria-label={remark.label} onChange={(e) => remark.onChange(e.target.value)} />
    </>
  );
}

export type ScoreColumn = [vi: string, en: string, className: string];

/** The table's head: STT | Nội dung | Điểm chuẩn | … */
function ScoreHead({ columns }: { columns: ScoreColumn[] }) {
  const t = useT();
  return (
    <thead>
      <tr>
        <th scope="col" className="col-no">{t("STT", "No.")}</th>
        <th scope="col">{t("Nội dung", "Criterion")}</th>
        <th scope="col" className="col-max">{t("Điểm chuẩn", "Max")}</th>
        {columns.map(([vi, en, className]) => <th key={className} scope="col" className={className}>{t(vi, en)}</th>)}
      </tr>
    </thead>
  );
}

/** A group's row with its subtotals. */
function GroupRow({ code, title, max, cells }: { code: string; title: string; max: number; cells: ReactNode[] }) {
  const t = useT();
  const { lang } = useLang();
  return (
    <tr className="group-row">
      <td className="col-no">{code}</td>
      <td>{title}</td>
      <td className="col-max" data-label={t("Điểm chuẩn", "Max")}>{formatPoints(max, lang)}</td>
      {cells}
    </tr>
  );
}

type Group = RubricDefinition["groups"][number];

/** One criterion's row: its own cells after STT and max, and how the row is marked. A scoring table's rows have
 * an anchor (`id`, the checklist links to it) and carry their criterion's code as `data-code`. */
export interface CriterionRow {
  id?: string;
  className?: string;
  description: ReactNode;
  cells: ReactNode[];
}

/** The rubric's groups and criteria with the screen's columns: `groupCells` and `row` fill them. */
export function ScoreTable({ definition, className, columns, groupCells, row, footer }: {
  definition: RubricDefinition;
  className: string;
  columns: ScoreColumn[];
  groupCells: (group: Group) => ReactNode[];
  row: (criterion: Criterion) => CriterionRow;
  footer?: ReactNode;
}) {
  const t = useT();
  const { lang } = useLang();
  return (
    <table className={className}>
      <ScoreHead columns={columns} />
      <tbody>
        {definition.groups.map((group) => (
          <Fragment key={group.code}>
            <GroupRow code={group.code} title={group.title} max={group.max_points} cells={groupCells(group)} />
            {group.criteria.map((criterion) => {
              const { id, className: rowClass, description, cells } = row(criterion);
              return (
                <tr key={criterion.code} id={id} className={rowClass} data-code={id ? criterion.code : undefined}>
                  <td className="col-no">{criterion.code}</td>
                  <td>{description}</td>
                  <td className="col-max" data-label={t("Điểm chuẩn", "Max")}>{formatPoints(criterion.max_points ?? 0, lang)}</td>
                  {cells}
                </tr>
              );
            })}
          </Fragment>
        ))}
        {footer}
      </tbody>
    </table>
  );
}
