// Submissions (báo cáo): the query-key factory. A submission's own resources (history, versions, checklist,
// signature) sit under its detail key, so `submissionKeys.detail(id)` names everything about one report.
export const submissionKeys = {
  all: ["submissions"] as const,
  /** The school's reports (the dashboard): refreshed after a submit. */
  mine: () => [...submissionKeys.all, "mine"] as const,
  /** The school's report in a campaign, opened on arrival from a campaign e-mail's link. */
  openIn: (campaignId: string) => [...submissionKeys.all, "open-in", campaignId] as const,
  detail: (id: string) => [...submissionKeys.all, "detail", id] as const,
  histories: (id: string) => [...submissionKeys.detail(id), "history"] as const,
  history: (id: string, version: number) => [...submissionKeys.histories(id), version] as const,
  versions: (id: string, submitCount: number) => [...submissionKeys.detail(id), "versions", submitCount] as const,
  checklist: (id: string) => [...submissionKeys.detail(id), "checklist"] as const,
  signature: (id: string, submitCount: number) => [...submissionKeys.detail(id), "signature", submitCount] as const,
};
