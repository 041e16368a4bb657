import { useQuery } from "@tanstack/react-query";
import { Button, Result } from "antd";
import { Link, Navigate, useParams } from "react-router";
import { api, call } from "../../api/client";
import { ApiError } from "../../api/problem";
import type { UnitSubmission } from "../../api/types";
import { PhaseTag, phaseSentence } from "../../components/PhaseNotice";
import { useT } from "../../i18n/lang";
import { formatDateTime } from "../../lib/deadline";
import { useMe } from "../auth/AuthProvider";
import { isSchoolUser } from "../auth/roles";
import { PageLoading } from "../../components/PageLoading";
import { DEEP_LINKS } from "../../app/navigation";
import { ErrorScreen } from "../../components/ErrorPages";
import { submissionKeys } from "./api";
import CampaignDetailPage from "../campaigns/CampaignDetailPage";

/** `/campaigns/:id` (the link in campaign e-mails): a school lands in its report, an authority on the campaign. */
export default function CampaignLinkPage() {
  const me = useMe();
  const { campaignId = "" } = useParams();
  if (!isSchoolUser(me)) return <CampaignDetailPage campaignId={campaignId} />;
  return <OpenOwnSubmission campaignId={campaignId} />;
}

function OpenOwnSubmission({ campaignId }: { campaignId: string }) {
  const query = useQuery({
    queryKey: submissionKeys.openIn(campaignId),
    queryFn: async (): Promise<{ submissionId: string } | { waiting: UnitSubmission }> => {
      const lines = await call(api.GET("/api/submissions/submissions", { params: { query: { campaign_id: campaignId } } }));
      const line = lines.items[0];
      if (!line) throw new ApiError({ title: "Không tìm thấy đợt báo cáo", detail: "Đợt báo cáo này không giao cho trường của bạn, hoặc đường liên kết đã sai.", status: 404, code: "campaign_not_found" });
      if (line.submission_id) return { submissionId: line.submission_id };
      // Not open yet, or closed before the school began: say so instead of asking for a draft the server refuses.
      if (line.phase === "not_open" || line.phase === "closed") return { waiting: line };
      const opened = await call(api.POST("/api/submissions/campaigns/{campaign_id}/submissions", { params: { path: { campaign_id: campaignId } } }));
      return { submissionId: opened.id };
    },
    staleTime: 60_000,
    retry: false,
  });
  if (query.error) return <ErrorScreen error={query.error} onRetry={() => query.refetch()} />;
  if (!query.data) return <PageLoading />;
  if ("waiting" in query.data) return <NotOpenScreen line={query.data.waiting} />;
  return <Navigate to={DEEP_LINKS.submission(query.data.submissionId)} replace />;
}

function NotOpenScreen({ line }: { line: UnitSubmission }) {
  const t = useT();
  const open = line.phase === "not_open";
  return (
    <Result status="info" className="phase-screen" title={line.campaign.title}
      subTitle={<>
        <p><PhaseTag phase={line.phase} opensAt={line.campaign.opens_at} dueAt={line.due_at} /></p>
        <p>{phaseSentence(line.phase, line.campaign.opens_at, line.due_at, line.campaign.late_policy, t)}</p>
        {open && <p>{t(`Hạn nộp: ${formatDateTime(line.due_at)}.`, `Deadline: ${formatDateTime(line.due_at)}.`)}</p>}
      </>}
      extra={<Link to="/"><Button type="primary">{t("Về danh sách báo cáo", "Back to our reports")}</Button></Link>} />
  );
}
