import { useQuery } from "@tanstack/react-query";
import { Button, Card, Empty, Skeleton, theme } from "antd";
import { Link } from "react-router";
import type { UnitSubmission } from "../../api/types";
import { useMe } from "../auth/AuthProvider";
import { PageTitle } from "../../components/PageTitle";
import { ProblemAlert } from "../../components/ProblemAlert";
import { PhaseTag, phaseSentence } from "../../components/PhaseNotice";
import { CAMPAIGN_KINDS, SubmissionStatusTag } from "../../components/tags";
import { useLang, useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { DEEP_LINKS } from "../../app/navigation";
import { unitSubmissionsQuery } from "./reportsQuery";

const TO_DO = new Set([null, "draft", "returned"]);

export function lineGroup(line: Pick<UnitSubmission, "status" | "campaign" | "phase">): "todo" | "waiting" | "done" {
  if (line.status === "approved") return "done";
  if (!TO_DO.has(line.status ?? null)) return "waiting";
  return line.phase === "closed" ? "done" : "todo";
}

function LineCard({ line }: { line: UnitSubmission }) {
  const t = useT();
  const { token } = theme.useToken();
  const { lang } = useLang();
  const group = lineGroup(line);
  const phase = line.phase;
  const href = line.submission_id ? DEEP_LINKS.submission(line.submission_id) : DEEP_LINKS.campaign(line.campaign.id);
  // Nothing to open before the opening day, nor after a close when the school never started: no button that
  // would only lead to a refusal.
  const action = phase === "not_open" || (phase === "closed" && !line.submission_id) ? null
    : group !== "todo" ? t("Xem báo cáo", "View report") : line.status === "returned" ? t("Sửa và nộp lại", "Fix and resubmit")
      : line.submission_id ? t("Tiếp tục soạn", "Continue") : t("Bắt đầu soạn", "Start");
  return (
    <Card className="campaign-card" title={line.campaign.title} size="small" data-phase={phase}
      actions={action ? [<Link key="open" to={href}><Button type={group === "todo" ? "primary" : "default"}>{action}</Button></Link>] : undefined}>
      <div className="card-facts">
        <SubmissionStatusTag status={line.status} />
        {(group === "todo" || phase !== "open") && <PhaseTag phase={phase} opensAt={line.campaign.opens_at} dueAt={line.due_at} />}
        {line.late_text && <span style={{ color: token.colorWarningText }}>{line.late_text}</span>}
      </div>
      <div className="muted small">{CAMPAIGN_KINDS[line.campaign.kind][lang === "en" ? 1 : 0]}</div>
      <div className="small">{t("Đơn vị ban hành", "Issued by")}: {line.campaign.issuer_name}</div>
      {phase === "not_open" && <div className="small">{t("Mở từ", "Opens")}: <strong>{formatDateTime(line.campaign.opens_at)}</strong></div>}
      <div className="small">{t("Hạn nộp", "Deadline")}: <strong>{formatDateTime(line.due_at)}</strong></div>
      {group === "todo" && phase !== "not_open" && <div className="small phase-note">{phaseSentence(phase, line.campaign.opens_at, line.due_at, line.campaign.late_policy, t)}</div>}
      {line.last_submitted_at && <div className="small">{t("Nộp lần cuối", "Last submitted")}: {formatDateTime(line.last_submitted_at)}</div>}
    </Card>
  );
}

export default function SchoolDashboard() {
  const me = useMe();
  const t = useT();
  // Headings styled as antd's Title from the theme (see PageTitle): no Typography chunk on the first screen.
  const { token } = theme.useToken();
  const heading = { fontSize: 18, color: token.colorTextHeading, fontWeight: token.fontWeightStrong, lineHeight: token.lineHeightHeading2, margin: "0 0 0.5em" };
  const query = useQuery(unitSubmissionsQuery);
  const lines = query.data?.items ?? [];
  const groups = [
    { key: "todo", title: t("Cần thực hiện", "To do"), empty: t("Không có báo cáo nào đang chờ trường soạn hoặc nộp.", "Nothing is waiting for your school.") },
    { key: "waiting", title: t("Đã nộp, chờ thẩm định", "Submitted, awaiting review"), empty: null },
    { key: "done", title: t("Đã hoàn thành hoặc đã đóng", "Done or closed"), empty: null },
  ] as const;
  return (
    <>
      <PageTitle title={t("Báo cáo của trường", "Our reports")} sub={<span className="muted">{me.unit_name}</span>} />
      {query.error ? <ProblemAlert error={query.error} action={<Button onClick={() => query.refetch()}>{t("Thử lại", "Retry")}</Button>} /> : null}
      {query.isPending ? (
        <div className="campaign-cards"><Card><Skeleton active /></Card><Card><Skeleton active /></Card></div>
      ) : (
        groups.map((group) => {
          const mine = lines.filter((line) => lineGroup(line) === group.key);
          if (mine.length === 0 && !group.empty) return null;
          return (
            <section key={group.key} className="mb" aria-label={group.title}>
              <h2 style={heading}>{group.title}</h2>
              {mine.length === 0 ? <Empty description={group.empty} /> : (
                <div className="campaign-cards">{mine.map((line) => <LineCard key={line.campaign.id} line={line} />)}</div>
              )}
            </section>
          );
        })
      )}
    </>
  );
}
