// Scores against the campaign's rubric (tiêu chí chấm điểm): the school's self-scoring table with evidence per
// criterion, the reviewer's scores beside the school's, and what the school sees once results are published.
// Totals and classes shown as final are the server's; the running total while typing is computed here.
import { CheckCircleFilled, FileExcelOutlined, WarningFilled } from "@ant-design/icons";
import { Alert, App, Button, Empty, Modal, Select, Space, Statistic, Tag, Typography } from "antd";
import { useEffect, useRef, useState, type ReactNode } from "react";
import { Link, useSearchParams } from "react-router";
import { api, download } from "../../api/client";
import type { Evidence, UploadResult } from "../../api/types";
import type { ScoringComponents } from "../../api/generated";
import { PageLoading } from "../../components/PageLoading";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useLang, useT } from "../../i18n/lang";
import { classFor, formatPoints, isScored, parsePoints, pointsProblem, rowErrors, runningTotals, stepOf, type Criterion, type Entry, type RubricDefinition } from "../../lib/scoring";
import { useCatalogue } from "../evidence/api";
import { EvidencePreview, Uploader } from "../evidence/evidence";
import { RUBRIC_STALE_MS, useRubric } from "../rubrics/api";
import { useSaveScores, useScoreSheet, type ScoreSheet, type ScoreWrite } from "./api";
import { ClassTag, KIND_LABEL, markText, ScoreCell, ScoreTable } from "../../components/ScoreTable";

type CriterionScore = ScoringComponents["schemas"]["CriterionScoreRead"];

/** Which evidence a criterion rests on: the items tagged with its code unless the school picked others. */
function EvidencePicker({ criterion, items, chosen, onChoose, disabled }: {
  criterion: Criterion;
  items: Evidence[];
  chosen: string[] | undefined;
  onChoose: (ids: string[]) => void;
  disabled?: boolean;
}) {
  const t = useT();
  const live = items.filter((i) => !i.replaced_by_id);
  const tagged = live.filter((i) => i.criterion_codes.includes(criterion.code)).map((i) => i.id);
  return (
    <Select mode="multiple" disabled={disabled} style={{ width: "100%" }} value={chosen ?? tagged} onChange={onChoose}
      aria-label={`${t("Minh chứng tiêu chí", "Evidence of criterion")} ${criterion.code}`} data-testid={`evidence-pick-${criterion.code}`}
      placeholder={criterion.evidence_required ? t("Cần minh chứng", "Evidence required") : t("Chọn minh chứng", "Choose evidence")}
      optionFilterProp="label"
      options={live.map((i) => ({ value: i.id, label: `${(i.codes ?? []).join(", ") || i.criterion_codes.join(", ")} · ${i.title}` }))} />
  );
}

interface RowState {
  entry: Entry;
  text?: string;
  evidence?: string[];
}

function initialRows(sheet: ScoreSheet): Record<string, RowState> {
  const rows: Record<string, RowState> = {};
  for (const c of sheet.criteria) {
    const mark = c.self_score;
    rows[c.code] = {
      entry: mark ? { points: mark.points, passed: mark.passed, item_codes: mark.item_codes, level_code: mark.level_code, note: mark.note } : {},
      evidence: mark?.evidence_item_ids.length ? mark.evidence_item_ids : undefined,
    };
  }
  return rows;
}

