// Campaigns (đợt báo cáo), their targets and the outline library the wizard reads: the query-key factory, the
// queries more than one screen makes, and the writes that change a campaign.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { Campaign } from "../../api/types";

export const campaignKeys = {
  all: ["campaigns"] as const,
  /** Everything that lists campaigns (the list's pages, the wizard's copy sources): refreshed after any write. */
  lists: () => [...campaignKeys.all, "list"] as const,
  list: (q: string, status: string | undefined, page: number) => [...campaignKeys.lists(), { q, status, page }] as const,
  copySources: () => [...campaignKeys.lists(), "copy-sources"] as const,
  detail: (id: string | undefined) => [...campaignKeys.all, "detail", id] as const,
  /** The units a campaign targets (a draft's preview), as of the campaign's version. */
  targets: (id: string, version: number) => [...campaignKeys.detail(id), "targets", version] as const,
  schoolYears: () => [...campaignKeys.all, "school-years"] as const,
  outlines: () => [...campaignKeys.all, "outlines"] as const,
  outline: (id: string | undefined) => [...campaignKeys.outlines(), id] as const,
};

export function useCampaign(campaignId: string | undefined) {
  return useQuery({
    queryKey: campaignKeys.detail(campaignId),
    queryFn: () => call(api.GET("/api/submissions/campaigns/{campaign_id}", { params: { path: { campaign_id: campaignId! } } })),
    enabled: !!campaignId,
  });
}

/** Publish, close or reopen: the server's campaign replaces the cached one, the lists are asked again. */
export function useCampaignTransition(campaignId: string) {
  const queryClient = useQueryClient();
  const path = { params: { path: { campaign_id: campaignId } } };
  return useMutation({
    mutationFn: (step: "publish" | "close" | "reopen"): Promise<Campaign> => {
      if (step === "publish") return call(api.POST("/api/submissions/campaigns/{campaign_id}/publish", path));
      if (step === "close") return call(api.POST("/api/submissions/campaigns/{campaign_id}/close", path));
      return call(api.POST("/api/submissions/campaigns/{campaign_id}/reopen", path));
    },
    onSuccess: async (campaign) => {
      queryClient.setQueryData(campaignKeys.detail(campaignId), campaign);
      await queryClient.invalidateQueries({ queryKey: campaignKeys.lists() });
    },
  });
}

/** Delete a draft (no unit has been told about it). */
export function useDeleteDraft() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (campaignId: string) => call(api.DELETE("/api/submissions/campaigns/{campaign_id}", { params: { path: { campaign_id: campaignId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: campaignKeys.lists() }),
  });
}
