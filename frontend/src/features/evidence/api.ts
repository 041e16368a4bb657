// Evidence (minh chứng): the query-key factory, the catalogue query and the writes on one item.
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call, PAGE_MAX, wholeList } from "../../api/client";

export const evidenceKeys = {
  all: ["evidence"] as const,
  /** A submission's catalogue: refreshed after every upload, link, deletion or review mark. */
  catalogue: (submissionId: string) => [...evidenceKeys.all, "catalogue", submissionId] as const,
  content: (itemId: string) => [...evidenceKeys.all, "content", itemId] as const,
};

export function useCatalogue(submissionId: string) {
  return useQuery({
    queryKey: evidenceKeys.catalogue(submissionId),
    queryFn: () => wholeList((offset) => api.GET("/api/evidence/submissions/{submission_id}/files", { params: { path: { submission_id: submissionId }, query: { limit: PAGE_MAX, offset } } })),
  });
}

/** Add a link as evidence of the given criteria. */
export function useAddLink(submissionId: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (link: { url: string; title: string; criterionCodes: string[] }) => call(api.POST("/api/evidence/links", {
      body: { submission_id: submissionId, url: link.url, title: link.title, criterion_codes: link.criterionCodes },
    })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: evidenceKeys.catalogue(submissionId) }),
  });
}

/** An item of a catalogue, as the writes on it need it. */
interface ItemRef {
  id: string;
  submission_id: string;
}

/** Delete one item (a file or a link); its submission's catalogue is asked again. */
export function useDeleteEvidence() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (item: ItemRef) => call(api.DELETE("/api/evidence/files/{item_id}", { params: { path: { item_id: item.id } } })),
    onSuccess: (_, item) => queryClient.invalidateQueries({ queryKey: evidenceKeys.catalogue(item.submission_id) }),
  });
}

export type EvidenceMark = "accepted" | "insufficient" | "wrong";

/** The reviewer's mark on one item: accepted, insufficient or wrong (with the reason). */
export function useMarkEvidence() {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ item, state, reason }: { item: ItemRef; state: EvidenceMark; reason: string | null }) =>
      call(api.POST("/api/evidence/files/{item_id}/review", { params: { path: { item_id: item.id } }, body: { state, reason } })),
    onSuccess: (_, { item }) => queryClient.invalidateQueries({ queryKey: evidenceKeys.catalogue(item.submission_id) }),
  });
}