/** Totals and class: the server's, and while typing the running total beside it. */
function TotalsBar({ sheet, running, runningClass, children }: { sheet: ScoreSheet; running?: number; runningClass?: string | null; children?: ReactNode }) {
  const t = useT();
  const { lang } = useLang();
  const final = sheet.final_total !== null && sheet.final_total !== undefined;
  return (
    <div className="score-totals" data-testid="score-totals">
      <Statistic title={t("Tự chấm (đã lưu)", "Self-score (saved)")} value={formatPoints(sheet.self_total, lang)} suffix={`/ ${formatPoints(sheet.max_total, lang)}`} />
      <div data-testid="self-class"><div className="muted small">{t("Xếp loại theo tự chấm", "Class by self-score")}</div>{sheet.scored_count > 0 ? <ClassTag label={sheet.self_classification} /> : <Tag>{t("Chưa chấm", "Not scored yet")}</Tag>}</div>
      {running !== undefined && Math.abs(running - sheet.self_total) > 1e-9 && (
        <div className="running-total" aria-live="polite">
          <div className="muted small">{t("Đang nhập (chưa lưu)", "Being typed (unsaved)")}</div>
          <strong>{formatPoints(running, lang)}</strong> <ClassTag label={runningClass} />
        </div>
      )}
      {final && (
        <>
          {/* Self, review and final apart: the review total never silently includes the school's own scores. */}
          <Statistic title={t(`Thẩm định (${sheet.reviewed_count}/${sheet.criteria_count} tiêu chí)`, `Review (${sheet.reviewed_count}/${sheet.criteria_count} criteria)`)}
            value={sheet.review_total === null || sheet.review_total === undefined ? "—" : formatPoints(sheet.review_total, lang)} />
          <Statistic title={t("Điểm chính thức", "Final score")} value={formatPoints(sheet.final_total, lang)} suffix={`/ ${formatPoints(sheet.max_total, lang)}`} />
          <div data-testid="final-class"><div className="muted small">{t("Xếp loại", "Class")}</div><ClassTag label={sheet.classification} /></div>
        </>
      )}
      <span className="muted small">{t(`Đã chấm ${sheet.scored_count}/${sheet.criteria_count} tiêu chí`, `${sheet.scored_count}/${sheet.criteria_count} criteria scored`)}</span>
      {children}
    </div>
  );
}

/** On a phone the total, the class and the count stay in view in one line above the cards. */
function PhoneTotals({ sheet, running, runningClass }: { sheet: ScoreSheet; running: number; runningClass: string | null }) {
  const t = useT();
  const { lang } = useLang();
  const typing = Math.abs(running - sheet.self_total) > 1e-9;
  return (
    <div className="phone-totals" aria-live="polite">
      <strong>{formatPoints(typing ? running : sheet.self_total, lang)}/{formatPoints(sheet.max_total, lang)}</strong>{" "}
      <ClassTag label={typing ? runningClass : sheet.scored_count > 0 ? sheet.self_classification : null} />
      <span className="muted small">{typing ? t("(đang nhập, chưa lưu)", "(typed, unsaved)") : t(`${sheet.scored_count}/${sheet.criteria_count} tiêu chí`, `${sheet.scored_count}/${sheet.criteria_count} criteria`)}</span>
    </div>
  );
}

function ExportScores({ submissionId }: { submissionId: string }) {
  const t = useT();
  const { message } = App.useApp();
  return (
    <Button icon={<FileExcelOutlined />} onClick={() => download(api.GET("/api/scoring/submissions/{submission_id}/scores/export", { params: { path: { submission_id: submissionId } }, parseAs: "blob" }), "bang-diem.xlsx").catch((e: Error) => message.error(e.message))}>
      {t("Xuất bảng điểm (XLSX)", "Export scores (XLSX)")}
    </Button>
  );
}

type Row = RowState & { comment?: string };

