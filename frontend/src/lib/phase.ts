// Where a unit stands in a campaign's calendar — the same rule as the server's `phase` on the dashboard's
// lines (services/submissions workflow.service.phase), for screens that hold a campaign and a deadline.
export type Phase = "not_open" | "open" | "late" | "closed";

export function campaignPhase(
  campaign: { status: string; opens_at: string; late_policy: string },
  dueAt: string,
  now: Date = new Date(),
): Phase {
  if (campaign.status !== "published") return "closed";
  if (now.getTime() < new Date(campaign.opens_at).getTime()) return "not_open";
  if (now.getTime() <= new Date(dueAt).getTime()) return "open";
  return campaign.late_policy === "hard_cutoff" ? "closed" : "late";
}
