// The school's editor: the outline's sections with typed answers, autosave with a visible state, the
// conflict message when someone else saved first, evidence per section, and the principal's review-and-submit.
import { CheckCircleFilled, CloudSyncOutlined, ExclamationCircleFilled, WarningFilled } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Anchor, App, Badge, Button, Card, Drawer, Form, Input, Select, Space, Spin, Table, Typography } from "antd";
import { useMemo, useState } from "react";
import { api } from "../../api/client";
import { ApiError, asApiError, toProblem } from "../../api/problem";
import type { Campaign, Submission } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { baseFieldId, problemsByField, problemsBySection, sectionProgress, walkSections, type FieldProblem, type OutlineSection } from "../../lib/outline";
import { submissionKeys } from "./api";
import { ChecklistPanel, MissingList, useChecklist } from "./Checklist";
import { useCatalogue } from "../evidence/api";
import { itemsFor, SectionEvidence } from "../evidence/evidence";
import { FieldInput } from "./FieldInput";
import { RUBRIC_STALE_MS, useRubric } from "../rubrics/api";
import { useAutosave, type Autosave } from "./useAutosave";

const two = (n: number) => String(n).padStart(2, "0");

function SaveIndicator({ autosave, toFix }: { autosave: Autosave; toFix: number }) {
  const t = useT();
  const at = autosave.savedAt ? ` ${two(autosave.savedAt.getHours())}:${two(autosave.savedAt.getMinutes())}` : "";
  const view = {
    saved: [<CheckCircleFilled key="i" style={{ color: "#389e0d" }} />, autosave.savedAt ? t(`Đã lưu lúc${at}`, `Saved at${at}`) : t("Đã lưu", "Saved")],
    unsaved: [<Badge key="i" status="warning" />, t("Có thay đổi chưa lưu", "Unsaved changes")],
    saving: [<Spin key="i" size="small" />, t("Đang lưu…", "Saving…")],
    offline: [<CloudSyncOutlined key="i" style={{ color: "#d46b08" }} />, t("Mất kết nối — sẽ tự lưu lại khi có mạng", "Offline — will save when the connection is back")],
    conflict: [<WarningFilled key="i" style={{ color: "#cf1322" }} />, t("Người khác đã lưu trước — chưa lưu", "Someone else saved first — not saved")],
    invalid: [<ExclamationCircleFilled key="i" style={{ color: "#cf1322" }} />, t("Có nội dung chưa hợp lệ — chưa lưu", "Some answers are invalid — not saved")],
  }[autosave.state];
  // Wrong answers are saved too: say so, so nobody retypes them or believes they are lost.
  const fix = autosave.state === "saved" && toFix > 0 ? t(` · ${toFix} nội dung cần sửa trước khi nộp`, ` · ${toFix} answer(s) to fix before submitting`) : "";
  return <span className="save-state" role="status" aria-live="polite" data-state={autosave.state}>{view[0]} {view[1]}{fix}</span>;
}

function SectionCard({ section, submission, autosave, problems, reason, editable, criteria }: {
  section: OutlineSection;
  criteria?: { code: string; text: string }[];
  submission: Submission;
  autosave: Autosave;
  problems: FieldProblem[];
  reason?: string;
  editable: boolean;
}) {
  const t = useT();
  const byField = problemsByField(problems);
  const fieldIds = new Set((section.fields ?? []).map((f) => f.id));
  const general = problems.filter((p) => !fieldIds.has(baseFieldId(p.field)));
  return (
    <Card id={`section-${section.number}`} className="section-card" title={`${section.number}. ${section.title}`}>
      {section.guidance && <Typography.Paragraph type="secondary" className="small">{section.guidance}</Typography.Paragraph>}
      {reason && <Alert type="warning" showIcon className="mb" title={t("Nhận xét của người thẩm định", "Reviewer's comment")} description={<span className="answer">{reason}</span>} />}
      {general.length > 0 && <Alert type="error" showIcon className="mb" title={general.map((p) => p.message).join("; ")} />}
      <Form layout="vertical" component="div">
        {(section.fields ?? []).map((field) => {
          // Under its own input a message need not repeat the field's label.
          const message = byField.get(field.id)?.replace(`${field.label}: `, "");
          const inputId = `field-${field.id}`;
          return (
            <Form.Item key={field.id} label={field.label} required={field.required} htmlFor={inputId}
              validateStatus={message ? "error" : undefined}
              help={message ?? (field.help ? <span className="field-help">{field.help}</span> : undefined)}>
              <FieldInput id={inputId} field={field} value={autosave.values[field.id]} disabled={!editable} invalid={!!message}
                onChange={(value) => autosave.edit(field.id, value)} />
            </Form.Item>
          );
        })}
      </Form>
      <SectionEvidence submissionId={submission.id} code={section.number} editable={editable} criteria={criteria} />
    </Card>
  );
}