/** The editing state shared by the school's and the reviewer's tables: rows, what changed, points problems. */
function useScoreRows(submissionId: string, definition: RubricDefinition, initial: () => Record<string, Row>, onSaved?: () => void) {
  const { lang } = useLang();
  const { message } = App.useApp();
  const saving = useSaveScores(submissionId, onSaved);
  const [rows, setRows] = useState<Record<string, Row>>(initial);
  const [dirty, setDirty] = useState<Set<string>>(new Set());
  const criteria = definition.groups.flatMap((g) => g.criteria);
  const entries: Record<string, Entry> = {};
  const problems: Record<string, string> = {};
  for (const c of criteria) {
    const row = rows[c.code];
    const points = row?.text !== undefined ? parsePoints(row.text) : row?.entry.points;
    entries[c.code] = { ...row?.entry, points: typeof points === "number" && !Number.isNaN(points) ? points : null };
    if ((c.kind ?? "points") === "points" && row?.text !== undefined) {
      const problem = pointsProblem(parsePoints(row.text), stepOf(c, definition), c.max_points ?? 0);
      if (problem) problems[c.code] = lang === "vi" ? problem[0] : problem[1];
    }
  }
  const update = (code: string, patch: Partial<Row>) => {
    setRows((all) => ({ ...all, [code]: { ...all[code], ...patch, entry: { ...all[code]?.entry, ...patch.entry } } }));
    setDirty((all) => new Set(all).add(code));
  };
  /** Save the rows `write` names; the sheet the server answers replaces ours, its refusal is shown by row. */
  const send = (write: ScoreWrite, done: string) => {
    const codes = write.scores.map((score) => score.criterion_code);
    saving.mutate(write, {
      onSuccess: () => {
        setRows((all) => {
          const next = { ...all };
          for (const code of codes) next[code] = { ...next[code], entry: entries[code], text: undefined };
          return next;
        });
        setDirty((all) => new Set([...all].filter((code) => !codes.includes(code))));
        message.success(done);
      },
    });
  };
  const sent = saving.variables?.scores.map((score) => score.criterion_code) ?? [];
  return { rows, setRows, dirty, setDirty, criteria, entries, problems, update, send, busy: saving.isPending, error: saving.error, sent,
    serverErrors: rowErrors(saving.error, sent) };
}

