import { describe, expect, it } from "vitest";
import { campaignPhase } from "./phase";

const campaign = (over: Partial<{ status: string; opens_at: string; late_policy: string }> = {}) => ({
  status: "published", opens_at: "2026-12-10T07:00:00+07:00", late_policy: "accept_late", ...over,
});
const due = "2026-12-20T17:00:00+07:00";

describe("campaignPhase", () => {
  it("is not open before the opening instant, open from it", () => {
    expect(campaignPhase(campaign(), due, new Date("2026-12-10T06:59:00+07:00"))).toBe("not_open");
    expect(campaignPhase(campaign(), due, new Date("2026-12-10T07:00:00+07:00"))).toBe("open");
  });
  it("tells late-but-accepted from closed after the deadline", () => {
    const after = new Date("2026-12-20T17:01:00+07:00");
    expect(campaignPhase(campaign(), due, after)).toBe("late");
    expect(campaignPhase(campaign({ late_policy: "hard_cutoff" }), due, after)).toBe("closed");
  });
  it("is closed once the issuer closed the campaign, whatever the dates", () => {
    expect(campaignPhase(campaign({ status: "closed" }), due, new Date("2026-12-12T00:00:00+07:00"))).toBe("closed");
  });
});
