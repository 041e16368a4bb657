// A campaign's scoring results: the query-key factory and the writes (ranking on or off, publication), each
// refreshing the results it changes.
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";

export const resultKeys = {
  all: ["results"] as const,
  /** Everything about one campaign's results: the authority's table in any filter, and the published list. */
  campaign: (campaignId: string) => [...resultKeys.all, campaignId] as const,
  table: (campaignId: string, filters: Record<string, unknown>) => [...resultKeys.campaign(campaignId), "table", filters] as const,
  published: (campaignId: string) => [...resultKeys.campaign(campaignId), "published"] as const,
  publishedPage: (campaignId: string, q: string, page: number) => [...resultKeys.published(campaignId), { q, page }] as const,
};

export function useRankingSetting(campaignId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (on: boolean) => call(api.PUT("/api/scoring/campaigns/{campaign_id}/results/settings", {
      params: { path: { campaign_id: campaignId } }, body: { ranking_enabled: on },
    })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: resultKeys.campaign(campaignId) }),
  });
}

export function usePublishResults(campaignId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: () => call(api.POST("/api/scoring/campaigns/{campaign_id}/results/publish", { params: { path: { campaign_id: campaignId } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: resultKeys.campaign(campaignId) }),
  });
}
