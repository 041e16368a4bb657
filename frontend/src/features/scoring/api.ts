// A submission's score sheet: the query-key factory, the sheet query and the two writes (self and review
// scores). A saved sheet replaces the cached one; `onSaved` lets the page that shows the submission refresh what
// depends on the scores (its checklist).
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { api, call } from "../../api/client";
import type { ScoringComponents } from "../../api/generated";

type S = ScoringComponents["schemas"];
export type ScoreSheet = S["ScoreSheetRead"];
export type SelfScoreWrite = S["SelfScoresUpdate"]["scores"][number];
export type ReviewScoreWrite = S["ReviewScoresUpdate"]["scores"][number];

export const scoreKeys = {
  all: ["scores"] as const,
  sheet: (submissionId: string) => [...scoreKeys.all, "sheet", submissionId] as const,
};

export function useScoreSheet(submissionId: string, enabled = true) {
  return useQuery({
    queryKey: scoreKeys.sheet(submissionId),
    queryFn: () => call(api.GET("/api/scoring/submissions/{submission_id}/scores", { params: { path: { submission_id: submissionId } } })),
    enabled,
  });
}

export type ScoreWrite = { kind: "self"; scores: SelfScoreWrite[] } | { kind: "review"; scores: ReviewScoreWrite[] };

export function useSaveScores(submissionId: string, onSaved?: () => void) {
  const queryClient = useQueryClient();
  const path = { params: { path: { submission_id: submissionId } } };
  return useMutation({
    mutationFn: (write: ScoreWrite): Promise<ScoreSheet> => write.kind === "self"
      ? call(api.PATCH("/api/scoring/submissions/{submission_id}/self-scores", { ...path, body: { scores: write.scores } }))
      : call(api.PATCH("/api/scoring/submissions/{submission_id}/review-scores", { ...path, body: { scores: write.scores } })),
    onSuccess: (sheet) => {
      queryClient.setQueryData(scoreKeys.sheet(submissionId), sheet);
      onSaved?.();
    },
  });
}