/** The school's self-scoring table (tự chấm điểm) beside the rubric. */
export function SelfScoring({ submissionId, sheet, definition, editable, onSaved }: { submissionId: string; sheet: ScoreSheet; definition: RubricDefinition; editable: boolean; onSaved?: () => void }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const catalogue = useCatalogue(submissionId);
  const items = catalogue.data?.items ?? [];
  const { rows, setRows, dirty, setDirty, criteria, entries, problems, update, send, busy, error, serverErrors, sent: sentCodes } = useScoreRows(submissionId, definition, () => initialRows(sheet), onSaved);
  const latestItems = useRef(items);
  latestItems.current = items;
  /** A file uploaded from a row counts for that criterion — also when the report already held the same file. */
  const uploaded = (code: string, result: UploadResult) => {
    if (!result.duplicate || result.criterion_codes.includes(code)) return;
    setRows((all) => {
      const current = all[code]?.evidence ?? latestItems.current.filter((i) => !i.replaced_by_id && i.criterion_codes.includes(code)).map((i) => i.id);
      return { ...all, [code]: { ...all[code], evidence: [...new Set([...current, result.id])] } };
    });
    setDirty((all) => new Set(all).add(code));
    message.info(t(`Tệp này đã có trong báo cáo (${(result.codes ?? []).join(", ")}): đã chọn làm minh chứng cho tiêu chí ${code}.`,
      `This file is already in the report (${(result.codes ?? []).join(", ")}): chosen as evidence for criterion ${code}.`), 6);
  };
  const [uploading, setUploading] = useState<string | null>(null);
  const scores = new Map(sheet.criteria.map((c) => [c.code, c]));
  const running = runningTotals(definition, entries);

  /** Save `codes` (one card's button, or every changed card at once): only those criteria are sent. */
  const saveCodes = (wanted: string[]) => {
    if (wanted.some((code) => problems[code])) {
      message.error(t("Có điểm chưa hợp lệ — sửa các ô báo đỏ trước khi lưu.", "Some points are invalid — fix the fields in red first."));
      return;
    }
    const codes = wanted.filter((code) => {
      const c = criteria.find((x) => x.code === code);
      return c && (isScored(c, entries[code]) || scores.get(code)?.self_score);
    });
    if (!codes.length) {
      message.info(t("Chưa chấm tiêu chí này: nhập điểm (hoặc chọn mức/đạt) trước khi lưu.", "Nothing to save yet: enter a score first."));
      return;
    }
    const body = codes.map((code) => ({
      criterion_code: code,
      points: entries[code].points ?? null,
      passed: entries[code].passed ?? null,
      item_codes: entries[code].item_codes ?? null,
      level_code: entries[code].level_code ?? null,
      note: entries[code].note?.trim() || null,
      evidence_item_ids: rows[code].evidence ?? null,
    }));
    send({ kind: "self", scores: body },
      codes.length === 1 ? t(`Đã lưu điểm tự chấm tiêu chí ${codes[0]}.`, `Self-score of ${codes[0]} saved.`)
        : t(`Đã lưu điểm tự chấm (${codes.length} tiêu chí).`, `Self-scores saved (${codes.length} criteria).`));
  };
  const save = () => saveCodes([...dirty]);
  // A link from the checklist (…?tab=scores&criterion=1.4) lands on that criterion's card.
  const [params] = useSearchParams();
  const focus = params.get("criterion");
  useEffect(() => {
    if (!focus) return;
    const row = document.getElementById(`criterion-${focus}`);
    row?.scrollIntoView({ block: "start" });
    (row?.querySelector("input, [role=radio], .ant-select-selector") as HTMLElement | null)?.focus({ preventScroll: true });
  }, [focus]);

  return (
    <div className="scoring">
      <Typography.Paragraph type="secondary">
        {t(`Bộ tiêu chí: ${sheet.rubric_title}. Điểm chấm theo bước ${formatPoints(definition.step ?? 0.25, lang)}; tiêu chí có dấu * cần minh chứng gắn mã tiêu chí trước khi chấm lớn hơn 0.`,
          `Rubric: ${sheet.rubric_title}. Points in steps of ${formatPoints(definition.step ?? 0.25, lang)}; criteria marked * need evidence tagged with their code before scoring above 0.`)}
      </Typography.Paragraph>
      <div className="save-bar score-save-bar sticky-totals">
        <TotalsBar sheet={sheet} running={running.total} runningClass={classFor(definition.bands, running.total)} />
        <PhoneTotals sheet={sheet} running={running.total} runningClass={classFor(definition.bands, running.total)} />
        {editable && (
          <Button type="primary" loading={busy} onClick={save} disabled={!dirty.size}>
            {t("Lưu điểm tự chấm", "Save self-scores")}{dirty.size ? ` (${dirty.size})` : ""}
          </Button>
        )}
        <span className="export-wide"><ExportScores submissionId={submissionId} /></span>
      </div>
      {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
      <ScoreTable definition={definition} className="score-table" columns={[["Tự chấm", "Self-score", "col-score"], ["Minh chứng", "Evidence", "col-evidence"]]}
        groupCells={(group) => {
          const g = sheet.groups.find((x) => x.code === group.code);
          return [
            <td key="s" className="col-score" data-label={t("Tự chấm", "Self-score")}>
              <strong>{formatPoints(running.groups[group.code], lang)}</strong>
              {g && Math.abs(g.self_total - running.groups[group.code]) > 1e-9 && <span className="muted small"> ({t("đã lưu", "saved")} {formatPoints(g.self_total, lang)})</span>}
            </td>,
            <td key="e" className="col-evidence" />,
          ];
        }}
        row={(criterion) => {
          const row = rows[criterion.code] ?? { entry: {} };
          const problem = problems[criterion.code] ?? serverErrors[criterion.code];
          const score = scores.get(criterion.code);
          return {
            id: `criterion-${criterion.code}`,
            className: problem ? "criterion-row has-error" : "criterion-row",
            description: <>
              <div>{criterion.text}{criterion.evidence_required && <span className="required-mark" title={t("Cần minh chứng", "Evidence required")}> *</span>}</div>
              {criterion.evidence_expected && <div className="muted small">{t("Minh chứng", "Evidence")}: {criterion.evidence_expected}</div>}
              {KIND_LABEL[criterion.kind ?? ""] && <div className="muted small">{t(...KIND_LABEL[criterion.kind!])}</div>}
              {score?.review?.comment && (
                <Alert className="mt" type="warning" showIcon title={t("Nhận xét của người thẩm định", "Reviewer's comment")} description={<span className="answer">{score.review.comment}</span>} />
              )}
            </>,
            cells: [
              <td key="s" className="col-score" data-label={t("Tự chấm", "Self-score")}>
                <ScoreCell criterion={criterion} definition={definition} row={row} problem={problem} disabled={!editable} idPrefix="self"
                  onUpdate={(patch) => update(criterion.code, patch)}
                  remark={{ value: row.entry.note ?? "", placeholder: t("Ghi chú (không bắt buộc)", "Note (optional)"), label: `${t("Ghi chú tiêu chí", "Note on criterion")} ${criterion.code}`,
                    onChange: (note) => update(criterion.code, { entry: { note } }) }} />
                {editable && (
                  <div className="criterion-save">
                    {dirty.has(criterion.code) ? (
                      <Button size="small" type="primary" ghost loading={busy && sentCodes.includes(criterion.code)} onClick={() => saveCodes([criterion.code])}>
                        {t(`Lưu tiêu chí ${criterion.code}`, `Save ${criterion.code}`)}
                      </Button>
                    ) : score?.self_score ? <span className="muted small"><CheckCircleFilled style={{ color: "#389e0d" }} /> {t("Đã lưu", "Saved")}</span>
                      : <span className="muted small">{t("Chưa chấm", "Not scored")}</span>}
                  </div>
                )}
                {score?.review && sheet.results_published && (
                  <div className="small mt-small">{t("Điểm thẩm định", "Reviewed")}: <strong>{markText(criterion, score.review, t, lang)}</strong></div>
                )}
              </td>,
              <td key="e" className="col-evidence" data-label={t("Minh chứng", "Evidence")}>
                <EvidencePicker criterion={criterion} items={items} chosen={row.evidence} disabled={!editable}
                  onChoose={(ids) => update(criterion.code, { evidence: ids })} />
                {editable && (uploading === criterion.code
                  ? <Uploader submissionId={submissionId} code={criterion.code} compact onUploaded={(result) => uploaded(criterion.code, result)} />
                  : <Button type="link" size="small" className="link-button" onClick={() => setUploading(criterion.code)}>{t(`Tải minh chứng mới cho tiêu chí ${criterion.code}`, `Upload new evidence for ${criterion.code}`)}</Button>)}
              </td>,
            ],
          };
        }}
        footer={
          <tr className="total-row">
            <td className="col-no" />
            <td><strong>{t("Tổng cộng", "Total")}</strong></td>
            <td className="col-max">{formatPoints(sheet.max_total, lang)}</td>
            <td className="col-score" data-label={t("Tự chấm", "Self-score")}><strong data-testid="running-total">{formatPoints(running.total, lang)}</strong> <ClassTag label={classFor(definition.bands, running.total)} /></td>
            <td className="col-evidence" />
          </tr>
        } />
      <div className="export-phone mt"><ExportScores submissionId={submissionId} /></div>
    </div>
  );
}

/** The reviewer's scoring: the school's self-score and evidence per criterion, a review score and comment. */
export function ReviewScoring({ submissionId, sheet, definition, onSaved }: { submissionId: string; sheet: ScoreSheet; definition: RubricDefinition; onSaved?: () => void }) {
  const t = useT();
  const { lang } = useLang();
  const { message } = App.useApp();
  const catalogue = useCatalogue(submissionId);
  const items = catalogue.data?.items ?? [];
  const { rows, setRows, dirty, setDirty, criteria: all, entries, problems, update, send, busy, error, serverErrors } = useScoreRows(submissionId, definition, () => Object.fromEntries(sheet.criteria.map((c) => [c.code, {
    entry: c.review ? { points: c.review.points, passed: c.review.passed, item_codes: c.review.item_codes, level_code: c.review.level_code } : {},
    comment: c.review?.comment ?? "",
  }])), onSaved);
  const [preview, setPreview] = useState<Evidence | null>(null);
  const scores = new Map<string, CriterionScore>(sheet.criteria.map((c) => [c.code, c]));
  const editable = sheet.can_review;

  // Not yet reviewed: the school's own score stands in the running total (as the final score on the server).
  const merged: Record<string, Entry> = Object.fromEntries(all.map((c) => {
    const self = scores.get(c.code)?.self_score;
    return [c.code, isScored(c, entries[c.code]) ? entries[c.code] : self ?? {}];
  }));
  const running = runningTotals(definition, merged);
  const save = () => {
    if (Object.keys(problems).length) {
      message.error(t("Có điểm chưa hợp lệ — sửa các ô báo đỏ trước khi lưu.", "Some points are invalid — fix the fields in red first."));
      return;
    }
    const codes = [...dirty].filter((code) => { const c = all.find((x) => x.code === code); return c && isScored(c, entries[code]); });
    if (!codes.length) {
      message.info(t("Chưa nhập điểm thẩm định nào.", "No review score entered."));
      return;
    }
    send({ kind: "review", scores: codes.map((code) => ({
      criterion_code: code, points: entries[code].points ?? null, passed: entries[code].passed ?? null, item_codes: entries[code].item_codes ?? null,
      level_code: entries[code].level_code ?? null, comment: rows[code].comment?.trim() || null,
    })) }, t(`Đã lưu điểm thẩm định (${codes.length} tiêu chí).`, `Review scores saved (${codes.length} criteria).`));
  };
  const copySelf = () => {
    const next = { ...rows };
    const touched = new Set(dirty);
    for (const c of all) {
      const self = scores.get(c.code)?.self_score;
      if (!self || isScored(c, entries[c.code])) continue;
      next[c.code] = { ...next[c.code], entry: { points: self.points, passed: self.passed, item_codes: self.item_codes, level_code: self.level_code }, text: undefined };
      touched.add(c.code);
    }
    setRows(next);
    setDirty(touched);
  };

  return (
    <div className="scoring">
      <div className="save-bar score-save-bar">
        <TotalsBar sheet={sheet}>
          <div className="running-total"><div className="muted small">{t("Tổng theo điểm đang nhập", "Total as entered")}</div><strong data-testid="review-running-total">{formatPoints(running.total, lang)}</strong> <ClassTag label={classFor(definition.bands, running.total)} /></div>
        </TotalsBar>
        {editable && (
          <Space wrap>
            <Button onClick={copySelf}>{t("Lấy điểm tự chấm cho ô còn trống", "Copy self-scores into empty fields")}</Button>
            <Button type="primary" loading={busy} onClick={save} disabled={!dirty.size}>{t("Lưu điểm thẩm định", "Save review scores")}{dirty.size ? ` (${dirty.size})` : ""}</Button>
          </Space>
        )}
        <ExportScores submissionId={submissionId} />
      </div>
      {!editable && <Alert className="mb" type="info" showIcon title={t("Chỉ chấm thẩm định được sau khi trường nộp và trước khi phê duyệt, bởi người thẩm định cấp trên.", "Review scores can be entered after submission and before approval, by a reviewer above the school.")} />}
      {error ? <div className="mb"><ProblemAlert error={error} /></div> : null}
      <ScoreTable definition={definition} className="score-table review-score-table" columns={[["Tự chấm", "Self-score", "col-self"], ["Điểm thẩm định", "Review score", "col-score"]]}
        groupCells={(group) => {
          const g = sheet.groups.find((x) => x.code === group.code);
          return [
            <td key="s" className="col-self" data-label={t("Tự chấm", "Self-score")}>{formatPoints(g?.self_total, lang)}</td>,
            <td key="r" className="col-score" data-label={t("Thẩm định", "Review")}><strong>{formatPoints(running.groups[group.code], lang)}</strong></td>,
          ];
        }}
        row={(criterion) => {
          const score = scores.get(criterion.code);
          const row = rows[criterion.code] ?? { entry: {} };
          const problem = problems[criterion.code] ?? serverErrors[criterion.code];
          const linked = new Set(score?.self_score?.evidence_item_ids ?? []);
          const evidence = items.filter((i) => !i.replaced_by_id && (linked.has(i.id) || i.criterion_codes.includes(criterion.code)));
          return {
            id: `review-criterion-${criterion.code}`,
            className: problem ? "criterion-row has-error" : score?.large_gap ? "criterion-row large-gap" : "criterion-row",
            description: <>
              <div>{criterion.text}{criterion.evidence_required && <span className="required-mark"> *</span>}</div>
              {score?.self_score?.note && <div className="small mt-small"><span className="muted">{t("Ghi chú của trường", "School's note")}:</span> <span className="answer">{score.self_score.note}</span></div>}
              <div className="mt-small">
                {evidence.length ? evidence.map((item) => (
                  <Button key={item.id} size="small" type="link" className="link-button evidence-link" onClick={() => setPreview(item)}>
                    {(item.codes ?? []).join(", ")} {item.title}
                  </Button>
                )) : <span className="muted small">{t("Không có minh chứng", "No evidence")}</span>}
              </div>
            </>,
            cells: [
              <td key="s" className="col-self" data-label={t("Tự chấm", "Self-score")}>
                {markText(criterion, score?.self_score, t, lang)}
                {score?.large_gap && <div className="gap-flag"><WarningFilled /> {t(`Chênh lệch lớn: ${formatPoints(score.gap, lang)}`, `Large gap: ${formatPoints(score.gap, lang)}`)}</div>}
                {!score?.large_gap && score?.gap !== null && score?.gap !== undefined && score.gap !== 0 && <div className="muted small">{t("Chênh", "Gap")} {formatPoints(score.gap, lang)}</div>}
              </td>,
              <td key="r" className="col-score" data-label={t("Điểm thẩm định", "Review score")}>
                <ScoreCell criterion={criterion} definition={definition} row={row} problem={problem} disabled={!editable} idPrefix="review"
                  onUpdate={(patch) => update(criterion.code, patch)}
                  remark={{ value: row.comment ?? "", placeholder: t("Nhận xét (không bắt buộc)", "Comment (optional)"), label: `${t("Nhận xét tiêu chí", "Comment on criterion")} ${criterion.code}`,
                    onChange: (comment) => update(criterion.code, { comment }) }} />
              </td>,
            ],
          };
        }} />
      <Modal open={preview !== null} onCancel={() => setPreview(null)} footer={null} width={960} title={preview?.title} destroyOnHidden>
        {preview && <EvidencePreview item={preview} />}
      </Modal>
    </div>
  );
}

/** The scores tab of a submission: the school's table while it may self-score, the reviewer's, or read-only. */
/** The submission's scores: the school self-scores, a reviewer review-scores. `onSaved` follows each saved change. */
export function ScoresTab({ submissionId, reviewer, onSaved }: { submissionId: string; reviewer: boolean; onSaved?: () => void }) {
  const t = useT();
  const sheet = useScoreSheet(submissionId);
  const rubric = useRubric(sheet.data?.rubric_id, { staleTime: RUBRIC_STALE_MS });
  const error = sheet.error ?? rubric.error;
  if (error) return <ProblemAlert error={error} />;
  if (!sheet.data || !rubric.data) return <PageLoading />;
  const definition = rubric.data.definition;
  if (!definition.groups.length) return <Empty description={t("Bộ tiêu chí không có tiêu chí nào.", "The rubric has no criteria.")} />;
  if (reviewer) return <ReviewScoring key={sheet.data.submission_status} submissionId={submissionId} sheet={sheet.data} definition={definition} onSaved={onSaved} />;
  return (
    <>
      {sheet.data.results_published && (
        <Alert className="mb" type="success" showIcon data-testid="published-result"
          title={t("Kết quả đã được công bố", "Results have been published")}
          description={<Space wrap>
            <span>{t("Điểm chính thức", "Final score")}: <strong>{formatPoints(sheet.data.final_total)} / {formatPoints(sheet.data.max_total)}</strong></span>
            <span>{t("Xếp loại", "Class")}: <ClassTag label={sheet.data.classification} /></span>
            <Link to={`/campaigns/${sheet.data.campaign_id}/results`}>{t("Xem kết quả các đơn vị", "See every unit's results")}</Link></Space>} />
      )}
      <SelfScoring key={sheet.data.submission_status} submissionId={submissionId} sheet={sheet.data} definition={definition} editable={sheet.data.can_self_score} onSaved={onSaved} />
    </>
  );
}
