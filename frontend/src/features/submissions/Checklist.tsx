// "What is still missing" before the submit, as the server will judge it (GET …/checklist): required answers,
// answers saved but wrong, and the self-scores and evidence the rubric requires — per section, each with a
// link to the place to fix it. The officer sees it while drafting, the principal in the submit drawer.
import { CheckCircleFilled, ExclamationCircleOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Collapse, Skeleton } from "antd";
import { useEffect } from "react";
import { Link } from "react-router";
import { api, call } from "../../api/client";
import type { SubmissionsComponents } from "../../api/generated";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT } from "../../i18n/lang";
import { walkSections, type Outline } from "../../lib/outline";
import { submissionKeys } from "./api";

export type Checklist = SubmissionsComponents["schemas"]["ChecklistRead"];
export type ChecklistItem = SubmissionsComponents["schemas"]["ChecklistItem"];

/** The checklist, asked again whenever the draft's version changes (a save) or scores are saved elsewhere. */
export function useChecklist(submissionId: string, version: number) {
  const queryClient = useQueryClient();
  useEffect(() => {
    void queryClient.invalidateQueries({ queryKey: submissionKeys.checklist(submissionId) });
  }, [queryClient, submissionId, version]);
  return useQuery({
    queryKey: submissionKeys.checklist(submissionId),
    queryFn: () => call(api.GET("/api/submissions/submissions/{submission_id}/checklist", { params: { path: { submission_id: submissionId } } })),
    staleTime: 10_000,
  });
}

export interface ChecklistGroup {
  key: string;
  title: string;
  href: string;
  items: ChecklistItem[];
}

/** Items by outline section (in reading order), then the self-scores by rubric group, then anything else. */
export function groupChecklist(items: ChecklistItem[], outline: Outline | null | undefined, scoresHref: (code: string) => string,
  t: (vi: string, en: string) => string): ChecklistGroup[] {
  const groups: ChecklistGroup[] = [];
  const sections = walkSections(outline?.sections ?? []);
  for (const section of sections) {
    const mine = items.filter((i) => i.section === section.number && !i.criterion_code);
    if (mine.length) groups.push({ key: `s-${section.number}`, title: `${t("Mục", "Section")} ${section.number}. ${section.title}`, href: `#section-${section.number}`, items: mine });
  }
  const scores = items.filter((i) => i.criterion_code);
  if (scores.length)
    groups.push({ key: "scores", title: t("Tự chấm điểm", "Self-scoring"), href: scoresHref(scores[0].criterion_code!), items: scores });
  const known = new Set(sections.map((s) => s.number));
  const rest = items.filter((i) => !i.criterion_code && !(i.section && known.has(i.section)));
  if (rest.length) groups.push({ key: "other", title: t("Khác", "Other"), href: "#", items: rest });
  return groups;
}

const KIND_LABEL: Record<string, [string, string]> = {
  answer: ["Chưa trả lời", "Not answered"],
  invalid: ["Chưa hợp lệ", "Invalid"],
  score: ["Chưa tự chấm", "Not self-scored"],
  evidence: ["Thiếu minh chứng", "Evidence missing"],
};

/** Under its section's heading a line need not repeat "Mục 3. Ứng dụng …: ". */
export function withoutSection(item: ChecklistItem): string {
  if (!item.section) return item.message;
  const prefix = `Mục ${item.section}`;
  if (!item.message.startsWith(prefix)) return item.message;
  const rest = item.message.slice(prefix.length);
  const colon = rest.indexOf(": ");
  return colon >= 0 && (colon === 0 || rest.startsWith(". ")) ? rest.slice(colon + 2) : item.message;
}

export function scoresLink(submissionId: string, code: string): string {
  return `/submissions/${submissionId}?tab=scores&criterion=${encodeURIComponent(code)}`;
}

/** The list itself: one block per section (or the self-scoring), each line linking to where to fix it. */
export function MissingList({ submissionId, checklist, outline, onNavigate }: {
  submissionId: string;
  checklist: Checklist;
  outline: Outline | null | undefined;
  onNavigate?: () => void;
}) {
  const t = useT();
  const groups = groupChecklist(checklist.items, outline, (code) => scoresLink(submissionId, code), t);
  return (
    <div className="missing-list" data-testid="missing-list">
      {checklist.criteria_count !== null && checklist.criteria_count !== undefined && (
        <p className="small">{t(`Tự chấm: ${checklist.scored_count}/${checklist.criteria_count} tiêu chí đã chấm.`, `Self-scoring: ${checklist.scored_count}/${checklist.criteria_count} criteria scored.`)}</p>
      )}
      {groups.map((group) => (
        <section key={group.key} className="missing-group" aria-label={group.title}>
          <h3 className="missing-title">
            {group.key === "scores" || group.key === "other"
              ? (group.key === "scores" ? <Link to={group.href} onClick={onNavigate}>{group.title}</Link> : group.title)
              : <a href={group.href} onClick={onNavigate}>{group.title}</a>} <span className="muted small">({group.items.length})</span>
          </h3>
          <ul className="problem-errors">
            {group.items.map((item) => (
              <li key={`${item.kind}-${item.field}`}>
                <span className={`missing-kind missing-${item.kind}`}>{t(...(KIND_LABEL[item.kind] ?? ["", ""]))}</span>{" "}
                {item.criterion_code ? <Link to={scoresLink(submissionId, item.criterion_code)} onClick={onNavigate}>{item.message}</Link> : withoutSection(item)}
              </li>
            ))}
          </ul>
        </section>
      ))}
    </div>
  );
}

/** The editor's panel: folded, with the count in its header; "ready" when nothing is missing. */
export function ChecklistPanel({ submissionId, version, outline }: { submissionId: string; version: number; outline: Outline | null | undefined }) {
  const t = useT();
  const checklist = useChecklist(submissionId, version);
  if (checklist.error) return <div className="mb"><ProblemAlert error={checklist.error} /></div>;
  if (!checklist.data) return <Skeleton active paragraph={{ rows: 1 }} className="mb" />;
  if (checklist.data.ready)
    return <Alert type="success" showIcon icon={<CheckCircleFilled />} className="mb checklist-ready" title={t("Đã đủ nội dung, điểm tự chấm và minh chứng để nộp.", "Everything needed to submit is there.")} />;
  const count = checklist.data.items.length;
  return (
    <Collapse className="mb checklist-panel" items={[{
      key: "missing",
      label: <span><ExclamationCircleOutlined className="checklist-icon" /> {t(`Còn ${count} việc trước khi nộp`, `${count} things left before submitting`)}</span>,
      children: <MissingList submissionId={submissionId} checklist={checklist.data} outline={outline} />,
    }]} />
  );
}
