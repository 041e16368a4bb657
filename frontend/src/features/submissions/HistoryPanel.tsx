// Who did what and when, with the reviewers' comments, and every submitted version.
import { useQuery } from "@tanstack/react-query";
import { Button, Empty, Space, Timeline, Typography } from "antd";
import { allItems, api, download, PAGE_MAX } from "../../api/client";
import type { Campaign, Submission, SubmissionEvent } from "../../api/types";
import { ProblemAlert } from "../../components/ProblemAlert";
import { useT, type Translate } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { submissionKeys } from "./api";

export function actionLabel(event: Pick<SubmissionEvent, "action" | "version_number" | "detail">, t: Translate): string {
  const saves = Number((event.detail as { saves?: number } | null)?.saves ?? 1);
  switch (event.action) {
    case "created": return t("Mở báo cáo", "Opened the report");
    case "edited": return saves > 1 ? t(`Soạn báo cáo (${saves} lần lưu)`, `Edited (${saves} saves)`) : t("Soạn báo cáo", "Edited");
    case "submitted": return t(`Nộp báo cáo (bản ${event.version_number})`, `Submitted (version ${event.version_number})`);
    case "resubmitted": return t(`Nộp lại báo cáo (bản ${event.version_number})`, `Resubmitted (version ${event.version_number})`);
    case "review_started": return t("Bắt đầu thẩm định", "Review started");
    case "returned": return t("Trả lại để sửa", "Returned for changes");
    case "forwarded": return t("Tiếp nhận và chuyển lên cấp trên", "Accepted and forwarded");
    case "approved": return t("Phê duyệt", "Approved");
    default: return event.action;
  }
}

const COLORS: Record<string, string> = { returned: "red", approved: "green", submitted: "blue", resubmitted: "blue", forwarded: "purple" };

function Detail({ event }: { event: SubmissionEvent }) {
  const t = useT();
  const detail = (event.detail ?? {}) as { comment?: string; note?: string; reasons?: { general?: string; sections?: Record<string, string> }; resubmission_due_at?: string };
  return (
    <>
      {detail.note && <div className="answer">{t("Ghi chú", "Note")}: {detail.note}</div>}
      {detail.comment && <div className="answer">{t("Nhận xét", "Comment")}: {detail.comment}</div>}
      {detail.reasons?.general && <div className="answer">{detail.reasons.general}</div>}
      {Object.entries(detail.reasons?.sections ?? {}).map(([number, text]) => <div key={number} className="answer">{t("Mục", "Section")} {number}: {text}</div>)}
      {detail.resubmission_due_at && <div>{t("Hạn nộp lại", "Resubmit by")}: {formatDateTime(detail.resubmission_due_at)}</div>}
    </>
  );
}

export function HistoryPanel({ submission }: { submission: Submission; campaign: Campaign }) {
  const t = useT();
  const history = useQuery({
    queryKey: submissionKeys.history(submission.id, submission.version),
    queryFn: () => allItems((offset) => api.GET("/api/submissions/submissions/{submission_id}/history", { params: { path: { submission_id: submission.id }, query: { limit: PAGE_MAX, offset } } })),
  });
  const versions = useQuery({
    queryKey: submissionKeys.versions(submission.id, submission.submit_count),
    queryFn: () => allItems((offset) => api.GET("/api/submissions/submissions/{submission_id}/versions", { params: { path: { submission_id: submission.id }, query: { limit: PAGE_MAX, offset } } })),
  });
  if (history.error) return <ProblemAlert error={history.error} />;
  const events = history.data ?? [];
  return (
    <>
      {events.length === 0 ? <Empty /> : (
        <Timeline className="mt" items={[...events].reverse().map((event, i) => ({
          key: i,
          color: COLORS[event.action] ?? "gray",
          children: (
            <>
              <Typography.Text strong>{actionLabel(event, t)}</Typography.Text>
              <div className="muted small">{formatDateTime(event.at)} · {event.actor_name ?? event.actor_id}{event.on_behalf ? ` (${t("thay mặt trường", "on the school's behalf")})` : ""}</div>
              <Detail event={event} />
            </>
          ),
        }))} />
      )}
      {(versions.data?.length ?? 0) > 0 && (
        <>
          <Typography.Title level={3} style={{ fontSize: 16 }}>{t("Các bản đã nộp", "Submitted versions")}</Typography.Title>
          <Space direction="vertical">
            {versions.data!.map((v) => (
              <Space key={v.number} wrap>
                <span>{t("Bản", "Version")} {v.number} · {formatDateTime(v.submitted_at)} · {v.submitted_by_name ?? ""}</span>
                <Button size="small" onClick={() => void download(api.GET("/api/submissions/submissions/{submission_id}/export", { params: { path: { submission_id: submission.id }, query: { format: "pdf", version: v.number } }, parseAs: "blob" }), `bao-cao-ban-${v.number}.pdf`)}>PDF</Button>
              </Space>
            ))}
          </Space>
        </>
      )}
    </>
  );
}
