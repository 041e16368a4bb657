import { useQuery } from "@tanstack/react-query";
import { Navigate, useParams } from "react-router";
import { api, call } from "../api/client";
import { ApiError } from "../api/problem";
import { useMe } from "../auth/AuthProvider";
import { isSchoolUser } from "../auth/roles";
import { PageLoading } from "../app/Shell";
import { DEEP_LINKS } from "../app/navigation";
import { ErrorScreen } from "./ErrorPages";
import CampaignDetailPage from "./review/CampaignDetailPage";

/** `/campaigns/:id` (the link in campaign e-mails): a school lands in its report, an authority on the campaign. */
export default function CampaignLinkPage() {
  const me = useMe();
  const { campaignId = "" } = useParams();
  if (!isSchoolUser(me)) return <CampaignDetailPage campaignId={campaignId} />;
  return <OpenOwnSubmission campaignId={campaignId} />;
}

function OpenOwnSubmission({ campaignId }: { campaignId: string }) {
  const query = useQuery({
    queryKey: ["open-submission", campaignId],
    queryFn: async () => {
      const lines = await call(api.GET("/api/submissions/submissions", { params: { query: { campaign_id: campaignId } } }));
      const line = lines.items[0];
      if (!line) throw new ApiError({ title: "Không tìm thấy đợt báo cáo", detail: "Đợt báo cáo này không giao cho trường của bạn, hoặc đường liên kết đã sai.", status: 404, code: "campaign_not_found" });
      if (line.submission_id) return line.submission_id;
      const opened = await call(api.POST("/api/submissions/campaigns/{campaign_id}/submissions", { params: { path: { campaign_id: campaignId } } }));
      return opened.id;
    },
    staleTime: Infinity,
    retry: false,
  });
  if (query.error) return <ErrorScreen error={query.error} onRetry={() => query.refetch()} />;
  if (!query.data) return <PageLoading />;
  return <Navigate to={DEEP_LINKS.submission(query.data)} replace />;
}