/** A section's completeness beside its name: problems (red count), required answers given, or done. */
function SectionState({ progress, count }: { progress: { required: number; answered: number }; count: number }) {
  const t = useT();
  if (count > 0) return <Badge count={count} size="small" className="nav-badge" title={t(`${count} nội dung cần sửa`, `${count} to fix`)} />;
  if (progress.required === 0) return null;
  if (progress.answered === progress.required)
    return <CheckCircleFilled className="nav-badge" style={{ color: "#389e0d" }} aria-label={t("Đã đủ", "Complete")} />;
  return <span className="nav-badge nav-progress" aria-label={t(`Đã trả lời ${progress.answered}/${progress.required} nội dung bắt buộc`, `${progress.answered} of ${progress.required} required answers`)}>{progress.answered}/{progress.required}</span>;
}

/** On a phone the section menu is a picker that stays at the top: each section with its completeness. */
function SectionPicker({ sections, values, grouped }: { sections: OutlineSection[]; values: Record<string, unknown>; grouped: Map<string, FieldProblem[]> }) {
  const t = useT();
  const [current, setCurrent] = useState<string | undefined>(undefined);
  const label = (section: OutlineSection) => {
    const progress = sectionProgress(section, values);
    const count = grouped.get(section.number)?.length ?? 0;
    const state = count > 0 ? t(` — ${count} cần sửa`, ` — ${count} to fix`)
      : progress.required === 0 ? "" : progress.answered === progress.required ? " ✓" : ` — ${progress.answered}/${progress.required}`;
    return `${section.number}. ${section.title}${state}`;
  };
  return (
    <div className="section-picker">
      <label htmlFor="section-picker" className="section-picker-label">{t("Đến mục", "Go to section")}</label>
      <Select id="section-picker" value={current} placeholder={t("Chọn mục của báo cáo", "Choose a section")} popupMatchSelectWidth
        aria-label={t("Đến mục của báo cáo", "Go to a report section")}
        options={sections.map((section) => ({ value: section.number, label: label(section) }))}
        onChange={(number: string) => {
          setCurrent(number);
          const target = document.getElementById(`section-${number}`);
          target?.scrollIntoView({ behavior: "smooth", block: "start" });
          (target?.querySelector("input, textarea, [contenteditable=true]") as HTMLElement | null)?.focus({ preventScroll: true });
        }} />
    </div>
  );
}

