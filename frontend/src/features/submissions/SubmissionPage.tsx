// `/submissions/:id` (the link in submission e-mails): the school's editor while it may edit, the reviewer's
// screen while it may review, a read-only report otherwise — decided by the server's `allowed_actions`.
import { FilePdfOutlined, FileWordOutlined, FileExcelOutlined } from "@ant-design/icons";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Dropdown, Space, Tabs, Typography } from "antd";
import { useParams, useSearchParams } from "react-router";
import { api, call, download } from "../../api/client";
import type { Campaign, Submission } from "../../api/types";
import { PageLoading } from "../../components/PageLoading";
import { useMe } from "../auth/AuthProvider";
import { isSchoolUser } from "../auth/roles";
import { PageTitle } from "../../components/PageTitle";
import { DeadlineTag, SubmissionStatusTag } from "../../components/tags";
import { useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { walkSections } from "../../lib/outline";
import { campaignPhase } from "../../lib/phase";
import { phaseSentence } from "../../components/PhaseNotice";
import { ErrorScreen } from "../../components/ErrorPages";
import { useCampaign } from "../campaigns/api";
import { submissionKeys } from "./api";
import { Editor } from "./Editor";
import { HistoryPanel } from "./HistoryPanel";
import { ReadView } from "./ReadView";
import { ReviewView } from "../review/ReviewView";
import { SignaturePanel } from "./SignaturePanel";
import { ScoresTab } from "../scoring/scoring";

export const REVIEW_ACTIONS = ["start_review", "return", "forward", "approve"];

function ExportMenu({ submission }: { submission: Submission }) {
  const t = useT();
  const me = useMe();
  const { message } = App.useApp();
  const get = async (key: string) => {
    try {
      if (key === "catalogue")
        await download(api.GET("/api/evidence/submissions/{submission_id}/catalogue.xlsx", { params: { path: { submission_id: submission.id } }, parseAs: "blob" }), "danh-muc-minh-chung.xlsx");
      else
        await download(api.GET("/api/submissions/submissions/{submission_id}/export", { params: { path: { submission_id: submission.id }, query: { format: key as "pdf" | "docx" } }, parseAs: "blob" }), `bao-cao.${key}`);
    } catch (e) {
      message.error((e as Error).message);
    }
  };
  return (
    <Dropdown trigger={["click"]} menu={{
      onClick: ({ key }) => void get(key),
      items: [
        { key: "pdf", icon: <FilePdfOutlined />, label: t("Bản in PDF (để ký, đóng dấu)", "Printable PDF (to sign and stamp)") },
        { key: "docx", icon: <FileWordOutlined />, label: t("Bản Word (DOCX)", "Word document (DOCX)") },
        ...(isSchoolUser(me) ? [] : [{ key: "catalogue", icon: <FileExcelOutlined />, label: t("Danh mục minh chứng (XLSX)", "Evidence catalogue (XLSX)") }]),
      ],
    }}>
      <Button icon={<FilePdfOutlined />}>{t("Xuất báo cáo", "Export")}</Button>
    </Dropdown>
  );
}

/** What the reviewer asked to fix, general and by section, as the school reads it. */
export function ReturnReasons({ submission, campaign }: { submission: Submission; campaign: Campaign }) {
  const t = useT();
  const reasons = submission.return_reasons as { general?: string; sections?: Record<string, string>; criteria?: Record<string, string> } | null;
  if (!reasons || submission.status !== "returned") return null;
  const titles = new Map(walkSections(campaign.outline?.sections ?? []).map((s) => [s.number, s.title]));
  const bySection = Object.entries(reasons.sections ?? {}).filter(([, text]) => text.trim());
  return (
    <Alert type="warning" showIcon className="mb" title={t("Báo cáo bị trả lại để sửa", "The report was returned for changes")} description={
      <>
        {reasons.general && <p className="answer">{reasons.general}</p>}
        {bySection.length > 0 && (
          <ul className="problem-errors">
            {bySection.map(([number, text]) => <li key={number}><strong>{t("Mục", "Section")} {number}{titles.get(number) ? `. ${titles.get(number)}` : ""}:</strong> {text}</li>)}
          </ul>
        )}
        {Object.entries(reasons.criteria ?? {}).map(([code, text]) => <div key={code}><strong>{t("Tiêu chí", "Criterion")} {code}:</strong> {text}</div>)}
        {submission.resubmission_due_at && <p><strong>{t("Hạn nộp lại", "Resubmit by")}: {formatDateTime(submission.resubmission_due_at)}</strong></p>}
      </>
    } />
  );
}

export default function SubmissionPage() {
  const { submissionId = "" } = useParams();
  const [params, setParams] = useSearchParams();
  const t = useT();
  const me = useMe();
  const queryClient = useQueryClient();
  const submission = useQuery({
    queryKey: submissionKeys.detail(submissionId),
    queryFn: () => call(api.GET("/api/submissions/submissions/{submission_id}", { params: { path: { submission_id: submissionId } } })),
  });
  const campaignId = submission.data?.campaign_id;
  const campaign = useCampaign(campaignId);
  const error = submission.error ?? campaign.error;
  if (error) return <ErrorScreen error={error} onRetry={() => { void submission.refetch(); void campaign.refetch(); }} />;
  if (!submission.data || !campaign.data) return <PageLoading />;
  const s = submission.data;
  const c = campaign.data;
  const editing = s.allowed_actions.includes("edit");
  const reviewing = s.allowed_actions.some((a) => REVIEW_ACTIONS.includes(a));
  const school = isSchoolUser(me);
  const phase = campaignPhase(c, s.due_at);
  const content = editing ? <Editor submission={s} campaign={c} /> : reviewing ? <ReviewView submission={s} campaign={c} onDecided={(decided) => queryClient.setQueryData(submissionKeys.detail(s.id), decided)} /> : <ReadView submission={s} campaign={c} />;
  return (
    <>
      <PageTitle title={c.title} extra={<ExportMenu submission={s} />} sub={
        <Space wrap size={[8, 4]}>
          <Typography.Text strong>{s.unit_name}</Typography.Text>
          <SubmissionStatusTag status={s.status} />
          {editing && <DeadlineTag due={s.due_at} />}
          <span className="muted small">{t("Hạn nộp", "Deadline")}: {formatDateTime(s.due_at)}</span>
          {s.late_text && <Typography.Text type="warning">{s.late_text}</Typography.Text>}
          {s.last_submitted_at && <span className="muted small">{t("Nộp lần cuối", "Last submitted")}: {formatDateTime(s.last_submitted_at)}</span>}
        </Space>
      } />
      {editing && phase !== "open" && (
        <Alert type={phase === "late" ? "warning" : "info"} showIcon className="mb phase-alert" title={phaseSentence(phase, c.opens_at, s.due_at, c.late_policy, t)} />
      )}
      <ReturnReasons submission={s} campaign={c} />
      <SignaturePanel submission={s} />
      <Tabs activeKey={params.get("tab") ?? "content"} onChange={(key) => setParams(key === "content" ? {} : { tab: key }, { replace: true })} items={[
        { key: "content", label: editing ? t("Soạn báo cáo", "Report") : t("Nội dung", "Content"), children: content },
        ...(c.rubric_id ? [{ key: "scores", label: school ? t("Tự chấm điểm", "Self-scoring") : t("Chấm điểm", "Scoring"), children: <ScoresTab submissionId={s.id} reviewer={!school} onSaved={() => void queryClient.invalidateQueries({ queryKey: submissionKeys.checklist(s.id) })} /> }] : []),
        { key: "history", label: t("Lịch sử và nhận xét", "History and comments"), children: <HistoryPanel submission={s} campaign={c} /> },
      ]} />
    </>
  );
}
