// Scoring rubrics (bộ tiêu chí): the query-key factory and the queries every screen that shows a rubric uses.
import { useQuery } from "@tanstack/react-query";
import { allItems, api, call, PAGE_MAX } from "../../api/client";

export const rubricKeys = {
  all: ["rubrics"] as const,
  /** The library: refreshed after an import. */
  lists: () => [...rubricKeys.all, "list"] as const,
  detail: (id: string | null | undefined) => [...rubricKeys.all, "detail", id] as const,
};

export function useRubrics({ enabled = true }: { enabled?: boolean } = {}) {
  return useQuery({ queryKey: rubricKeys.lists(), queryFn: () => allItems((offset) => api.GET("/api/scoring/rubrics", { params: { query: { limit: PAGE_MAX, offset } } })), enabled });
}

/** How long the submission page keeps a rubric it reads on every tab. */
export const RUBRIC_STALE_MS = 10 * 60_000;

/** One rubric; `staleTime` lets a screen that reads it often (the scores tab) keep it a while. */
export function useRubric(rubricId: string | null | undefined, { staleTime }: { staleTime?: number } = {}) {
  return useQuery({
    queryKey: rubricKeys.detail(rubricId),
    queryFn: () => call(api.GET("/api/scoring/rubrics/{rubric_id}", { params: { path: { rubric_id: rubricId! } } })),
    enabled: !!rubricId,
    staleTime,
  });
}