/** The principal's last look before submitting: what is complete, what is missing, with a note. */
function SubmitDrawer({ open, onClose, submission, campaign, autosave, problems, onProblems }: {
  open: boolean;
  onClose: () => void;
  submission: Submission;
  campaign: Campaign;
  autosave: Autosave;
  problems: Map<string, FieldProblem[]>;
  onProblems: (problems: FieldProblem[]) => void;
}) {
  const t = useT();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const catalogue = useCatalogue(submission.id);
  const checklist = useChecklist(submission.id, submission.version);
  const [note, setNote] = useState("");
  const sections = walkSections(campaign.outline?.sections ?? []);
  const rows = sections.map((section) => ({
    key: section.number,
    section,
    progress: sectionProgress(section, autosave.values),
    evidence: itemsFor(catalogue.data?.items ?? [], section.number).length,
    problems: problems.get(section.number) ?? [],
  }));
  const resubmitting = submission.status === "returned";

  // The draft is saved first (the submit names the version it read), then submitted.
  const submitting = useMutation({
    mutationFn: async () => {
      if (!(await autosave.saveNow())) throw autosave.error ?? new ApiError(toProblem(null, 0));
      let outcome;
      try {
        outcome = await api.POST("/api/submissions/submissions/{submission_id}/submit", {
          params: { path: { submission_id: submission.id }, header: { "if-match": `"${autosave.version()}"` } },
          body: { note: note.trim() || null },
        });
      } catch (e) {
        throw asApiError(e);
      }
      if (!outcome.data) {
        const failure = new ApiError(toProblem(outcome.error, outcome.response.status));
        if (failure.status === 422) onProblems(failure.problem.errors ?? []);
        void queryClient.invalidateQueries({ queryKey: submissionKeys.checklist(submission.id) });
        throw failure;
      }
      return outcome.data;
    },
    onSuccess: async (submitted) => {
      onProblems([]);
      queryClient.setQueryData(submissionKeys.detail(submission.id), submitted);
      await queryClient.invalidateQueries({ queryKey: submissionKeys.mine() });
      await queryClient.invalidateQueries({ queryKey: submissionKeys.histories(submission.id) });
      message.success(resubmitting ? t("Đã nộp lại báo cáo.", "The report was resubmitted.") : t("Đã nộp báo cáo.", "The report was submitted."));
      onClose();
    },
  });
  const submit = () => submitting.mutate();
  const busy = submitting.isPending;
  const error = submitting.error;

  return (
    <Drawer open={open} onClose={onClose} size="large" className="submit-drawer" title={t("Xem lại và nộp báo cáo", "Review and submit")}
      afterOpenChange={(visible) => { if (visible) submitting.reset(); }}
      footer={
        <Space wrap>
          <Button type="primary" size="large" loading={busy} onClick={submit}>{resubmitting ? t("Nộp lại báo cáo", "Resubmit the report") : t("Nộp báo cáo", "Submit the report")}</Button>
          <Button size="large" onClick={onClose}>{t("Quay lại sửa", "Back to editing")}</Button>
        </Space>
      }>
      <Typography.Paragraph>
        {t("Hiệu trưởng xem lại nội dung từng mục trước khi nộp. Sau khi nộp, báo cáo không sửa được nữa cho tới khi cấp trên trả lại.",
          "Check every section before submitting. Once submitted, the report cannot change unless the reviewer returns it.")}
      </Typography.Paragraph>
      {error ? <div className="mb"><ProblemAlert error={error} showErrors={false} /></div> : null}
      {checklist.data && !checklist.data.ready && (
        <Alert type="warning" showIcon className="mb" title={t(`Còn ${checklist.data.items.length} việc trước khi nộp`, `${checklist.data.items.length} things left before submitting`)}
          description={<MissingList submissionId={submission.id} checklist={checklist.data} outline={campaign.outline} onNavigate={onClose} />} />
      )}
      {checklist.data?.ready && <Alert type="success" showIcon className="mb" title={t("Đã đủ nội dung, điểm tự chấm và minh chứng để nộp.", "Everything needed to submit is there.")} />}
      <Table size="small" pagination={false} dataSource={rows} className="mb" columns={[
        { title: t("Mục", "Section"), render: (_, row) => <span>{row.section.number}. {row.section.title}</span> },
        { title: t("Bắt buộc", "Required"), width: 96, render: (_, row) => row.progress.required === 0 ? "—" : (
          <span className="nowrap" style={{ color: row.progress.answered < row.progress.required ? "#cf1322" : undefined }}>{row.progress.answered}/{row.progress.required}</span>) },
        { title: t("Minh chứng", "Evidence"), width: 96, render: (_, row) => row.evidence },
      ]} expandable={{
        expandedRowKeys: rows.filter((r) => r.problems.length > 0).map((r) => r.key),
        showExpandColumn: false,
        expandedRowRender: (row) => <ul className="problem-errors">{row.problems.map((p, i) => <li key={i} style={{ color: "#cf1322" }}>{p.message}</li>)}</ul>,
      }} />
      <Form layout="vertical">
        <Form.Item label={t("Ghi chú gửi kèm (không bắt buộc)", "Note to the reviewer (optional)")} htmlFor="submit-note">
          <Input.TextArea id="submit-note" value={note} maxLength={2000} autoSize={{ minRows: 2 }} onChange={(e) => setNote(e.target.value)} />
        </Form.Item>
      </Form>
    </Drawer>
  );
}

export function Editor({ submission, campaign }: { submission: Submission; campaign: Campaign }) {
  const t = useT();
  const autosave = useAutosave(submission);
  const [submitProblems, setSubmitProblems] = useState<FieldProblem[]>([]);
  const [touched, setTouched] = useState<Set<string>>(new Set());
  const [reviewing, setReviewing] = useState(false);
  const outline = campaign.outline;
  const sections = useMemo(() => walkSections(outline?.sections ?? []), [outline]);
  const reasons = (submission.return_reasons as { sections?: Record<string, string> } | null)?.sections ?? {};
  const canSubmit = submission.allowed_actions.includes("submit");
  // With a rubric, a section's new evidence can carry the codes of the criteria of the group numbered alike.
  const rubric = useRubric(campaign.rubric_id, { staleTime: RUBRIC_STALE_MS });
  const criteriaOf = (number: string) => rubric.data?.definition.groups.find((g) => g.code === number)?.criteria;

  // Messages of the last submit stay until the field is changed; a refused save's until the next save.
  const saveProblems = autosave.state === "invalid" ? (autosave.error?.problem.errors ?? []) : [];
  // What the server stored but finds wrong (a link without https://…): the draft is saved, the field says why.
  const stored: FieldProblem[] = submission.problems ?? [];
  const seen = new Set<string>();
  const problems = [...saveProblems, ...stored, ...submitProblems.filter((p) => !touched.has(baseFieldId(p.field)))]
    .filter((p) => (seen.has(`${p.field}|${p.message}`) ? false : (seen.add(`${p.field}|${p.message}`), true)));
  const grouped = outline ? problemsBySection(outline, problems) : new Map<string, FieldProblem[]>();
  const tracked: Autosave = {
    ...autosave,
    edit: (field, value) => {
      setTouched((all) => (all.has(field) ? all : new Set(all).add(field)));
      autosave.edit(field, value);
    },
  };

  if (!outline) {
    return (
      <>
        <Alert type="info" showIcon className="mb" title={t("Đợt báo cáo này không có đề cương: chỉ cần nộp minh chứng.", "This campaign has no outline: only evidence is needed.")} />
        <Card><SectionEvidence submissionId={submission.id} code="1" editable /></Card>
      </>
    );
  }

  return (
    <>
      <div className="save-bar">
        <SaveIndicator autosave={autosave} toFix={stored.length} />
        <Button size="small" onClick={() => void autosave.saveNow()} disabled={autosave.state === "saved" || autosave.state === "saving" || autosave.state === "conflict"}>
          {t("Lưu ngay", "Save now")}
        </Button>
        <span style={{ flex: 1 }} />
        {canSubmit ? (
          <Button type="primary" onClick={() => setReviewing(true)}>{t("Xem lại và nộp", "Review and submit")}</Button>
        ) : (
          <span className="muted small">{t("Soạn xong, hãy báo Hiệu trưởng đăng nhập để xem lại và nộp.", "When done, ask the principal to sign in, review and submit.")}</span>
        )}
        <SectionPicker sections={sections} values={autosave.values} grouped={grouped} />
      </div>
      <ChecklistPanel submissionId={submission.id} version={submission.version} outline={outline} />
      {autosave.restored > 0 && autosave.state !== "saved" && (
        <Alert type="info" showIcon closable className="mb" title={t(`Đã khôi phục ${autosave.restored} nội dung chưa lưu từ lần soạn trước trên máy này.`, `Restored ${autosave.restored} unsaved answers from your last session on this device.`)} />
      )}
      {autosave.state === "conflict" && (
        <Alert type="error" showIcon className="mb" role="alert" title={autosave.error?.problem.title ?? t("Người khác đã lưu trước", "Someone else saved first")}
          description={
            <>
              <p>{autosave.error?.problem.detail}</p>
              <p>{t("Nội dung bạn đang soạn vẫn còn nguyên. Chọn cách tiếp tục:", "Nothing you typed is lost. Choose how to continue:")}</p>
              <Space wrap>
                <Button type="primary" onClick={() => void autosave.resolveConflict(true)}>{t("Giữ thay đổi của tôi, cập nhật phần còn lại", "Keep my changes, take the rest from theirs")}</Button>
                <Button onClick={() => void autosave.resolveConflict(false)}>{t("Dùng bản của người kia, bỏ thay đổi của tôi", "Use their version, drop my changes")}</Button>
              </Space>
            </>
          } />
      )}
      {autosave.state === "offline" && autosave.error && <div className="mb"><ProblemAlert error={autosave.error} /></div>}
      {grouped.size > 0 && (
        <Alert type="error" showIcon className="mb" role="alert" title={t("Báo cáo còn thiếu hoặc sai ở các mục sau", "Some sections are incomplete or invalid")} description={
          <ul className="problem-errors">
            {[...grouped.entries()].map(([number, list]) => (
              <li key={number}>{number ? <a href={`#section-${number}`}>{t("Mục", "Section")} {number}</a> : t("Khác", "Other")}: {list.length} {t("nội dung", "item(s)")}</li>
            ))}
          </ul>
        } />
      )}
      <div className="editor">
        <nav className="editor-nav" aria-label={t("Các mục của báo cáo", "Report sections")}>
          <Anchor affix={false} offsetTop={130} targetOffset={130} items={sections.map((section) => {
            const progress = sectionProgress(section, autosave.values);
            const count = grouped.get(section.number)?.length ?? 0;
            return {
              key: section.number,
              href: `#section-${section.number}`,
              title: (
                <span className="nav-title">
                  <span className="nav-text">{section.number}. {section.title}</span>
                  <SectionState progress={progress} count={count} />
                </span>
              ),
            };
          })} />
        </nav>
        <div>
          {sections.map((section) => (
            <SectionCard key={section.number} section={section} submission={submission} autosave={tracked} editable criteria={criteriaOf(section.number)}
              problems={grouped.get(section.number) ?? []} reason={reasons[section.number]} />
          ))}
          {grouped.get("") && <Alert type="error" title={grouped.get("")!.map((p) => p.message).join("; ")} />}
        </div>
      </div>
      {canSubmit && (
        <SubmitDrawer open={reviewing} onClose={() => setReviewing(false)} submission={submission} campaign={campaign} autosave={autosave}
          problems={grouped} onProblems={(list) => { setSubmitProblems(list); setTouched(new Set()); }} />
      )}
    </>
  );
}
